"""Where to go after a form: a `next` taken from the request, only if it is a page of this site.

Every view that reads `next` (or any other "go back to" parameter) goes through `safe_next`, so a
link such as `…/allocate/?next=https://evil.example/phish` can never send someone elsewhere.
"""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme


def is_local_path(url: str) -> bool:
    """A path on this site ("/leads/5/?tab=x"), never another host, scheme or a protocol-relative URL."""
    return url.startswith("/") and url_has_allowed_host_and_scheme(url, allowed_hosts=set())


def safe_next(request: HttpRequest, default: str, *, name: str = "next") -> str:
    """The request's `name` parameter (POST first, then the query string) when it is a path on
    this site; `default` otherwise."""
    for value in (request.POST.get(name), request.GET.get(name)):
        if value and is_local_path(value):
            return value
    return default

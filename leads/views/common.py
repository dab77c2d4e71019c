"""What every lead screen shares: who is signed in, and loading the lead a URL names."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed

from accounts.models import User
from accounts.queries import memberships_of
from leads.models import Lead
from leads.queries import lead_for

LeadView = Callable[..., HttpResponse]


def signed_in(request: HttpRequest) -> User:
    """The user of a request that LoginRequiredMiddleware let through."""
    user = request.user
    if not isinstance(user, User):  # pragma: no cover - the middleware sends anonymous users to log in
        raise Http404
    return user


def phone_country(user: User) -> str:
    """The country that reads a phone number typed without a country code: the user's first dealership's."""
    first = memberships_of(user).order_by("id").first()
    return first.dealership.country if first and first.dealership.country else "US"


def lead_route(*methods: str) -> Callable[[LeadView], LeadView]:
    """Give the view the lead its URL names, as the user may see it, or answer 404.

    The lead is looked up before the method is checked, so a lead the user may not see answers
    404 to every method and its existence leaks nothing.
    """

    def decorate(view: LeadView) -> LeadView:
        @wraps(view)
        def wrapper(request: HttpRequest, lead_id: int, **kwargs: Any) -> HttpResponse:
            try:
                lead = lead_for(signed_in(request), lead_id)
            except Lead.DoesNotExist:
                raise Http404("No such lead.") from None
            allowed = (*methods, "HEAD") if "GET" in methods else methods
            if request.method not in allowed:
                return HttpResponseNotAllowed(methods)
            return view(request, lead, **kwargs)

        return wrapper

    return decorate

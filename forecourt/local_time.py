"""Times are shown in the dealership's zone: the request's time zone is the one of the dealership
the page is about, so every datetime a template shows (|date, |time, {{ value }}, |when) is local."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from accounts.models import Membership, User
from accounts.queries import dealerships_of


class DealershipTimeZoneMiddleware:
    """Activates, for each page, the zone of the dealership it is about (see `zone_of_page`)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            return self.get_response(request)
        finally:
            # Threads serve many requests: the next one must not inherit this one's zone.
            timezone.deactivate()

    def process_view(
        self, request: HttpRequest, view: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> None:
        user = getattr(request, "user", None)
        match = request.resolver_match
        # The API writes every time with its offset (ISO 8601); it needs no zone of its own.
        if not isinstance(user, User) or (match is not None and "api-v1" in match.namespaces):
            return
        name = zone_of_page(user, kwargs)
        if name:
            try:
                timezone.activate(ZoneInfo(name))
            except (ZoneInfoNotFoundError, ValueError):
                timezone.deactivate()


def zone_of_page(user: User, url_kwargs: dict[str, Any]) -> str | None:
    """The zone a page shows its times in: that of the dealership the page is about (the slug, or
    the dealership of the lead or inbound email in its URL) when the user works there; otherwise
    that of the user's first dealership. None for someone who works nowhere (times stay UTC)."""
    mine = dealerships_of(user)
    about = None
    if "slug" in url_kwargs:
        about = mine.filter(slug=url_kwargs["slug"])
    elif "lead_id" in url_kwargs:
        about = mine.filter(leads__pk=url_kwargs["lead_id"])
    elif "inbound_id" in url_kwargs:
        about = mine.filter(inbound_emails__pk=url_kwargs["inbound_id"])
    zone = about.values_list("timezone", flat=True).first() if about is not None else None
    if zone:
        return zone
    first = Membership.objects.filter(user=user, user__is_active=True).order_by("pk")
    return first.values_list("dealership__timezone", flat=True).first()

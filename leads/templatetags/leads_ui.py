"""Small template helpers of the lead screens: phone numbers, local times, ages, badges."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django import template
from django.templatetags.tz import do_timezone
from django.utils import timezone

from forecourt.lib.phone import display

register = template.Library()


@register.filter
def phone(number: str | None) -> str:
    """An E.164 number written the way people write it in its own country."""
    return display(number) if number else ""


@register.filter
def local(moment: datetime | None, tz_name: str) -> datetime | None:
    """`moment` in the dealership's time zone (`tz_name`), for showing with |date."""
    if moment is None:
        return None
    try:
        zone = ZoneInfo(tz_name)
    except (ZoneInfoNotFoundError, ValueError):
        return moment
    # Django's own filter marks the result so that |date does not turn it back into UTC.
    return do_timezone(moment, zone)


@register.filter
def age(moment: datetime | None) -> str:
    """How long ago, the short way a salesperson reads it on a phone: 4m, 3h, 2d, 5w."""
    if moment is None:
        return ""
    seconds = max(int((timezone.now() - moment).total_seconds()), 0)
    for unit, size in (("w", 7 * 86400), ("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds // size}{unit}"
    return "now"


@register.filter
def ago(moment: datetime | None) -> str:
    """ "4m ago", or "just now" (never "now ago")."""
    if moment is None:
        return ""
    short = age(moment)
    return "just now" if short == "now" else f"{short} ago"


@register.filter
def duration(seconds: float | None) -> str:
    """A span like 1h 5m, for the time to first response."""
    if seconds is None:
        return ""
    minutes = max(int(seconds // 60), 0)
    days, minutes = divmod(minutes, 1440)
    hours, minutes = divmod(minutes, 60)
    parts = [
        f"{days}d" if days else "",
        f"{hours}h" if hours else "",
        f"{minutes}m" if minutes or not (days or hours) else "",
    ]
    return " ".join(part for part in parts if part)

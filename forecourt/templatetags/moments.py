"""`{{ moment|when }}`: the one way every screen writes a date and time, in the dealership's zone.

Without an argument the zone is the one activated for the request (the dealership of the page, see
forecourt.middleware); `{{ moment|when:lead.dealership.timezone }}` names it for rows of a list that
mixes dealerships."""

from __future__ import annotations

import contextlib
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django import template
from django.utils import timezone
from django.utils.dateformat import format as format_date

register = template.Library()

THIS_YEAR = "D M j, g:i A"  # Tue Mar 10, 2:50 PM
OTHER_YEAR = "D M j Y, g:i A"  # Tue Mar 10 2025, 2:50 PM


@register.filter
def when(moment: datetime | None, zone_name: str = "") -> str:
    if not isinstance(moment, datetime):
        return ""
    zone = timezone.get_current_timezone()
    if zone_name:
        with contextlib.suppress(ZoneInfoNotFoundError, ValueError):
            zone = ZoneInfo(zone_name)
    local = moment.astimezone(zone) if timezone.is_aware(moment) else moment
    same_year = local.year == timezone.now().astimezone(zone).year
    return format_date(local, THIS_YEAR if same_year else OTHER_YEAR)

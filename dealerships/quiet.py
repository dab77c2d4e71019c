"""When staff alerts keep quiet: a rooftop's self-defined days off, and (when the dealership asks
for it) outside opening hours for resubmissions. Pure: a calendar and an instant in, a moment out.

The reference (pixelconcept's lead settings) counts stage 2 in calendar time "including Sundays
and public holidays": those stay loud. Only the days a dealership defined itself (`days_off`:
stocktaking, a staff party, the day before Christmas) are quiet for every alert: no reminder, no
escalation of either stage, no follow-up notice, no informational notification. What falls due
on such a day is held and goes out at the next opening, in due order (docs/escalation.md).
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from dealerships.calendar import BusinessCalendar


def is_day_off(calendar: BusinessCalendar, now: datetime) -> bool:
    """Is `now` on one of the dealership's own days off (its local date)?"""
    return now.astimezone(ZoneInfo(calendar.timezone)).date() in calendar.days_off


def quiet_until(calendar: BusinessCalendar, now: datetime, *, opening_hours: bool = False) -> datetime | None:
    """The next opening when an alert due at `now` must wait for it, else None (it goes now).

    `opening_hours` makes it wait whenever the dealership is closed, not only on its days off.
    A calendar that never opens holds nothing: an alert held for ever would be an alert lost.
    """
    if not (is_day_off(calendar, now) or (opening_hours and not calendar.is_open(now))):
        return None
    try:
        opening = calendar.next_opening(now)
    except ValueError:
        return None
    return opening if opening > now else None

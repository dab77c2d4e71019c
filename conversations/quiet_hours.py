"""Quiet hours: Forecourt's own texts reach a customer only between 08:00 and 21:00 their time.

No Django here. The customer's time is the zone of their number's area (phonenumbers knows it
for North American area codes and most countries), else the dealership's zone.

An area can span several zones (208 is Boise and Los Angeles; 701 has Denver and Central
time). We cannot know in which of them the customer is, and the TCPA counts *their* local time,
so a text goes only when it is 08:00-21:00 in all of them: from 08:00 in the westernmost zone to
21:00 in the easternmost. A number that belongs to no place (toll-free, premium, personal
numbers: phonenumbers maps an 800 number to every zone from Guam to Newfoundland) says nothing
about where its owner is, and the dealership's zone is used instead; so it is when the zones are
so far apart that they share no window.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import phonenumbers
from phonenumbers import timezone as number_zones

QUIET_ENDS = time(8)  # the first minute a text may go
QUIET_STARTS = time(21)  # the first minute it may not
_NOWHERE = frozenset(
    {
        phonenumbers.PhoneNumberType.TOLL_FREE,
        phonenumbers.PhoneNumberType.PREMIUM_RATE,
        phonenumbers.PhoneNumberType.SHARED_COST,
        phonenumbers.PhoneNumberType.PERSONAL_NUMBER,
        phonenumbers.PhoneNumberType.UAN,
        phonenumbers.PhoneNumberType.VOICEMAIL,
    }
)


def in_window(at: datetime, zones: Sequence[ZoneInfo]) -> bool:
    """True when `at` is within 08:00-21:00 (21:00 itself is quiet) in every one of `zones`."""
    return all(QUIET_ENDS <= at.astimezone(zone).time() < QUIET_STARTS for zone in zones)


def next_window(at: datetime, zones: Sequence[ZoneInfo]) -> datetime | None:
    """`at` if a text may go then, else the first moment after it that one may (always some zone's
    08:00); None when the zones never share a window."""
    if in_window(at, zones):
        return at
    day = at.astimezone(UTC).date()
    # A shared window opens at some zone's 08:00; the next one is within two days of `at`.
    openings = sorted(
        datetime.combine(day + timedelta(days=offset), QUIET_ENDS, tzinfo=zone).astimezone(UTC)
        for zone in zones
        for offset in range(-1, 3)
    )
    return next((t for t in openings if t > at and in_window(t, zones)), None)


def _zone(name: str) -> ZoneInfo | None:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def zones_of_number(number: str) -> list[ZoneInfo]:
    """The zones the area of an E.164 number lies in; empty when unknown."""
    try:
        parsed = phonenumbers.parse(number, None)
    except phonenumbers.NumberParseException:
        return []
    if phonenumbers.number_type(parsed) in _NOWHERE:
        return []
    names = number_zones.time_zones_for_number(parsed)
    return [zone for name in names if name != "Etc/Unknown" and (zone := _zone(name)) is not None]


def when_a_text_may_go(at: datetime, *, number: str, dealership_zone: str) -> datetime:
    """The first moment at or after `at` when an automated text to `number` may go (see above)."""
    zones = zones_of_number(number)
    found = next_window(at, zones) if zones else None
    if found is None:
        found = next_window(at, [ZoneInfo(dealership_zone)])
    assert found is not None  # one zone always has a window
    return found

"""Reading the dates senders write in `<requestdate>` and `<timeframe>`.

ADF asks for ISO 8601 with an offset; senders also write `2009-06-08T8:47:50-06:00` (one-digit
hour), `-08:0` (truncated offset), `2026-03-16 20:37:03`, `3/16/2026 8:37:03 PM`, a date alone or
a `Z`. The answer is an ISO 8601 string carrying an offset only when the sender gave one: a naive
time is left naive because only the dealership's time zone (which this module does not know) can
place it. A date alone stays a date ("2026-03-16"). Anything else is None.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, timezone

_DATE = re.compile(
    r"(?P<y>\d{4})[-/.](?P<m>\d{1,2})[-/.](?P<d>\d{1,2})"
    r"|(?P<y8>\d{4})(?P<m8>\d{2})(?P<d8>\d{2})(?=T|\s|$)"
    r"|(?P<a>\d{1,2})[/.\-](?P<b>\d{1,2})[/.\-](?P<c>\d{4})"
)
_TIME = re.compile(
    r"(?:T|\s+|T\s*)(?P<H>\d{1,2}):?(?P<M>\d{2})(?::?(?P<S>\d{1,2})(?:[.,]\d{1,9})?)?"
    r"(?:\s*(?P<ampm>[AaPp])\.?[Mm]\.?)?"
)
_ZONE = re.compile(
    r"\s*(?:(?P<z>Z|UTC|GMT)|(?:UTC|GMT)?(?P<sign>[+-])(?P<oh>\d{1,2})(?::?(?P<om>\d{1,2}))?|(?P<abbr>[A-Za-z]{3,4}))$"
)
# US abbreviations some CRMs print instead of an offset; a fixed offset is what they mean.
_ZONE_ABBREVIATIONS = {
    "EST": -5,
    "EDT": -4,
    "CST": -6,
    "CDT": -5,
    "MST": -7,
    "MDT": -6,
    "PST": -8,
    "PDT": -7,
    "AKST": -9,
    "AKDT": -8,
    "HST": -10,
}


def read_datetime(text: str | None) -> str | None:
    """ISO 8601 for what the sender wrote, or None when it cannot be read."""
    if not text:
        return None
    text = text.strip()
    found = _DATE.match(text)
    if found is None:
        return None
    day = _date(found)
    rest = text[found.end() :]
    if day is None:
        return None
    if not rest.strip():
        return day.isoformat()
    time = _TIME.match(rest)
    if time is None:
        return None
    moment = _time_of_day(day, time)
    if moment is None:
        return None
    zone_text = rest[time.end() :]
    if not zone_text.strip():
        return moment.isoformat(timespec="seconds")
    zone = _zone(zone_text)
    if zone is None:
        return None
    return moment.replace(tzinfo=zone).isoformat(timespec="seconds")


def _date(found: re.Match[str]) -> date | None:
    if found.group("y"):
        year, month, day = int(found.group("y")), int(found.group("m")), int(found.group("d"))
    elif found.group("y8"):
        year, month, day = int(found.group("y8")), int(found.group("m8")), int(found.group("d8"))
    else:
        first, second, year = int(found.group("a")), int(found.group("b")), int(found.group("c"))
        # Senders writing slashes are American (month first) unless the first number can't be a month.
        month, day = (second, first) if first > 12 else (first, second)
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _time_of_day(day: date, found: re.Match[str]) -> datetime | None:
    hour, minute, second = int(found.group("H")), int(found.group("M")), int(found.group("S") or 0)
    marker = (found.group("ampm") or "").upper()
    if marker:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if marker == "P" else 0)
    try:
        return datetime(day.year, day.month, day.day, hour, minute, second)
    except ValueError:
        return None


def _zone(text: str) -> timezone | None:
    found = _ZONE.match(text)
    if found is None:
        return None
    if found.group("z"):
        return UTC
    if found.group("abbr"):
        hours = _ZONE_ABBREVIATIONS.get(found.group("abbr").upper())
        return None if hours is None else timezone(timedelta(hours=hours))
    hours_text, minutes_text = found.group("oh"), found.group("om") or "0"
    # "-08:0" is "-08:00" cut short: a lone minute digit is the tens.
    minutes = int(minutes_text.ljust(2, "0"))
    if minutes >= 60:
        return None
    offset = timedelta(hours=int(hours_text), minutes=minutes)
    if offset >= timedelta(hours=24):
        return None
    return timezone(-offset if found.group("sign") == "-" else offset)

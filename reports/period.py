"""The period a report covers: whole days in a dealership's time zone. No Django."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

MAX_DAYS = 366
PRESETS = {
    "this_week": "This week",
    "last_week": "Last week",
    "this_month": "This month",
    "last_month": "Last month",
}


@dataclass(frozen=True)
class Period:
    """From `first` to `last`, both days included."""

    first: date
    last: date

    def __post_init__(self) -> None:
        if self.last < self.first:
            raise ValueError(f"the period ends ({self.last}) before it starts ({self.first})")
        if (self.last - self.first).days >= MAX_DAYS:
            raise ValueError(f"a report covers at most {MAX_DAYS} days")

    def bounds(self, timezone: str) -> tuple[datetime, datetime]:
        """[start, end) in UTC: local midnight of the first day to local midnight after the last."""
        zone = ZoneInfo(timezone)
        start = datetime.combine(self.first, time(0), zone)
        end = datetime.combine(self.last + timedelta(days=1), time(0), zone)
        return start.astimezone(UTC), end.astimezone(UTC)

    @property
    def days(self) -> list[date]:
        return [self.first + timedelta(days=n) for n in range((self.last - self.first).days + 1)]

    def describe(self) -> str:
        if self.first == self.last:
            return f"{self.first:%a %b} {self.first.day}, {self.first.year}"
        return f"{self.first:%a %b} {self.first.day} to {self.last:%a %b} {self.last.day}, {self.last.year}"


def preset(name: str, today: date) -> Period:
    """A named period around `today` (the dealership's local date); weeks start on Monday."""
    monday = today - timedelta(days=today.weekday())
    if name == "this_week":
        return Period(monday, monday + timedelta(days=6))
    if name == "last_week":
        return Period(monday - timedelta(days=7), monday - timedelta(days=1))
    first_of_month = today.replace(day=1)
    if name == "this_month":
        next_month = (first_of_month + timedelta(days=32)).replace(day=1)
        return Period(first_of_month, next_month - timedelta(days=1))
    if name == "last_month":
        last_of_previous = first_of_month - timedelta(days=1)
        return Period(last_of_previous.replace(day=1), last_of_previous)
    raise ValueError(f'unknown period "{name}" (use {", ".join(PRESETS)} or from/to dates)')


def parse_period(first: str | None, last: str | None) -> Period:
    """A custom period from two YYYY-MM-DD dates; ValueError naming the bad one."""
    days = []
    for name, text in (("from", first), ("to", last)):
        if not text:
            raise ValueError(f"{name}: give a date as YYYY-MM-DD")
        try:
            days.append(date.fromisoformat(text))
        except ValueError:
            raise ValueError(f'{name}: "{text}" is not a date (YYYY-MM-DD)') from None
    return Period(days[0], days[1])

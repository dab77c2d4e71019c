"""A dealership's business calendar: opening hours, public holidays and days off.

Escalation stage 1 and the reminder before it count *working* minutes (CONTRACT §3), so every
such deadline goes through this module. It is pure Python, no Django, so that it can be tested
exhaustively (see tests/test_calendar_properties.py).

All datetimes in and out are aware; naive ones are refused. Results are in UTC.

How wall-clock hours become instants
------------------------------------
Hours are written in the dealership's local wall time. A boundary "HH:MM" on a date is the
*first instant at which the local clock reads HH:MM or later*. That one rule means:

* an ambiguous time (clocks going back) is its first occurrence (fold=0);
* a time that does not exist (clocks going forward) moves forward to the moment of the jump:
  02:30 on the day Chicago springs forward is 03:00 CDT;
* "24:00" is the first instant of the next day;
* boundaries never swap order, and 01:00-04:00 lasts 2 hours on the spring-forward day and
  4 hours on the fall-back day.

An interval may not cross midnight: write "22:00-24:00" on one day and "00:00-02:00" on the
next. Intervals are half-open: open at 09:00, closed again at 19:00 sharp.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from itertools import pairwise
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

# Searching forward gives up after this many days without working time, so a calendar that is
# closed for good (no hours, or an absence lasting years) raises instead of looping for ever.
MAX_CLOSED_DAYS = 366 * 2
NO_WORKING_HOURS = "calendar has no working hours"

ONE_DAY = timedelta(days=1)
MIDNIGHT = time(0)

Interval = tuple[time, time]
"""(start, end) in local wall time; an end of time(0) means midnight at the end of the day."""

_TIME = re.compile(r"(\d{1,2}):(\d{2})")


class IntervalError(ValueError):
    """A bad list of opening hours; ``index`` is the offending item, for error paths."""

    def __init__(self, message: str, index: int | None = None) -> None:
        super().__init__(message)
        self.index = index


def _parse_time(text: str) -> time:
    match = _TIME.fullmatch(text.strip())
    if match and int(match[1]) < 24 and int(match[2]) < 60:
        return time(int(match[1]), int(match[2]))
    raise ValueError(f'"{text.strip()}" is not a time (HH:MM; 24:00 only as a closing time)')


def parse_interval(text: str) -> Interval:
    """Parse "09:00-19:00" into (start, end).

    "24:00" is allowed as an end only and comes back as time(0), meaning midnight at the end of
    the day (a `time` cannot hold 24:00). "09:00-00:00" is refused rather than guessed at: an
    interval crossing midnight must be split over the two days.
    """
    if not isinstance(text, str) or text.count("-") != 1:
        raise ValueError(f'"{text}" is not an interval like "09:00-17:00"')
    start_text, end_text = text.split("-")
    start = _parse_time(start_text)
    if end_text.strip() == "24:00":
        return start, MIDNIGHT
    end = _parse_time(end_text)
    if end == start:
        raise ValueError(f'"{text}" is empty')
    if end < start:
        hint = " (write 24:00 for midnight)" if end == MIDNIGHT else ""
        raise ValueError(f'"{text}" ends before it starts{hint}')
    return start, end


def _end_minute(end: time) -> int:
    return 24 * 60 if end == MIDNIGHT else end.hour * 60 + end.minute


def parse_day_hours(intervals: Sequence[str] | None) -> tuple[Interval, ...]:
    """Parse one day's intervals, sorted; None or [] means closed that day.

    Intervals may touch ("09:00-12:00", "12:00-17:00") but not overlap. Errors are IntervalError
    with the index of the offending item (the later one of two that overlap).
    """
    if intervals is None:
        return ()
    if isinstance(intervals, str):
        raise IntervalError(f'expected a list of intervals like ["09:00-17:00"], not "{intervals}"')
    parsed: list[tuple[Interval, int, str]] = []
    for index, text in enumerate(intervals):
        try:
            parsed.append((parse_interval(text), index, text))
        except ValueError as error:
            raise IntervalError(str(error), index) from None
    parsed.sort(key=lambda item: item[0][0])
    for (before, before_index, before_text), (after, after_index, after_text) in pairwise(parsed):
        if _end_minute(before[1]) > after[0].hour * 60 + after[0].minute:
            first, second = sorted([(before_index, before_text), (after_index, after_text)])
            raise IntervalError(f'"{second[1]}" overlaps "{first[1]}"', second[0])
    return tuple(interval for interval, _, _ in parsed)


def check_region(country: str | None, subdivision: str | None) -> None:
    """Refuse a country or subdivision the holidays library does not know (ValueError)."""
    if country is None:
        if subdivision is not None:
            raise ValueError(f'subdivision "{subdivision}" needs a country')
        return
    supported = holidays.list_supported_countries()
    if country not in supported:
        raise ValueError(f'unknown country "{country}" (use an ISO 3166-1 code such as "US")')
    if subdivision is not None and subdivision not in supported[country]:
        known = ", ".join(supported[country]) or "none"
        raise ValueError(f'unknown subdivision "{subdivision}" of {country} (known: {known})')


@lru_cache(maxsize=1024)
def _public_holidays(country: str, subdivision: str | None, year: int) -> Mapping[date, str]:
    # Copied into a plain dict: a HolidayBase adds years to itself when asked about another
    # year, which a cached object shared between calendars must not do.
    return dict(holidays.country_holidays(country, subdiv=subdivision, years=year))


def _as_utc(t: datetime) -> datetime:
    if t.tzinfo is None or t.utcoffset() is None:
        raise ValueError(f"naive datetime {t.isoformat()}: business calendar times need a zone")
    return t.astimezone(UTC)


def _join_touching(
    intervals: Iterator[tuple[datetime, datetime]],
) -> Iterator[tuple[datetime, datetime]]:
    pending: tuple[datetime, datetime] | None = None
    for opens, closes in intervals:
        if pending is not None and pending[1] == opens:
            pending = (pending[0], closes)
            continue
        if pending is not None:
            yield pending
        pending = (opens, closes)
    if pending is not None:
        yield pending


@dataclass(frozen=True)
class BusinessCalendar:
    """When a dealership (or, with absences, one of its people) is at work.

    `hours` maps "mon".."sun" to intervals like ["09:00-12:30", "13:30-17:00"]; a missing or
    empty day is closed. `absences` are extra closed date ranges, both ends inclusive, as in
    a membership's `absent: {from, until}`. Construction validates everything (ValueError).
    """

    timezone: str
    hours: Mapping[str, Sequence[str]] = field(hash=False)  # a dict is not hashable
    country: str | None = None
    subdivision: str | None = None
    public_holidays: bool = True
    days_off: frozenset[date] = frozenset()
    absences: tuple[tuple[date, date], ...] = ()
    _zone: ZoneInfo = field(init=False, repr=False, compare=False)
    _week: tuple[tuple[Interval, ...], ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        try:
            zone = ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError, TypeError):
            raise ValueError(f'unknown time zone "{self.timezone}"') from None
        unknown = sorted(set(self.hours) - set(WEEKDAYS))
        if unknown:
            raise ValueError(f'unknown day "{unknown[0]}" in hours (days are {", ".join(WEEKDAYS)})')
        week = []
        for day in WEEKDAYS:
            try:
                week.append(parse_day_hours(self.hours.get(day)))
            except IntervalError as error:
                where = f"hours.{day}" + ("" if error.index is None else f"[{error.index}]")
                raise IntervalError(f"{where}: {error}", error.index) from None
        check_region(self.country, self.subdivision)
        for first, last in self.absences:
            if last < first:
                raise ValueError(f"absence from {first} until {last} ends before it starts")
        # Frozen: computed fields and normalised collections go in through object.__setattr__.
        object.__setattr__(self, "days_off", frozenset(self.days_off))
        object.__setattr__(self, "absences", tuple(self.absences))
        object.__setattr__(self, "_zone", zone)
        object.__setattr__(self, "_week", tuple(week))

    # Days

    def holiday_name(self, day: date) -> str | None:
        """The public holiday on that date, or None (also when public holidays are not kept)."""
        if not (self.public_holidays and self.country):
            return None
        return _public_holidays(self.country, self.subdivision, day.year).get(day)

    def is_closed_day(self, day: date) -> bool:
        """A public holiday, a day off or a day of absence.

        Days that the weekly hours leave closed (Sunday, say) are not "closed days" here.
        """
        return (
            day in self.days_off
            or any(first <= day <= last for first, last in self.absences)
            or self.holiday_name(day) is not None
        )

    # Instants

    def is_open(self, t: datetime) -> bool:
        t = _as_utc(t)
        day = t.astimezone(self._zone).date()
        # The next day too: where clocks go back across midnight the local date repeats, and
        # an instant dated `day` can fall in the following day's hours.
        return any(start <= t < end for d in (day, day + ONE_DAY) for start, end in self._day_intervals(d))

    def next_opening(self, t: datetime) -> datetime:
        """t itself (in UTC) if open at t, else the start of the next open interval.

        Raises ValueError("calendar has no working hours") if nothing opens for MAX_CLOSED_DAYS.
        """
        start, _ = next(self._open_intervals(_as_utc(t)))
        return start

    def add_working_minutes(self, t: datetime, minutes: float) -> datetime:
        """The instant at which `minutes` working minutes (int or float) have passed since t.

        The clock runs only while open. From a closed moment it starts at the next opening,
        so 0 minutes from a closed moment gives next_opening(t). A span that uses an interval
        up exactly ends at that interval's end (19:00), not at the next opening. Negative
        minutes are refused; fractions are rounded to the microsecond (timedelta).
        """
        remaining = timedelta(minutes=minutes)
        if remaining < timedelta(0):
            raise ValueError(f"cannot add a negative number of working minutes ({minutes})")
        t = _as_utc(t)
        if not remaining:
            return self.next_opening(t)
        for start, end in self._open_intervals(t):
            if remaining <= end - start:
                return start + remaining
            remaining -= end - start
        raise AssertionError("unreachable: _open_intervals(t) never ends without raising")

    def working_minutes_between(self, a: datetime, b: datetime) -> float:
        """Working minutes in [a, b); when b is before a, minus the working minutes in [b, a).

        So working_minutes_between(t, add_working_minutes(t, n)) == n for every t and n >= 0.
        """
        a, b = _as_utc(a), _as_utc(b)
        if b < a:
            return -self.working_minutes_between(b, a)
        total = sum((end - start for start, end in self.intervals(a, b)), timedelta(0))
        return total / timedelta(minutes=1)

    def intervals(self, start: datetime, end: datetime) -> Iterator[tuple[datetime, datetime]]:
        """The open intervals overlapping [start, end), clipped to it, in order, in UTC.

        Intervals that touch (a 24-hour dealership's days, "09:00-12:00" + "12:00-17:00") are
        joined into one. Nothing is yielded when end <= start.
        """
        # Not a generator itself, so that naive datetimes are refused at the call.
        return _join_touching(self._open_intervals(_as_utc(start), _as_utc(end)))

    # Internals

    def _open_intervals(self, t: datetime, until: datetime | None = None) -> Iterator[tuple[datetime, datetime]]:
        """Open intervals from t on (clipped), day by day, up to `until` or without end.

        Without `until`, raises ValueError once MAX_CLOSED_DAYS days in a row have no working
        time, which is what bounds add_working_minutes and next_opening.
        """
        if until is None and not any(self._week):
            raise ValueError(NO_WORKING_HOURS)
        day = t.astimezone(self._zone).date()
        # One day past until's local date: see the repeated-date note in is_open.
        last_day = None if until is None else until.astimezone(self._zone).date() + ONE_DAY
        closed_days = 0
        while last_day is None or day <= last_day:
            found = False
            for start, end in self._day_intervals(day):
                if end <= t:
                    continue
                if until is not None:
                    if start >= until:
                        return
                    end = min(end, until)
                found = True
                yield max(start, t), end
            closed_days = 0 if found else closed_days + 1
            if until is None and closed_days > MAX_CLOSED_DAYS:
                raise ValueError(NO_WORKING_HOURS)
            day += ONE_DAY

    def _day_intervals(self, day: date) -> list[tuple[datetime, datetime]]:
        """That day's open intervals as UTC instants; empty on a closed day."""
        hours = self._week[day.weekday()]
        # Checked first because it is cheaper than the holiday lookup: weekly closed days.
        if not hours or self.is_closed_day(day):
            return []
        result = []
        for start_time, end_time in hours:
            start = self._instant(day, start_time)
            # An end of MIDNIGHT was written 24:00: the start of the next day.
            end = self._instant(day + ONE_DAY, MIDNIGHT) if end_time == MIDNIGHT else self._instant(day, end_time)
            if start < end:  # both ends inside one DST gap leave nothing open
                result.append((start, end))
        return result

    def _instant(self, day: date, wall: time) -> datetime:
        """The first instant at which the local clock reads `wall` on `day` or later, in UTC."""
        naive = datetime.combine(day, wall)
        instant = naive.replace(tzinfo=self._zone).astimezone(UTC)  # fold=0: first occurrence
        if instant.astimezone(self._zone).replace(tzinfo=None) == naive:
            return instant
        # `naive` is in a gap. fold=0 read it with the offset from before the jump, landing
        # after the jump; fold=1 with the offset after it, landing before. Bisect (to the
        # second; zone transitions fall on whole seconds) for the jump itself.
        low = int(naive.replace(tzinfo=self._zone, fold=1).timestamp())
        high = int(instant.timestamp())
        while high - low > 1:
            middle = (low + high) // 2
            if datetime.fromtimestamp(middle, self._zone).replace(tzinfo=None) >= naive:
                high = middle
            else:
                low = middle
        return datetime.fromtimestamp(high, UTC)

"""Properties of the business calendar over random weekly hours, regions, days off and instants.

What is proved (for every generated calendar and instant t, minutes being whole numbers):

* add(add(t, a), b) == add(t, a + b) for a >= 0 and b >= 1. Not for b == 0: add(x, 0) is
  next_opening(x), which is later than x when x is a closing time.
* add(t, n) for n > 0 is later than t and open just before it (never strictly inside a closed
  period), and working_minutes_between(t, add(t, n)) == n for every t and n >= 0.
* next_opening(t) >= t, is open, has no working time before it, and is t when t is open.
* is_open agrees with intervals(); intervals are ordered, non-empty, apart and clipped;
  working_minutes_between is additive and antisymmetric.
* a day off or public holiday has 0 working minutes and removes exactly that day's minutes.
* a day's working time is its real (UTC) length, whatever the clocks do that day.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from itertools import pairwise
from zoneinfo import ZoneInfo

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from dealerships.calendar import WEEKDAYS, BusinessCalendar

# Chosen for their clocks: two DST hemispheres, no DST, half-hour offsets, 30-minute DST
# (Lord Howe) and Chile, where the clocks change at midnight.
ZONES = [
    "America/Chicago",
    "Europe/Berlin",
    "Australia/Sydney",
    "UTC",
    "Asia/Kolkata",
    "America/St_Johns",
    "Australia/Lord_Howe",
    "America/Santiago",
]
REGIONS = [(None, None), ("US", None), ("US", "TX"), ("DE", "BY"), ("AU", "NSW"), ("CL", None)]
FIRST_DAY, LAST_DAY = date(2025, 1, 1), date(2027, 12, 31)
MICROSECOND = timedelta(microseconds=1)

# Enough examples to find the DST and holiday corners, few enough to stay well under 20 s.
calendar_settings = settings(deadline=None, max_examples=80)


def _wall(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


@st.composite
def day_hours(draw: st.DrawFn) -> list[str]:
    kind = draw(st.sampled_from(["closed", "all day", "random", "random"]))
    if kind == "closed":
        return []
    if kind == "all day":
        return ["00:00-24:00"]
    bounds = sorted(draw(st.sets(st.integers(0, 1440), min_size=2, max_size=6)))
    bounds = bounds[: len(bounds) // 2 * 2]
    return [f"{_wall(start)}-{_wall(end)}" for start, end in zip(bounds[::2], bounds[1::2], strict=True)]


@st.composite
def calendars(draw: st.DrawFn) -> BusinessCalendar:
    hours = {day: draw(day_hours()) for day in WEEKDAYS}
    assume(any(hours.values()))
    country, subdivision = draw(st.sampled_from(REGIONS))
    return BusinessCalendar(
        timezone=draw(st.sampled_from(ZONES)),
        hours=hours,
        country=country,
        subdivision=subdivision,
        public_holidays=draw(st.booleans()),
        days_off=frozenset(draw(st.lists(st.dates(FIRST_DAY, LAST_DAY), max_size=5))),
    )


@cache
def clock_changes(zone_name: str) -> list[date]:
    """Local dates on which the zone's clocks change, 2025-2027."""
    zone = ZoneInfo(zone_name)
    days = [FIRST_DAY + timedelta(days=n) for n in range((LAST_DAY - FIRST_DAY).days)]
    return [day for day in days if _midnight(day, zone).utcoffset() != _midnight(day + timedelta(1), zone).utcoffset()]


def _midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), zone)


def instants(calendar: BusinessCalendar) -> st.SearchStrategy[datetime]:
    """Any instant, or one within a day or so of a clock change, at minute or finer resolution."""
    zone = ZoneInfo(calendar.timezone)
    anywhere = st.datetimes(datetime(2025, 1, 1), datetime(2027, 12, 31), timezones=st.just(UTC))
    changes = clock_changes(calendar.timezone)
    if not changes:
        return anywhere
    near_change = st.builds(
        lambda day, minutes: (_midnight(day, zone) + timedelta(minutes=minutes)).astimezone(UTC),
        st.sampled_from(changes),
        st.integers(-1440, 2 * 1440),
    )
    return st.one_of(anywhere, near_change)


@st.composite
def calendar_and_instant(draw: st.DrawFn) -> tuple[BusinessCalendar, datetime]:
    calendar = draw(calendars())
    return calendar, draw(instants(calendar))


def local_day(calendar: BusinessCalendar, day: date) -> float:
    zone = ZoneInfo(calendar.timezone)
    return calendar.working_minutes_between(_midnight(day, zone), _midnight(day + timedelta(1), zone))


minutes = st.integers(0, 3000)


@calendar_settings
@given(calendar_and_instant(), minutes, st.integers(1, 3000))
def test_adding_in_two_steps_is_adding_the_sum(case: tuple[BusinessCalendar, datetime], a: int, b: int) -> None:
    calendar, t = case
    assert calendar.add_working_minutes(calendar.add_working_minutes(t, a), b) == calendar.add_working_minutes(t, a + b)


@calendar_settings
@given(calendar_and_instant(), st.one_of(st.integers(1, 3000), st.floats(0.01, 3000)))
def test_deadline_is_never_inside_a_closed_period(case: tuple[BusinessCalendar, datetime], n: float) -> None:
    calendar, t = case
    due = calendar.add_working_minutes(t, n)
    assert due > t
    assert due.tzinfo is UTC
    assert calendar.is_open(due - MICROSECOND)


@calendar_settings
@given(calendar_and_instant(), minutes)
def test_working_minutes_until_the_deadline_are_the_minutes_added(
    case: tuple[BusinessCalendar, datetime], n: int
) -> None:
    calendar, t = case
    assert calendar.working_minutes_between(t, calendar.add_working_minutes(t, n)) == n


@calendar_settings
@given(calendar_and_instant())
def test_next_opening_is_the_first_open_moment_from_t(case: tuple[BusinessCalendar, datetime]) -> None:
    calendar, t = case
    opening = calendar.next_opening(t)
    assert opening >= t
    assert calendar.is_open(opening)
    assert calendar.working_minutes_between(t, opening) == 0
    assert (opening == t) == calendar.is_open(t)


@calendar_settings
@given(calendar_and_instant(), st.integers(0, 4 * 1440))
def test_intervals_are_ordered_apart_and_agree_with_is_open(case: tuple[BusinessCalendar, datetime], span: int) -> None:
    calendar, t = case
    start, end = t - timedelta(days=2), t + timedelta(minutes=span)
    found = list(calendar.intervals(start, end))
    assert all(start <= opens < closes <= end for opens, closes in found)
    assert all(earlier[1] < later[0] for earlier, later in pairwise(found))
    if t < end:
        assert calendar.is_open(t) == any(opens <= t < closes for opens, closes in found)


@calendar_settings
@given(calendar_and_instant(), st.integers(-3 * 1440, 3 * 1440), st.integers(-3 * 1440, 3 * 1440))
def test_working_minutes_add_up_and_change_sign_when_reversed(
    case: tuple[BusinessCalendar, datetime], later: int, latest: int
) -> None:
    calendar, a = case
    b, c = a + timedelta(minutes=later), a + timedelta(minutes=latest)

    def between(start: datetime, end: datetime) -> int:
        # In whole microseconds: summing float minutes would add rounding errors of its own.
        return round(calendar.working_minutes_between(start, end) * 60_000_000)

    assert between(a, b) + between(b, c) == between(a, c)
    assert between(b, a) == -between(a, b)


@calendar_settings
@given(calendars(), st.dates(FIRST_DAY, LAST_DAY))
def test_day_off_removes_exactly_that_days_working_time(calendar: BusinessCalendar, day: date) -> None:
    with_day_off = dataclasses.replace(calendar, days_off=calendar.days_off | {day})
    zone = ZoneInfo(calendar.timezone)
    window = (_midnight(day - timedelta(1), zone), _midnight(day + timedelta(2), zone))
    assert local_day(with_day_off, day) == 0
    removed = calendar.working_minutes_between(*window) - with_day_off.working_minutes_between(*window)
    assert removed == local_day(calendar, day)


@calendar_settings
@given(calendars(), st.data())
def test_public_holidays_have_no_working_time(calendar: BusinessCalendar, data: st.DataObject) -> None:
    assume(calendar.country is not None and calendar.public_holidays)
    days = [FIRST_DAY + timedelta(days=n) for n in range(365 * 3)]
    holidays = [day for day in days if calendar.holiday_name(day) is not None]
    day = data.draw(st.sampled_from(holidays))
    assert calendar.is_closed_day(day)
    assert local_day(calendar, day) == 0


@calendar_settings
@given(st.sampled_from(ZONES), st.dates(FIRST_DAY, LAST_DAY))
def test_a_round_the_clock_day_lasts_as_long_as_the_local_day_really_is(zone_name: str, day: date) -> None:
    calendar = BusinessCalendar(zone_name, dict.fromkeys(WEEKDAYS, ("00:00-24:00",)))
    zone = ZoneInfo(zone_name)
    real_length = _midnight(day + timedelta(1), zone).astimezone(UTC) - _midnight(day, zone).astimezone(UTC)
    assert local_day(calendar, day) == real_length / timedelta(minutes=1)


@calendar_settings
@given(st.sampled_from(["America/Chicago", "Europe/Berlin", "Australia/Sydney"]), st.dates(FIRST_DAY, LAST_DAY))
def test_one_to_four_am_loses_or_gains_the_hour_the_clocks_change(zone_name: str, day: date) -> None:
    # These zones change their clocks between 01:00 and 04:00 (and never at 00:30 or 04:30), so
    # the hour gained or lost is the difference of the offsets at those two times.
    calendar = BusinessCalendar(zone_name, dict.fromkeys(WEEKDAYS, ("01:00-04:00",)))
    zone = ZoneInfo(zone_name)
    before = datetime.combine(day, time(0, 30), zone).utcoffset()
    after = datetime.combine(day, time(4, 30), zone).utcoffset()
    assert before is not None
    assert after is not None
    assert local_day(calendar, day) == 180 - (after - before) / timedelta(minutes=1)

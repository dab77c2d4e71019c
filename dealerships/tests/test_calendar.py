"""Business calendar cases a dealer can check against a wall calendar (no Django needed)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from dealerships.calendar import (
    BusinessCalendar,
    IntervalError,
    check_region,
    parse_day_hours,
    parse_interval,
)

CHICAGO = ZoneInfo("America/Chicago")
BERLIN = ZoneInfo("Europe/Berlin")
SYDNEY = ZoneInfo("Australia/Sydney")

# Riverside Toyota's week from CONTRACT §3.
RIVERSIDE_HOURS = {
    "mon": ["09:00-19:00"],
    "tue": ["09:00-19:00"],
    "wed": ["09:00-19:00"],
    "thu": ["09:00-19:00"],
    "fri": ["09:00-19:00"],
    "sat": ["09:00-12:30", "13:30-17:00"],
    "sun": [],
}


def riverside(**changes: object) -> BusinessCalendar:
    settings: dict[str, object] = {"timezone": "America/Chicago", "hours": RIVERSIDE_HOURS, "country": "US"}
    settings.update(changes)
    return BusinessCalendar(**settings)  # type: ignore[arg-type]


def chicago(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=CHICAGO)


def local_day(calendar: BusinessCalendar, day: date, zone: ZoneInfo) -> float:
    """Working minutes from local midnight to local midnight."""
    start = datetime.combine(day, time(0), zone)
    end = datetime.combine(date.fromordinal(day.toordinal() + 1), time(0), zone)
    return calendar.working_minutes_between(start, end)


# Ordinary weeks


def test_lead_after_friday_closing_with_30_minutes_is_due_saturday_0930() -> None:
    due = riverside().add_working_minutes(chicago(2026, 3, 13, 19, 30), 30)
    assert due == chicago(2026, 3, 14, 9, 30)
    assert due.tzinfo is UTC


def test_saturday_lunch_break_stops_the_clock() -> None:
    assert riverside().add_working_minutes(chicago(2026, 3, 14, 12, 20), 30) == chicago(2026, 3, 14, 13, 50)


def test_lead_late_on_saturday_is_due_monday_because_sunday_is_closed() -> None:
    assert riverside().add_working_minutes(chicago(2026, 3, 14, 16, 50), 30) == chicago(2026, 3, 16, 9, 20)


def test_deadline_that_uses_up_the_day_is_closing_time_not_next_morning() -> None:
    assert riverside().add_working_minutes(chicago(2026, 3, 13, 18, 30), 30) == chicago(2026, 3, 13, 19, 0)


def test_zero_minutes_from_a_closed_moment_is_the_next_opening() -> None:
    calendar = riverside()
    assert calendar.add_working_minutes(chicago(2026, 3, 13, 19, 0), 0) == chicago(2026, 3, 14, 9, 0)
    assert calendar.add_working_minutes(chicago(2026, 3, 13, 10, 0), 0) == chicago(2026, 3, 13, 10, 0)


def test_dealership_is_open_at_opening_and_closed_at_closing_time() -> None:
    calendar = riverside()
    assert calendar.is_open(chicago(2026, 3, 13, 9, 0))
    assert not calendar.is_open(chicago(2026, 3, 13, 19, 0))
    assert not calendar.is_open(chicago(2026, 3, 14, 12, 45))
    assert not calendar.is_open(chicago(2026, 3, 15, 11, 0))


def test_next_opening_after_saturday_closing_is_monday_morning() -> None:
    assert riverside().next_opening(chicago(2026, 3, 14, 17, 0)) == chicago(2026, 3, 16, 9, 0)


def test_working_minutes_across_a_weekend() -> None:
    calendar = riverside()
    friday_six, monday_ten = chicago(2026, 3, 13, 18, 0), chicago(2026, 3, 16, 10, 0)
    # Friday 60 + Saturday 210 + 210 + Monday 60
    assert calendar.working_minutes_between(friday_six, monday_ten) == 540
    assert calendar.working_minutes_between(monday_ten, friday_six) == -540
    assert calendar.working_minutes_between(friday_six, friday_six) == 0


def test_intervals_are_clipped_to_the_window_and_in_utc() -> None:
    found = list(riverside().intervals(chicago(2026, 3, 14, 10, 0), chicago(2026, 3, 16, 10, 0)))
    assert found == [
        (chicago(2026, 3, 14, 10, 0), chicago(2026, 3, 14, 12, 30)),
        (chicago(2026, 3, 14, 13, 30), chicago(2026, 3, 14, 17, 0)),
        (chicago(2026, 3, 16, 9, 0), chicago(2026, 3, 16, 10, 0)),
    ]
    assert all(start.tzinfo is UTC and end.tzinfo is UTC for start, end in found)


def test_a_round_the_clock_dealership_has_one_interval_across_midnight() -> None:
    calendar = BusinessCalendar("America/Chicago", dict.fromkeys(["fri", "sat"], ("00:00-24:00",)))
    found = list(calendar.intervals(chicago(2026, 3, 13, 12, 0), chicago(2026, 3, 15, 12, 0)))
    assert found == [(chicago(2026, 3, 13, 12, 0), chicago(2026, 3, 15, 0, 0))]


# Holidays and days off


def test_christmas_day_adds_no_working_time() -> None:
    calendar = riverside()
    assert calendar.holiday_name(date(2026, 12, 25)) == "Christmas Day"
    assert local_day(calendar, date(2026, 12, 25), CHICAGO) == 0
    assert calendar.add_working_minutes(chicago(2026, 12, 24, 18, 50), 30) == chicago(2026, 12, 26, 9, 20)


def test_configured_day_off_adds_no_working_time() -> None:
    calendar = riverside(days_off=frozenset({date(2026, 3, 16)}))
    assert calendar.is_closed_day(date(2026, 3, 16))
    assert calendar.holiday_name(date(2026, 3, 16)) is None
    assert calendar.add_working_minutes(chicago(2026, 3, 14, 16, 50), 30) == chicago(2026, 3, 17, 9, 20)


def test_thanksgiving_is_closed_and_texas_also_closes_the_friday_after() -> None:
    wednesday_evening = chicago(2026, 11, 25, 18, 45)
    assert riverside().add_working_minutes(wednesday_evening, 30) == chicago(2026, 11, 27, 9, 15)
    texas = riverside(subdivision="TX")
    assert texas.holiday_name(date(2026, 11, 27)) == "Friday After Thanksgiving"
    assert texas.add_working_minutes(wednesday_evening, 30) == chicago(2026, 11, 28, 9, 15)


def test_texas_independence_day_closes_only_with_subdivision_tx() -> None:
    monday = date(2026, 3, 2)
    assert riverside(subdivision="TX").holiday_name(monday) == "Texas Independence Day"
    assert not riverside(subdivision="TX").is_open(chicago(2026, 3, 2, 10, 0))
    assert riverside().holiday_name(monday) is None
    assert riverside().is_open(chicago(2026, 3, 2, 10, 0))


def test_bavaria_closes_on_epiphany_and_germany_as_a_whole_does_not() -> None:
    hours = dict.fromkeys(["mon", "tue", "wed", "thu", "fri"], ("08:00-18:00",))
    bavaria = BusinessCalendar("Europe/Berlin", hours, country="DE", subdivision="BY")
    germany = BusinessCalendar("Europe/Berlin", hours, country="DE")
    assert bavaria.holiday_name(date(2026, 1, 6)) == "Heilige Drei Könige"
    assert local_day(bavaria, date(2026, 1, 6), BERLIN) == 0
    assert local_day(germany, date(2026, 1, 6), BERLIN) == 600


def test_public_holidays_can_be_switched_off() -> None:
    calendar = riverside(public_holidays=False)
    assert calendar.holiday_name(date(2026, 12, 25)) is None
    assert local_day(calendar, date(2026, 12, 25), CHICAGO) == 600


def test_absence_closes_every_day_of_its_range() -> None:
    calendar = riverside(absences=((date(2026, 3, 16), date(2026, 3, 17)),))
    assert calendar.is_closed_day(date(2026, 3, 17))
    assert not calendar.is_closed_day(date(2026, 3, 18))
    assert calendar.next_opening(chicago(2026, 3, 14, 17, 0)) == chicago(2026, 3, 18, 9, 0)


def test_sydney_dealership_skips_anzac_day_and_its_observed_monday() -> None:
    hours = dict.fromkeys(["mon", "tue", "wed", "thu", "fri"], ("09:00-18:00",))
    hours["sat"] = ("09:00-13:00",)
    calendar = BusinessCalendar("Australia/Sydney", hours, country="AU", subdivision="NSW")
    due = calendar.add_working_minutes(datetime(2026, 4, 24, 17, 45, tzinfo=SYDNEY), 30)
    assert due == datetime(2026, 4, 28, 9, 15, tzinfo=SYDNEY)
    assert due == datetime(2026, 4, 27, 23, 15, tzinfo=UTC)


# Daylight saving time


@pytest.mark.parametrize(
    ("zone", "spring_forward", "fall_back"),
    [
        (CHICAGO, date(2026, 3, 8), date(2026, 11, 1)),
        (BERLIN, date(2026, 3, 29), date(2026, 10, 25)),
    ],
)
def test_one_to_four_am_is_two_hours_on_spring_forward_day_and_four_on_fall_back(
    zone: ZoneInfo, spring_forward: date, fall_back: date
) -> None:
    calendar = BusinessCalendar(zone.key, {"sun": ["01:00-04:00"]})
    assert local_day(calendar, spring_forward, zone) == 120
    assert local_day(calendar, fall_back, zone) == 240
    assert local_day(calendar, date(2026, 6, 7), zone) == 180


def test_a_whole_day_is_23_hours_in_spring_and_25_in_autumn() -> None:
    calendar = BusinessCalendar("America/Chicago", {"sun": ["00:00-24:00"]})
    assert local_day(calendar, date(2026, 3, 8), CHICAGO) == 23 * 60
    assert local_day(calendar, date(2026, 11, 1), CHICAGO) == 25 * 60


def test_opening_time_that_does_not_exist_moves_forward_to_the_jump() -> None:
    calendar = BusinessCalendar("America/Chicago", {"sun": ["02:30-05:00"]})
    assert calendar.next_opening(chicago(2026, 3, 8, 0, 0)) == chicago(2026, 3, 8, 3, 0)
    assert local_day(calendar, date(2026, 3, 8), CHICAGO) == 120


def test_ambiguous_opening_time_is_its_first_occurrence() -> None:
    calendar = BusinessCalendar("America/Chicago", {"sun": ["01:30-03:00"]})
    assert calendar.next_opening(chicago(2026, 11, 1, 0, 0)) == datetime(2026, 11, 1, 6, 30, tzinfo=UTC)
    assert local_day(calendar, date(2026, 11, 1), CHICAGO) == 150


def test_monday_deadline_keeps_local_time_across_a_clock_change() -> None:
    due = riverside().add_working_minutes(chicago(2026, 3, 7, 16, 50), 30)
    assert due == chicago(2026, 3, 9, 9, 20)
    assert due == datetime(2026, 3, 9, 14, 20, tzinfo=UTC)


def test_sydney_spring_forward_in_october_shortens_a_night_shift() -> None:
    calendar = BusinessCalendar("Australia/Sydney", {"sun": ["01:00-04:00"]})
    assert local_day(calendar, date(2026, 10, 4), SYDNEY) == 120
    assert local_day(calendar, date(2026, 4, 5), SYDNEY) == 240


# Refusals


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        riverside().is_open(datetime(2026, 3, 13, 10, 0))
    with pytest.raises(ValueError, match="naive"):
        riverside().intervals(datetime(2026, 3, 13, 10, 0), chicago(2026, 3, 14, 10, 0))


def test_calendar_without_hours_refuses_to_search_for_ever() -> None:
    with pytest.raises(ValueError, match="calendar has no working hours"):
        BusinessCalendar("America/Chicago", {}).next_opening(chicago(2026, 3, 13, 10, 0))
    years_away = riverside(absences=((date(2026, 1, 1), date(2029, 12, 31)),))
    with pytest.raises(ValueError, match="calendar has no working hours"):
        years_away.add_working_minutes(chicago(2026, 3, 13, 10, 0), 30)


def test_negative_minutes_are_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        riverside().add_working_minutes(chicago(2026, 3, 13, 10, 0), -1)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("13:30-12:00", '"13:30-12:00" ends before it starts'),
        ("09:00-00:00", "write 24:00 for midnight"),
        ("25:00-26:00", '"25:00" is not a time'),
        ("09:60-10:00", '"09:60" is not a time'),
        ("24:00-24:00", '"24:00" is not a time'),
        ("09:00-09:00", "is empty"),
        ("nine to five", "is not an interval"),
    ],
)
def test_bad_interval_is_refused_with_a_clear_message(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_interval(text)


def test_interval_may_end_at_24_00_meaning_midnight() -> None:
    assert parse_interval("18:00-24:00") == (time(18), time(0))


def test_overlapping_intervals_name_the_later_item() -> None:
    with pytest.raises(IntervalError, match='"12:00-14:00" overlaps "09:00-13:00"') as caught:
        parse_day_hours(["09:00-13:00", "12:00-14:00"])
    assert caught.value.index == 1
    assert parse_day_hours(["13:30-17:00", "09:00-13:30"]) == ((time(9), time(13, 30)), (time(13, 30), time(17)))


def test_calendar_error_gives_the_path_of_the_bad_interval() -> None:
    with pytest.raises(ValueError, match=r'^hours\.sat\[1\]: "13:30-12:00" ends before it starts$'):
        BusinessCalendar("America/Chicago", {"sat": ["09:00-12:30", "13:30-12:00"]})


@pytest.mark.parametrize(
    ("calendar_settings", "message"),
    [
        ({"timezone": "America/Springfield"}, 'unknown time zone "America/Springfield"'),
        ({"hours": {"monday": ["09:00-17:00"]}}, 'unknown day "monday"'),
        ({"country": "XX"}, 'unknown country "XX"'),
        ({"subdivision": "ZZ"}, 'unknown subdivision "ZZ" of US'),
        ({"absences": ((date(2026, 3, 2), date(2026, 3, 1)),)}, "ends before it starts"),
    ],
)
def test_bad_calendar_settings_are_refused(calendar_settings: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        riverside(**calendar_settings)


def test_check_region_knows_countries_and_subdivisions() -> None:
    check_region("US", "TX")
    check_region("DE", "BY")
    check_region(None, None)
    with pytest.raises(ValueError, match='subdivision "TX" needs a country'):
        check_region(None, "TX")


@pytest.mark.django_db
def test_a_rooftops_calendar_follows_its_hours_changed_in_place(riverside) -> None:
    sunday_noon = datetime(2026, 3, 15, 12, 0, tzinfo=ZoneInfo(riverside.timezone))
    riverside.hours["sun"] = []
    assert not riverside.calendar().is_open(sunday_noon)
    riverside.hours["sun"].append("10:00-16:00")  # the same list, edited
    assert riverside.calendar().is_open(sunday_noon)
    riverside.days_off.append("2026-03-15")
    assert not riverside.calendar().is_open(sunday_noon)

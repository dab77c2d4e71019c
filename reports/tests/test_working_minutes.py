"""A lead's first reply is measured in the dealership's working minutes, exactly.

Riverside is open 09:00-19:00 on weekdays, 09:00-12:30 and 13:30-17:00 on Saturdays, closed on
Sundays and on Texas public holidays (America/Chicago).
"""

from __future__ import annotations

import pytest

from leads.actions import record_human_reply
from reports.models import ReplyTime
from reports.tests.conftest import answered_lead, local


def minutes(lead) -> tuple[float, float]:
    row = ReplyTime.objects.get(lead=lead)
    return row.working_minutes, row.clock_minutes


@pytest.mark.parametrize(
    ("arrived", "replied", "working", "clock"),
    [
        # Tuesday, open: plain minutes.
        ("2026-12-01 10:00", "2026-12-01 10:07", 7, 7),
        # Arrives after closing at 21:00, answered at 09:05 next morning: 5 working minutes.
        ("2026-12-01 21:00", "2026-12-02 09:05", 5, 12 * 60 + 5),
        # Arrives while closed, answered before opening: 0.
        ("2026-12-01 21:00", "2026-12-02 07:45", 0, 10 * 60 + 45),
        # Arrives before closing, answered after opening next day: 10 + 20.
        ("2026-12-01 18:50", "2026-12-02 09:20", 30, 14 * 60 + 30),
        # Saturday lunch break (12:30-13:30) does not count.
        ("2026-12-05 12:20", "2026-12-05 13:40", 20, 80),
        # Saturday evening to Monday morning: Sunday is closed.
        ("2026-12-05 18:00", "2026-12-07 09:30", 30, 39 * 60 + 30),
        # Thanksgiving and the Friday after are Texas holidays: Wednesday 18:50 to Saturday 09:10.
        ("2026-11-25 18:50", "2026-11-28 09:10", 20, 62 * 60 + 20),
        # Christmas Eve, Day and the day after, then Sunday: Wednesday 18:50 to Monday 09:10.
        ("2026-12-23 18:50", "2026-12-28 09:10", 20, 110 * 60 + 20),
        # A reply stamped before the arrival (clocks of two systems) counts as 0, never negative.
        ("2026-12-01 10:00", "2026-12-01 09:58", 0, 0),
    ],
)
def test_first_reply_is_measured_in_working_minutes(riverside, carol, arrived, replied, working, clock):
    lead = answered_lead(riverside, arrived=arrived, replied=replied, by=carol)

    assert minutes(lead) == (working, clock)


def test_a_day_off_of_the_dealership_does_not_count(riverside, carol):
    riverside.days_off = ["2026-12-02"]
    riverside.save()

    lead = answered_lead(riverside, arrived="2026-12-01 18:00", replied="2026-12-03 09:15", by=carol)

    assert minutes(lead) == (60 + 15, 39 * 60 + 15)


def test_clocks_going_forward_make_the_night_an_hour_shorter(riverside, carol):
    riverside.hours = {day: ["00:00-24:00"] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
    riverside.public_holidays = False
    riverside.save()

    # Sunday 8 March 2026, Chicago springs forward at 02:00: 00:30 to 04:30 is three hours.
    lead = answered_lead(riverside, arrived="2026-03-08 00:30", replied="2026-03-08 04:30", by=carol)

    assert minutes(lead) == (180, 180)


def test_clocks_going_back_make_the_night_an_hour_longer_but_only_while_open(riverside, carol):
    riverside.hours = {**riverside.hours, "sun": ["00:00-03:00"]}
    riverside.public_holidays = False
    riverside.save()

    # Sunday 1 November 2026, Chicago falls back at 02:00: 00:00-03:00 lasts four hours; the
    # reply at 10:00 comes long after closing, so only the four open hours count.
    lead = answered_lead(riverside, arrived="2026-11-01 00:00", replied="2026-11-01 10:00", by=carol)

    assert minutes(lead) == (240, 11 * 60)


def test_only_the_first_human_reply_is_measured(riverside, carol):
    lead = answered_lead(riverside, arrived="2026-12-01 10:00", replied="2026-12-01 10:12", by=carol)

    record_human_reply(lead=lead, at=local("2026-12-01 10:02"), actor=carol, channel="call")

    assert minutes(lead) == (12, 12)


def test_a_lead_nobody_answered_has_no_reply_time(riverside, carol):
    lead = answered_lead(riverside, arrived="2026-12-01 10:00", replied=None, by=carol)

    assert not ReplyTime.objects.filter(lead=lead).exists()

"""Due times a dealer checking by hand would agree with.

Riverside Toyota (Austin, America/Chicago): Mon-Fri 09:00-19:00, Saturday 09:00-12:30 and
13:30-17:00, closed Sunday, Texas public holidays. Escalation: stage 1 after 30 working
minutes, reminder 10 working minutes before it, stage 2 60 calendar minutes after stage 1.
"""

from __future__ import annotations

import pytest

from conftest import make_lead
from escalations.actions import start_clock
from escalations.models import LeadSla, Timer
from escalations.tests.support import at, chicago, local


def clock_for(riverside, received):
    with at(received):
        lead = make_lead(riverside)
        return start_clock(lead=lead)


def due(sla):
    return local(sla.reminder_at), local(sla.stage1_due_at), local(sla.stage2_due_at)


def test_lead_during_opening_hours_is_due_thirty_minutes_later(riverside):
    sla = clock_for(riverside, chicago(2026, 3, 10, 10, 0))  # a Tuesday morning
    assert due(sla) == ("Tue 2026-03-10 10:20 CDT", "Tue 2026-03-10 10:30 CDT", "Tue 2026-03-10 11:30 CDT")
    assert sla.state == LeadSla.State.RUNNING


def test_lead_after_closing_is_due_half_an_hour_after_the_next_opening(riverside):
    sla = clock_for(riverside, chicago(2026, 3, 10, 19, 30))
    assert due(sla) == ("Wed 2026-03-11 09:20 CDT", "Wed 2026-03-11 09:30 CDT", "Wed 2026-03-11 10:30 CDT")


def test_lead_ten_minutes_before_closing_uses_those_ten_minutes_and_twenty_of_the_next_morning(riverside):
    sla = clock_for(riverside, chicago(2026, 3, 10, 18, 50))
    assert due(sla) == ("Wed 2026-03-11 09:10 CDT", "Wed 2026-03-11 09:20 CDT", "Wed 2026-03-11 10:20 CDT")


def test_lead_half_an_hour_before_closing_is_due_at_closing_time(riverside):
    sla = clock_for(riverside, chicago(2026, 3, 10, 18, 30))
    assert local(sla.stage1_due_at) == "Tue 2026-03-10 19:00 CDT"


def test_saturday_afternoon_lead_waits_over_sunday_until_monday(riverside):
    sla = clock_for(riverside, chicago(2026, 3, 14, 16, 50))
    assert due(sla) == ("Mon 2026-03-16 09:10 CDT", "Mon 2026-03-16 09:20 CDT", "Mon 2026-03-16 10:20 CDT")


def test_saturday_lunch_break_does_not_count(riverside):
    sla = clock_for(riverside, chicago(2026, 3, 14, 12, 20))
    assert due(sla) == ("Sat 2026-03-14 13:40 CDT", "Sat 2026-03-14 13:50 CDT", "Sat 2026-03-14 14:50 CDT")


def test_lead_arriving_during_the_lunch_break_starts_when_the_afternoon_opens(riverside):
    sla = clock_for(riverside, chicago(2026, 3, 14, 12, 45))
    assert local(sla.stage1_due_at) == "Sat 2026-03-14 14:00 CDT"


def test_public_holiday_and_sunday_are_skipped(riverside):
    # Labor Day, Monday 7 September 2026: from Saturday afternoon the next working time is Tuesday.
    sla = clock_for(riverside, chicago(2026, 9, 5, 16, 50))
    assert due(sla) == ("Tue 2026-09-08 09:10 CDT", "Tue 2026-09-08 09:20 CDT", "Tue 2026-09-08 10:20 CDT")


def test_christmas_eve_evening_lead_is_due_on_the_monday_after_christmas(riverside):
    # Texas keeps 24, 25 and 26 December 2026 (Thursday to Saturday); Sunday is closed.
    sla = clock_for(riverside, chicago(2026, 12, 24, 18, 30))
    assert due(sla) == ("Mon 2026-12-28 09:20 CST", "Mon 2026-12-28 09:30 CST", "Mon 2026-12-28 10:30 CST")


def test_a_self_defined_day_off_is_skipped(riverside):
    riverside.days_off = ["2026-03-11"]
    riverside.save()
    sla = clock_for(riverside, chicago(2026, 3, 10, 18, 50))
    assert local(sla.stage1_due_at) == "Thu 2026-03-12 09:20 CDT"


def test_clocks_going_forward_over_the_weekend_keep_local_opening_time(riverside):
    # US clocks went forward on Sunday 8 March 2026: Saturday is CST, Monday is CDT.
    sla = clock_for(riverside, chicago(2026, 3, 7, 16, 50))
    assert local(sla.reminder_at) == "Mon 2026-03-09 09:10 CDT"
    assert sla.stage1_due_at.isoformat() == "2026-03-09T14:20:00+00:00"  # 09:20 CDT, not 10:20
    assert local(sla.stage2_due_at) == "Mon 2026-03-09 10:20 CDT"


def test_clocks_going_back_over_the_weekend_keep_local_opening_time(riverside):
    sla = clock_for(riverside, chicago(2026, 10, 31, 16, 50))
    assert sla.stage1_due_at.isoformat() == "2026-11-02T15:20:00+00:00"  # 09:20 CST
    assert local(sla.stage1_due_at) == "Mon 2026-11-02 09:20 CST"


def test_stage_two_counts_calendar_time_even_into_closed_hours(riverside):
    sla = clock_for(riverside, chicago(2026, 3, 10, 18, 30))
    assert local(sla.stage2_due_at) == "Tue 2026-03-10 20:00 CDT"


def test_dealership_settings_change_the_deadlines(riverside):
    riverside.escalation = {"stage1_minutes": 120, "reminder_minutes": 30, "stage2_minutes": 15}
    riverside.save()
    sla = clock_for(riverside, chicago(2026, 3, 10, 18, 0))
    assert due(sla) == ("Wed 2026-03-11 09:30 CDT", "Wed 2026-03-11 10:00 CDT", "Wed 2026-03-11 10:15 CDT")


def test_escalation_switched_off_means_no_deadline_and_no_timers(riverside):
    riverside.escalation = {"stage1_minutes": 0, "reminder_minutes": 0, "stage2_minutes": 0}
    riverside.save()
    sla = clock_for(riverside, chicago(2026, 3, 10, 10, 0))
    assert sla.state == LeadSla.State.NONE
    assert due(sla) == (None, None, None)
    # Its default follow-up tasks are still chased, on timers of their own.
    assert not Timer.objects.filter(kind__in=Timer.SLA_KINDS).exists()


def test_imported_leads_get_no_clock(riverside):
    with at(chicago(2026, 3, 10, 10, 0)):
        lead = make_lead(riverside, source_kind="import")
        assert start_clock(lead=lead).state == LeadSla.State.NONE
    assert not Timer.objects.exists()


def test_starting_the_clock_twice_keeps_one_clock_and_one_timer_per_stage(riverside):
    with at(chicago(2026, 3, 10, 10, 0)):
        lead = make_lead(riverside, bulk=True)  # taken in without a clock, so this test starts it
        first = start_clock(lead=lead)
        second = start_clock(lead=lead)
    assert first.pk == second.pk
    assert sorted(Timer.objects.values_list("kind", flat=True)) == ["reminder", "stage1", "stage2"]


@pytest.mark.parametrize("minutes", [0, 30, 45])
def test_a_reminder_not_before_stage_one_is_left_out(riverside, minutes):
    riverside.escalation = {"stage1_minutes": 30, "reminder_minutes": minutes, "stage2_minutes": 60}
    riverside.save()
    sla = clock_for(riverside, chicago(2026, 3, 10, 10, 0))
    assert sla.reminder_at is None
    assert local(sla.stage1_due_at) == "Tue 2026-03-10 10:30 CDT"

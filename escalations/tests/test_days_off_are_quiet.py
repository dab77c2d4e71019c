"""A dealership's own days off are quiet: no reminder, no escalation of either stage, no follow-up
notice and no informational notification goes out on one; each is held and goes out at the next
opening, once, in due order. Public holidays and Sundays stay loud for stage 2 (calendar time).
`escalation.resubmission_opening_hours` makes follow-up notices wait for opening hours too.

The worker runs in this process under travelled clocks; emails are read off a real SMTP server.
"""

from __future__ import annotations

import pytest

from escalations.models import Timer
from escalations.tests.support import at, chicago, mail_summary, run_worker_at
from followups.actions import create_followup
from notifications.actions import notify
from notifications.models import Kind
from notifications.queries import notifications_of, unread_count

pytestmark = pytest.mark.django_db(transaction=True)

# Riverside's own day off: Wednesday 23 December 2026. Texas keeps 24, 25 and 26 December as
# public holidays, so the next opening after it is Monday 28 December.
DAY_OFF = "2026-12-23"


@pytest.fixture
def closed_on_the_23rd(riverside):
    riverside.days_off = [DAY_OFF]
    riverside.escalation = {"stage1_minutes": 30, "reminder_minutes": 10, "stage2_minutes": 720}
    riverside.save()
    return riverside


def escalations(sink) -> list[tuple[str, str]]:
    return [m for m in mail_summary(sink.messages) if m[1] in ("Reminder", "Overdue", "Escalation")]


def test_stage_two_falling_on_a_day_off_waits_for_the_next_opening_and_goes_once(closed_on_the_23rd, carol, bob, sink):
    from conftest import make_lead

    # Tue 22 Dec 18:00: reminder 18:20, stage 1 18:30, stage 2 twelve hours later, 06:30 on the day off.
    with at(chicago(2026, 12, 22, 18, 0)):
        make_lead(closed_on_the_23rd, assigned_to=carol)
    run_worker_at(chicago(2026, 12, 22, 18, 31))
    assert escalations(sink) == [("carol@example.com", "Reminder"), ("carol@example.com", "Overdue")]

    run_worker_at(chicago(2026, 12, 23, 6, 31))
    run_worker_at(chicago(2026, 12, 23, 16, 0))
    run_worker_at(chicago(2026, 12, 26, 12, 0))  # public holidays since: still closed
    assert escalations(sink)[2:] == [], "nothing on the day off, nor before the next opening"
    assert Timer.objects.get(kind="stage2").fired_at is None

    run_worker_at(chicago(2026, 12, 28, 9, 0, 1))  # Monday, opening time
    run_worker_at(chicago(2026, 12, 28, 11, 0))
    assert escalations(sink)[2:] == [("bob@example.com", "Escalation")]
    # The alert still names the time the reply was due.
    escalation = next(m for m in sink.messages if str(m["Subject"]).startswith("Escalation"))
    assert "was to answer by Tue Dec 22, 6:30 PM" in escalation.get_content()


def test_stage_two_on_a_public_holiday_still_goes_out_in_calendar_time(riverside, carol, bob, sink):
    from conftest import make_lead

    riverside.escalation = {"stage1_minutes": 30, "reminder_minutes": 10, "stage2_minutes": 720}
    riverside.save()
    # Wed 23 18:00: stage 1 at 18:30, stage 2 at 06:30 on Christmas Eve, a public holiday.
    with at(chicago(2026, 12, 23, 18, 0)):
        make_lead(riverside, assigned_to=carol)
    run_worker_at(chicago(2026, 12, 24, 6, 31))

    assert escalations(sink) == [
        ("carol@example.com", "Reminder"),
        ("carol@example.com", "Overdue"),
        ("bob@example.com", "Escalation"),
    ]


def test_a_follow_up_due_on_a_day_off_is_told_at_the_next_opening_then_escalated_in_order(
    closed_on_the_23rd, carols_quiet_lead, carol, bob, sink
):
    with at(chicago(2026, 12, 21, 12, 0)):
        create_followup(lead=carols_quiet_lead, title="Call back", due_at=chicago(2026, 12, 23, 10, 0), actor=carol)

    run_worker_at(chicago(2026, 12, 23, 10, 1))
    run_worker_at(chicago(2026, 12, 23, 12, 1))  # its stage 2 (120 minutes later), still on the day off
    assert sink.messages == []

    run_worker_at(chicago(2026, 12, 28, 9, 0, 1))
    run_worker_at(chicago(2026, 12, 28, 12, 0))
    assert mail_summary(sink.messages) == [
        ("carol@example.com", "Follow-up due"),
        ("bob@example.com", "Follow-up overdue"),
    ]


@pytest.mark.parametrize("wait_for_opening", [False, True])
def test_follow_up_notices_wait_for_opening_hours_only_when_the_dealership_asks(
    riverside, carols_quiet_lead, carol, bob, sink, wait_for_opening
):
    riverside.escalation = {**riverside.escalation, "resubmission_opening_hours": wait_for_opening}
    riverside.save()
    # Saturday 7 March 18:00, after closing; clocks go forward overnight into Sunday (DST).
    with at(chicago(2026, 3, 6, 12, 0)):
        create_followup(lead=carols_quiet_lead, title="Call back", due_at=chicago(2026, 3, 7, 18, 0), actor=carol)

    run_worker_at(chicago(2026, 3, 7, 18, 1))
    run_worker_at(chicago(2026, 3, 8, 12, 0))  # Sunday: closed all day

    if wait_for_opening:
        assert sink.messages == []
        run_worker_at(chicago(2026, 3, 9, 9, 0, 1))  # Monday's opening, now in daylight time
        assert mail_summary(sink.messages) == [
            ("carol@example.com", "Follow-up due"),
            ("bob@example.com", "Follow-up overdue"),
        ]
    else:
        assert mail_summary(sink.messages) == [
            ("carol@example.com", "Follow-up due"),
            ("bob@example.com", "Follow-up overdue"),
        ]
    run_worker_at(chicago(2026, 3, 9, 12, 0))
    assert len(sink.messages) == 2, "each goes out once"


def test_an_informational_notification_on_a_day_off_waits_on_every_channel(
    closed_on_the_23rd, carols_quiet_lead, carol, sink
):
    carol.mobile = "+15125550001"
    carol.save()
    channels = {"in_app": True, "email": True, "sms": True}
    with at(chicago(2026, 12, 23, 10, 0)):
        notify(user=carol, kind=Kind.CUSTOMER_REPLIED, lead=carols_quiet_lead, text="Jordan texted", channels=channels)
        assert list(notifications_of(carol)) == []
        assert unread_count(carol) == 0

    run_worker_at(chicago(2026, 12, 23, 16, 0))
    assert sink.messages == []
    assert carol.notifications.get().texts.get().status == "pending"

    run_worker_at(chicago(2026, 12, 28, 9, 0, 1))
    with at(chicago(2026, 12, 28, 9, 1)):
        assert [n.text for n in notifications_of(carol)] == ["Jordan texted"]
    assert mail_summary(sink.messages) == [("carol@example.com", "Jordan texted (Riverside Toyota)")]
    assert carol.notifications.get().texts.get().status == "sent"

"""A new lead end to end: taken in, it gets its reply clock and its default tasks once, and the
worker tells each person about each event once, over days, read off a real SMTP server.

Riverside: the first reply is due 30 working minutes after arrival, with a reminder 10 minutes
before and the supervisor told an hour after; a follow-up's supervisor is told 2 hours after
it fell due. Default tasks count from when the first reply is due: "Second contact" 24 h,
"Ask for an appointment" 72 h.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from conftest import make_lead
from escalations.actions import start_clock
from escalations.models import LeadSla, Timer
from escalations.tests.support import at, chicago, local, mail_summary, run_worker_at
from followups.actions import complete_followup, create_default_tasks
from leads.actions import log_contact

pytestmark = pytest.mark.django_db(transaction=True)

TUESDAY_10 = chicago(2026, 3, 10, 10, 0)


def run_worker_around(*moments):
    """The worker at each moment and again a minute later: nothing may be told twice."""
    for moment in moments:
        run_worker_at(moment)
        run_worker_at(moment + timedelta(minutes=1))


def test_a_new_third_party_lead_gets_its_clock_and_default_tasks_once(riverside, carol):
    with at(TUESDAY_10):
        lead = make_lead(riverside, assigned_to=carol)
        # Whatever starts them again (a retried intake, `manage.py start_clocks`) changes nothing.
        start_clock(lead=lead)
        assert create_default_tasks(lead=lead) == []
    sla = LeadSla.objects.get(lead=lead)
    assert (sla.state, local(sla.stage1_due_at)) == (LeadSla.State.RUNNING, "Tue 2026-03-10 10:30 CDT")
    clock_timers = Timer.objects.filter(lead=lead, followup__isnull=True)
    assert sorted(clock_timers.values_list("kind", flat=True)) == ["reminder", "stage1", "stage2"]
    assert [(t.title, local(t.due_at)) for t in lead.followups.all()] == [
        ("Second contact: call or text again", "Wed 2026-03-11 10:30 CDT"),
        ("Ask for an appointment", "Fri 2026-03-13 10:30 CDT"),
    ]
    assert Timer.objects.filter(lead=lead, followup__isnull=False).count() == 4, "due, then overdue, per task"


def test_an_unanswered_lead_tells_each_person_once_per_event(riverside, carol, bob, sink):
    with at(TUESDAY_10):
        make_lead(riverside, assigned_to=carol)
    run_worker_around(
        chicago(2026, 3, 10, 10, 20),
        chicago(2026, 3, 10, 10, 30),
        chicago(2026, 3, 10, 11, 30),
        chicago(2026, 3, 11, 10, 30),
        chicago(2026, 3, 11, 12, 30),
        chicago(2026, 3, 13, 10, 30),
        chicago(2026, 3, 13, 12, 30),
    )
    assert mail_summary(sink.messages) == [
        ("carol@example.com", "Reminder"),
        ("carol@example.com", "Overdue"),
        ("bob@example.com", "Escalation"),
        ("carol@example.com", "Follow-up due"),  # Second contact, a day after the reply was due
        ("bob@example.com", "Follow-up overdue"),
        ("carol@example.com", "Follow-up due"),  # Ask for an appointment
        ("bob@example.com", "Follow-up overdue"),
    ]


def test_a_lead_answered_in_time_hears_only_of_its_follow_up(riverside, carol, bob, sink):
    with at(TUESDAY_10):
        lead = make_lead(riverside, assigned_to=carol)
    with at(chicago(2026, 3, 10, 10, 5)):
        log_contact(lead=lead, kind="call", note="Booked a test drive", actor=carol)
    run_worker_around(chicago(2026, 3, 10, 10, 20), chicago(2026, 3, 10, 11, 30), chicago(2026, 3, 11, 10, 30))
    assert mail_summary(sink.messages) == [("carol@example.com", "Follow-up due")]
    with at(chicago(2026, 3, 11, 11, 0)):
        complete_followup(followup=lead.followups.earliest("due_at"), actor=carol, comment="Texted the directions")
    run_worker_around(chicago(2026, 3, 11, 12, 30))
    assert len(sink.messages) == 1, "a completed follow-up chases nobody"


def test_a_weekend_lead_is_not_chased_for_a_second_contact_before_its_first_reply_is_due(riverside, carol, bob, sink):
    with at(chicago(2026, 3, 14, 16, 50)):  # Saturday; the first reply is due Monday 09:20
        make_lead(riverside, assigned_to=carol)
    run_worker_around(chicago(2026, 3, 16, 9, 0), chicago(2026, 3, 16, 9, 20), chicago(2026, 3, 16, 10, 20))
    assert mail_summary(sink.messages) == [
        ("carol@example.com", "Reminder"),
        ("carol@example.com", "Overdue"),
        ("bob@example.com", "Escalation"),
    ]
    run_worker_around(chicago(2026, 3, 17, 9, 20))
    assert mail_summary(sink.messages)[3:] == [("carol@example.com", "Follow-up due")]

"""Reminder, stage 1 and stage 2 each reach the right person exactly once, read off a real
SMTP server, with the worker run in this process under travelled clocks."""

from __future__ import annotations

import pytest

from accounts.models import Membership
from conftest import make_lead, make_user
from escalations.actions import start_clock
from escalations.models import LeadSla, Timer
from escalations.tests.support import at, chicago, mail_summary, run_worker_at
from leads.models import Activity
from notifications.models import Notification

pytestmark = pytest.mark.django_db(transaction=True)

TUESDAY_10 = chicago(2026, 3, 10, 10, 0)


def lead_received(dealership, when, **fields):
    """A lead taken in as every new lead is: its clock (and its default tasks) start on arrival."""
    with at(when):
        return make_lead(dealership, **fields)


def test_reminder_then_overdue_then_supervisor_each_exactly_once(riverside, carol, bob, sink):
    lead = lead_received(riverside, TUESDAY_10, assigned_to=carol)

    run_worker_at(chicago(2026, 3, 10, 10, 19, 59))
    assert sink.messages == [], "nothing is due before the reminder"

    run_worker_at(chicago(2026, 3, 10, 10, 20))
    run_worker_at(chicago(2026, 3, 10, 10, 25))
    assert mail_summary(sink.messages) == [("carol@example.com", "Reminder")]

    run_worker_at(chicago(2026, 3, 10, 10, 30))
    run_worker_at(chicago(2026, 3, 10, 10, 31))
    assert mail_summary(sink.messages)[1:] == [("carol@example.com", "Overdue")]
    assert LeadSla.objects.get(lead=lead).state == LeadSla.State.STAGE1

    run_worker_at(chicago(2026, 3, 10, 11, 30))
    run_worker_at(chicago(2026, 3, 10, 12, 0))
    run_worker_at(chicago(2026, 3, 11, 12, 0))
    # A day later the escalation is not repeated. The lead's first default task falls due a day
    # after the reply did (10:30): a different event, told once, to the salesperson.
    assert mail_summary(sink.messages)[2:] == [
        ("bob@example.com", "Escalation"),
        ("carol@example.com", "Follow-up due"),
    ]
    assert "Carol Seller was to answer by Tue Mar 10, 10:30 AM" in sink.messages[2].get_content()
    assert LeadSla.objects.get(lead=lead).state == LeadSla.State.STAGE2
    kinds = [n.kind for n in Notification.objects.order_by("id")]
    assert kinds == ["reminder", "escalation", "escalation", "resubmission"]
    timeline = list(lead.activities.filter(kind="escalation").values_list("text", flat=True))
    assert timeline == [
        "Reminder sent: no reply yet. Told: Carol Seller.",
        "Escalation stage 1: no reply in time. Told: Carol Seller.",
        "Escalation stage 2: manager alerted. Told: Bob Manager.",
        "Follow-up “Second contact: call or text again” is due. Told: Carol Seller.",
    ]


def test_reply_logged_a_moment_before_the_deadline_cancels_the_escalation(riverside, carol, bob, sink):
    from escalations.actions import stop_clock
    from leads.actions import log_contact

    lead = lead_received(riverside, TUESDAY_10, assigned_to=carol)
    run_worker_at(chicago(2026, 3, 10, 10, 20))
    with at(chicago(2026, 3, 10, 10, 29, 59)):
        log_contact(lead=lead, kind="call", note="Left a voicemail", actor=carol)
        lead.refresh_from_db()
        stop_clock(lead=lead, at=lead.first_response_at)

    run_worker_at(chicago(2026, 3, 10, 10, 30))
    run_worker_at(chicago(2026, 3, 10, 13, 0))
    assert mail_summary(sink.messages) == [("carol@example.com", "Reminder")]
    sla = LeadSla.objects.get(lead=lead)
    assert sla.state == LeadSla.State.MET
    assert sla.stage_reached == ""
    assert lead.first_response_at == chicago(2026, 3, 10, 10, 29, 59)
    assert set(Timer.objects.filter(kind__in=["stage1", "stage2"]).values_list("cancelled_at", flat=True)) == {
        chicago(2026, 3, 10, 10, 29, 59)
    }


def test_a_reply_logged_without_stopping_the_clock_still_stops_escalation(riverside, carol, sink):
    """Any code path that sets first_response_at is enough: the worker re-checks before firing."""
    from leads.actions import log_contact

    lead = lead_received(riverside, TUESDAY_10, assigned_to=carol)
    with at(chicago(2026, 3, 10, 10, 5)):
        log_contact(lead=lead, kind="text", note="", actor=carol)
    run_worker_at(chicago(2026, 3, 10, 14, 0))
    assert sink.messages == []
    assert Timer.objects.filter(fired_at__isnull=False).count() == 0


def test_a_timer_that_fired_first_stays_fired_when_the_reply_comes_after(riverside, carol, bob, sink):
    from escalations.actions import stop_clock

    lead = lead_received(riverside, TUESDAY_10, assigned_to=carol)
    run_worker_at(chicago(2026, 3, 10, 10, 30))
    with at(chicago(2026, 3, 10, 10, 30, 5)):
        assert stop_clock(lead=lead, at=chicago(2026, 3, 10, 10, 30, 5))
    run_worker_at(chicago(2026, 3, 10, 12, 0))

    assert mail_summary(sink.messages) == [("carol@example.com", "Reminder"), ("carol@example.com", "Overdue")]
    stage1 = Timer.objects.get(lead=lead, kind="stage1")
    assert stage1.fired_at is not None
    assert stage1.cancelled_at is None
    assert Timer.objects.get(lead=lead, kind="stage2").cancelled_at is not None
    sla = LeadSla.objects.get(lead=lead)
    assert (sla.state, sla.stage_reached) == (LeadSla.State.MET, "stage1")


def test_worker_down_for_hours_fires_late_but_once_each(riverside, carol, bob, sink):
    lead = lead_received(riverside, TUESDAY_10, assigned_to=carol)
    run_worker_at(chicago(2026, 3, 10, 15, 0))
    run_worker_at(chicago(2026, 3, 10, 15, 1))
    assert mail_summary(sink.messages) == [
        ("carol@example.com", "Reminder"),
        ("carol@example.com", "Overdue"),
        ("bob@example.com", "Escalation"),
    ]
    fired = Timer.objects.filter(lead=lead, kind__in=Timer.SLA_KINDS).order_by("due_at")
    assert [t.fired_at for t in fired] == [chicago(2026, 3, 10, 15, 0)] * 3


def test_a_timer_claimed_by_a_worker_that_died_fires_after_its_lease(riverside, carol, sink, settings):
    from datetime import timedelta

    from escalations.actions import pending_timers
    from forecourt.lib import jobs

    lead = lead_received(riverside, TUESDAY_10, assigned_to=carol)
    reminder = Timer.objects.get(lead=lead, kind="reminder")
    with at(chicago(2026, 3, 10, 10, 20)):
        assert jobs.claim(pending_timers(), reminder.pk)  # a worker took it, then died
    run_worker_at(chicago(2026, 3, 10, 10, 21))
    assert sink.messages == []
    run_worker_at(chicago(2026, 3, 10, 10, 20) + timedelta(seconds=settings.JOB_LEASE_SECONDS + 1))
    assert mail_summary(sink.messages) == [("carol@example.com", "Reminder")]


def test_stage_two_goes_to_the_membership_supervisor(riverside, carol, bob, sink):
    nadia = make_user("nadia@example.com", "Nadia Lead", riverside, Membership.Role.MANAGER)
    Membership.objects.filter(user=carol).update(supervisor=nadia)
    lead_received(riverside, TUESDAY_10, assigned_to=carol)
    run_worker_at(chicago(2026, 3, 10, 11, 30))
    assert ("nadia@example.com", "Escalation") in mail_summary(sink.messages)
    assert "bob@example.com" not in [to for to, _ in mail_summary(sink.messages)]


def test_without_a_supervisor_the_dealerships_managers_are_told(riverside, alice, bob, sink):
    erik = make_user("erik@example.com", "Erik Seller", riverside, Membership.Role.SALESPERSON)
    ann = make_user("ann@example.com", "Ann Manager", riverside, Membership.Role.MANAGER)
    lead_received(riverside, TUESDAY_10, assigned_to=erik)
    run_worker_at(chicago(2026, 3, 10, 11, 30))
    supervisors = sorted(to for to, subject in mail_summary(sink.messages) if subject == "Escalation")
    assert supervisors == [ann.email, bob.email], "managers, not the admin"


def test_a_dealership_without_managers_escalates_to_its_admins(riverside, alice, sink):
    erik = make_user("erik@example.com", "Erik Seller", riverside, Membership.Role.SALESPERSON)
    lead_received(riverside, TUESDAY_10, assigned_to=erik)
    run_worker_at(chicago(2026, 3, 10, 11, 30))
    assert ("alice@example.com", "Escalation") in mail_summary(sink.messages)


def test_an_unassigned_lead_is_chased_with_the_managers(riverside, bob, sink):
    # Waiting unassigned (in a pool, or distribution failed): taken in without distribution, and
    # its clock started by hand.
    with at(TUESDAY_10):
        start_clock(lead=make_lead(riverside, bulk=True))
    run_worker_at(chicago(2026, 3, 10, 10, 30))
    assert mail_summary(sink.messages) == [("bob@example.com", "Reminder"), ("bob@example.com", "Overdue")]


def test_a_lead_closed_without_a_reply_is_not_escalated(riverside, carol, bob, sink):
    from leads.actions import set_status

    lead = lead_received(riverside, TUESDAY_10, assigned_to=carol)
    with at(chicago(2026, 3, 10, 10, 5)):
        set_status(lead=lead, status="lost", lost_reason="Bought elsewhere", actor=bob)
    run_worker_at(chicago(2026, 3, 10, 12, 0))
    assert sink.messages == []
    assert Timer.objects.filter(kind__in=Timer.SLA_KINDS, cancelled_at__isnull=False).count() == 3


def test_reassigned_lead_reminds_the_new_salesperson(riverside, carol, dave, bob, sink):
    from leads.actions import assign_lead

    lead = lead_received(riverside, TUESDAY_10, assigned_to=carol)
    with at(chicago(2026, 3, 10, 10, 10)):
        assign_lead(lead=lead, to=dave, actor=bob, reason="Carol is with a customer")
    run_worker_at(chicago(2026, 3, 10, 10, 20))
    assert mail_summary(sink.messages) == [("dave@example.com", "Reminder")]


def test_escalation_emails_go_out_on_a_day_off_when_stage_two_falls_there(riverside, carol, bob, sink):
    # Saturday 16:50 + 10 working minutes = 17:00 Saturday; stage 2 an hour later, after closing.
    riverside.escalation = {"stage1_minutes": 10, "reminder_minutes": 0, "stage2_minutes": 60}
    riverside.save()
    lead_received(riverside, chicago(2026, 3, 14, 16, 50), assigned_to=carol)
    run_worker_at(chicago(2026, 3, 14, 18, 0))
    assert mail_summary(sink.messages) == [("carol@example.com", "Overdue"), ("bob@example.com", "Escalation")]
    assert Activity.objects.filter(kind="escalation").count() == 2

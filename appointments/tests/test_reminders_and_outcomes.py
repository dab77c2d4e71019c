"""The day before, the customer and the salesperson are reminded, once, however often the worker
runs or dies; kept, no-show and cancelled each leave the lead where a dealership expects."""

from __future__ import annotations

from datetime import timedelta

import pytest

from appointments.actions import AlreadyMarked, book_appointment, mark_appointment
from appointments.models import Appointment
from appointments.tasks import remind, sweep_reminders
from appointments.tests.conftest import MONDAY_10
from conversations.models import Message
from escalations.tests.support import at, chicago, run_worker_at
from followups.models import FollowUp
from leads.models import Activity, Lead
from notifications.models import Notification

pytestmark = pytest.mark.django_db(transaction=True)
WEDNESDAY_11 = chicago(2026, 3, 11, 11, 0)


@pytest.fixture
def booked(lead, carol):
    with at(MONDAY_10):
        return book_appointment(dealership=lead.dealership, lead=lead, actor=carol, starts_at=WEDNESDAY_11)


def reminders_to_customer(lead: Lead) -> list[Message]:
    return list(Message.objects.filter(conversation__lead=lead, body__contains="a reminder"))


def test_the_customer_and_salesperson_are_reminded_the_day_before_once(booked, lead, carol):
    run_worker_at(WEDNESDAY_11 - timedelta(hours=25))
    assert reminders_to_customer(lead) == []

    run_worker_at(WEDNESDAY_11 - timedelta(hours=24))
    run_worker_at(WEDNESDAY_11 - timedelta(hours=23))
    [reminder] = reminders_to_customer(lead)
    assert reminder.body == (
        "Hi Jordan, a reminder of your appointment at Riverside Toyota with Carol Seller: Wed Mar 11, 11:00 AM. "
        "Reply if you need to change it."
    )
    assert reminder.status == Message.Status.SENT
    assert [n.text for n in Notification.objects.filter(user=carol, kind="appointment")] == [
        "Reminder: Appointment: Jordan Sample, Wed Mar 11, 11:00 AM"
    ]


def test_a_reminder_already_claimed_is_not_sent_again(booked, lead):
    with at(WEDNESDAY_11 - timedelta(hours=20)):
        assert remind(booked.pk) == 1
        # A second worker that had read the same due row before the first committed finds it taken.
        assert remind(booked.pk) == 0
        assert sweep_reminders() == 0
    assert len(reminders_to_customer(lead)) == 1


def test_a_cancelled_appointment_is_not_reminded(booked, lead, carol):
    with at(MONDAY_10 + timedelta(hours=1)):
        mark_appointment(appointment=booked, outcome="cancelled", actor=carol)
    run_worker_at(WEDNESDAY_11 - timedelta(hours=20))
    assert reminders_to_customer(lead) == []
    lead.refresh_from_db()
    assert lead.status == Lead.Status.WORKING  # nothing booked any more


def test_a_kept_appointment_records_a_visit_which_is_contact_with_the_customer(booked, lead, carol):
    with at(WEDNESDAY_11 + timedelta(minutes=40)):
        mark_appointment(appointment=booked, outcome="kept", actor=carol)
    booked.refresh_from_db()
    assert (booked.status, booked.marked_by) == ("kept", carol)
    lead.refresh_from_db()
    assert lead.first_response_at == WEDNESDAY_11 + timedelta(minutes=40)
    assert lead.first_response_channel == "contact"
    assert lead.activities.filter(kind=Activity.Kind.CONTACT, text="Visit logged: Appointment kept").exists()
    assert lead.status == Lead.Status.APPOINTMENT


def test_a_no_show_adds_a_follow_up_to_book_again(booked, lead, carol):
    with at(WEDNESDAY_11 + timedelta(minutes=30)):
        mark_appointment(appointment=booked, outcome="no_show", actor=carol)
    [task] = FollowUp.objects.filter(lead=lead, title__startswith="No-show")
    assert task.title == "No-show: call Jordan Sample to book again"
    assert task.due_at == WEDNESDAY_11 + timedelta(hours=2, minutes=30)
    lead.refresh_from_db()
    assert lead.status == Lead.Status.WORKING
    assert lead.first_response_at is None


def test_an_outcome_is_given_once_and_a_no_show_not_before_the_time(booked, carol):
    with at(MONDAY_10 + timedelta(hours=1)), pytest.raises(ValueError, match="has not started yet"):
        mark_appointment(appointment=booked, outcome="no_show", actor=carol)
    with at(WEDNESDAY_11 + timedelta(hours=1)):
        mark_appointment(appointment=booked, outcome="kept", actor=carol)
        with pytest.raises(AlreadyMarked, match="already marked kept"):
            mark_appointment(appointment=Appointment.objects.get(pk=booked.pk), outcome="no_show", actor=carol)
    assert not FollowUp.objects.filter(title__startswith="No-show").exists()

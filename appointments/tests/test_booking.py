"""Booking an appointment on a lead: who with, when (inside opening hours unless insisted on),
the lead moves to Appointment, the customer gets a confirmation text, the salesperson is told."""

from __future__ import annotations

from datetime import timedelta

import pytest

from appointments.actions import book_appointment
from appointments.models import Appointment
from appointments.rules import BookingRefused
from appointments.tests.conftest import MONDAY_10, TUESDAY_10
from conversations.consent import record_consent
from conversations.models import Message
from escalations.tests.support import at, chicago, run_worker_at
from leads.models import Activity, Lead
from notifications.models import Notification

pytestmark = pytest.mark.django_db(transaction=True)


def test_booking_is_with_the_leads_salesperson_and_moves_the_lead_to_appointment(lead, carol):
    with at(MONDAY_10):
        appointment = book_appointment(
            dealership=lead.dealership, lead=lead, actor=carol, starts_at=TUESDAY_10, vehicle=lead.vehicles.get()
        )

    assert appointment.user == carol
    assert appointment.ends_at == TUESDAY_10 + timedelta(hours=1)
    assert appointment.status == "booked"
    lead.refresh_from_db()
    assert lead.status == Lead.Status.APPOINTMENT
    entry = lead.activities.filter(kind=Activity.Kind.APPOINTMENT).get()
    assert entry.text == "Appointment booked for Tue Mar 10, 10:00 AM with Carol Seller (2016 RAM 2500)"
    assert lead.activities.filter(kind=Activity.Kind.STATUS, text="Status: New → Appointment").exists()


def test_the_customer_gets_a_confirmation_text_which_the_outbox_sends(lead, carol):
    with at(MONDAY_10):
        book_appointment(dealership=lead.dealership, lead=lead, actor=carol, starts_at=TUESDAY_10)
    message = Message.objects.get(conversation__lead=lead)
    assert message.automated
    assert message.channel == "sms"
    assert message.to_address == "+15125550100"
    assert message.body == (
        "Hi Jordan, your appointment at Riverside Toyota with Carol Seller is booked for Tue Mar 10, 10:00 AM. "
        "Reply if you need to change it."
    )
    lead.refresh_from_db()
    assert lead.first_response_at is None  # an automated message is nobody's reply

    run_worker_at(MONDAY_10 + timedelta(seconds=5))
    message.refresh_from_db()
    assert message.status == Message.Status.SENT


def test_a_customer_who_opted_out_gets_no_text_and_the_booking_says_so(lead, carol):
    with at(MONDAY_10 - timedelta(minutes=5)):
        record_consent(customer=lead.customer, channel="sms", state="opted_out", source="staff", actor=carol, text="")
        # Out of emails too (by email alone they would be told: test_notices_by_email).
        record_consent(customer=lead.customer, channel="email", state="opted_out", source="staff", actor=carol, text="")
    with at(MONDAY_10):
        appointment = book_appointment(dealership=lead.dealership, lead=lead, actor=carol, starts_at=TUESDAY_10)
    assert not Message.objects.filter(conversation__lead=lead, direction="out").exists()
    assert appointment.customer_notice.startswith("Customer not told:")
    assert "opted out" in appointment.customer_notice.lower() or "stop" in appointment.customer_notice.lower()
    assert Appointment.objects.filter(pk=appointment.pk).exists()


def test_someone_else_booking_for_the_salesperson_tells_them(lead, carol, bob):
    with at(MONDAY_10):
        book_appointment(dealership=lead.dealership, lead=lead, actor=bob, starts_at=TUESDAY_10)
    [notice] = Notification.objects.filter(user=carol, kind="appointment")
    assert notice.text == "Bob Manager booked you: Appointment: Jordan Sample, Tue Mar 10, 10:00 AM"
    assert not Notification.objects.filter(user=bob, kind="appointment").exists()


def test_booking_another_salesperson_of_the_dealership(lead, carol, dave):
    with at(MONDAY_10):
        appointment = book_appointment(
            dealership=lead.dealership, lead=lead, actor=carol, user=dave, starts_at=TUESDAY_10
        )
    assert appointment.user == dave
    assert Notification.objects.filter(user=dave, kind="appointment").count() == 1


def nothing_stored(lead: Lead) -> bool:
    return not Appointment.objects.exists() and not Message.objects.exists() and lead.status == "new"


@pytest.mark.parametrize(
    ("starts_at", "words"),
    [
        (chicago(2026, 3, 9, 9, 0), "Mon Mar 9, 9:00 AM is in the past"),
        (chicago(2026, 3, 10, 20, 0), "Riverside Toyota is closed at Tue Mar 10, 8:00 PM"),
        (chicago(2026, 3, 10, 18, 30), "closes before the end"),
        (chicago(2026, 3, 15, 11, 0), "Riverside Toyota is closed at Sun Mar 15, 11:00 AM"),
    ],
)
def test_a_time_in_the_past_or_outside_opening_hours_is_refused_and_nothing_changes(lead, carol, starts_at, words):
    with at(MONDAY_10), pytest.raises(BookingRefused, match=words):
        book_appointment(dealership=lead.dealership, lead=lead, actor=carol, starts_at=starts_at)
    lead.refresh_from_db()
    assert nothing_stored(lead)


def test_outside_opening_hours_is_booked_when_the_user_insists(lead, carol):
    evening = chicago(2026, 3, 10, 20, 0)
    with at(MONDAY_10):
        appointment = book_appointment(
            dealership=lead.dealership, lead=lead, actor=carol, starts_at=evening, insist=True
        )
    assert appointment.outside_hours
    assert "outside opening hours" in lead.activities.get(kind=Activity.Kind.APPOINTMENT).text


def test_an_end_before_the_start_or_someone_from_elsewhere_is_refused(lead, carol, frank):
    with at(MONDAY_10):
        with pytest.raises(BookingRefused, match="end must be after the start"):
            book_appointment(
                dealership=lead.dealership, lead=lead, actor=carol, starts_at=TUESDAY_10, ends_at=TUESDAY_10
            )
        with pytest.raises(BookingRefused, match="Frank Seller does not work at Riverside Toyota"):
            book_appointment(dealership=lead.dealership, lead=lead, actor=carol, user=frank, starts_at=TUESDAY_10)
    lead.refresh_from_db()
    assert nothing_stored(lead)

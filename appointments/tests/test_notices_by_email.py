"""A customer who cannot take a text (no mobile, or opted out of texts) but has an email address
gets the booking confirmation and the day-before reminder by email: from the lead's reply address,
marked as Forecourt's own mail, through the real outbound SMTP server. Consent still rules."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from appointments.actions import book_appointment
from appointments.tests.conftest import MONDAY_10, TUESDAY_10
from conftest import make_lead
from conversations.consent import record_consent
from conversations.models import Message
from escalations.tests.support import at, chicago, run_worker_at
from forecourt.testing import SmtpSink
from leads.models import Lead
from relay.addresses import relay_address_of

pytestmark = pytest.mark.django_db(transaction=True)
WEDNESDAY_11 = chicago(2026, 3, 11, 11, 0)


@pytest.fixture
def sink(settings: Any) -> Iterator[SmtpSink]:
    server = SmtpSink().start()
    settings.SMTP_URL = server.url
    yield server
    server.stop()


@pytest.fixture
def email_only_lead(texting, carol) -> Lead:
    """Jordan left an email address and no phone number."""
    texting.email_from_name = "Riverside Toyota Sales"
    texting.save()
    with at(MONDAY_10 - timedelta(minutes=30)):
        return make_lead(
            texting,
            assigned_to=carol,
            customer={
                "first_name": "Jordan",
                "last_name": "Sample",
                "emails": ["jordan@example.com"],
                "phones": [],
            },
        )


def mails_to_jordan(sink: SmtpSink) -> list[Any]:
    return [m for m in sink.messages if m["To"] == "jordan@example.com"]


def test_the_confirmation_and_the_reminder_go_by_email_to_a_customer_without_a_mobile(email_only_lead, carol, sink):
    lead = email_only_lead
    with at(MONDAY_10):
        appointment = book_appointment(dealership=lead.dealership, lead=lead, actor=carol, starts_at=WEDNESDAY_11)
    assert appointment.customer_notice == ""
    run_worker_at(MONDAY_10 + timedelta(seconds=5))

    relay = relay_address_of(lead).address
    [confirmation] = mails_to_jordan(sink)
    assert confirmation["From"].addresses[0].addr_spec == relay
    assert confirmation["From"].addresses[0].display_name == "Riverside Toyota Sales"
    assert confirmation["Auto-Submitted"] == "auto-generated"
    assert confirmation["Subject"] == "Your appointment at Riverside Toyota"
    assert confirmation.get_body().get_content().strip() == (
        "Hi Jordan, your appointment at Riverside Toyota with Carol Seller is booked for Wed Mar 11, 11:00 AM. "
        "Reply if you need to change it."
    )
    stored = Message.objects.get(conversation__lead=lead)
    assert (stored.channel, stored.status, stored.automated) == ("email", Message.Status.SENT, True)
    lead.refresh_from_db()
    assert lead.first_response_at is None  # Forecourt's own mail is nobody's reply

    run_worker_at(WEDNESDAY_11 - timedelta(hours=24))
    run_worker_at(WEDNESDAY_11 - timedelta(hours=23))
    [_, reminder] = mails_to_jordan(sink)
    assert reminder["From"].addresses[0].addr_spec == relay
    assert reminder["Auto-Submitted"] == "auto-generated"
    assert reminder.get_body().get_content().strip() == (
        "Hi Jordan, a reminder of your appointment at Riverside Toyota with Carol Seller: Wed Mar 11, 11:00 AM. "
        "Reply if you need to change it."
    )
    appointment.refresh_from_db()
    assert appointment.customer_notice == ""


def test_a_customer_who_opted_out_of_texts_is_told_by_email(lead, carol, sink):
    with at(MONDAY_10 - timedelta(minutes=5)):
        record_consent(customer=lead.customer, channel="sms", state="opted_out", source="staff", actor=carol, text="")
    with at(MONDAY_10):
        appointment = book_appointment(dealership=lead.dealership, lead=lead, actor=carol, starts_at=TUESDAY_10)
    run_worker_at(MONDAY_10 + timedelta(seconds=5))

    assert appointment.customer_notice == ""
    assert [m.channel for m in Message.objects.filter(conversation__lead=lead)] == ["email"]
    [mail] = mails_to_jordan(sink)
    assert mail["From"].addresses[0].addr_spec == relay_address_of(lead).address
    assert "is booked for Tue Mar 10, 10:00 AM" in mail.get_body().get_content()


@pytest.mark.parametrize("why", ["opted_out", "emails_off"])
def test_without_consent_for_email_nothing_is_sent_and_the_booking_says_so(email_only_lead, carol, sink, why):
    lead = email_only_lead
    with at(MONDAY_10 - timedelta(minutes=5)):
        if why == "opted_out":
            record_consent(
                customer=lead.customer, channel="email", state="opted_out", source="staff", actor=carol, text=""
            )
        else:
            lead.dealership.send_emails = False
            lead.dealership.save()
    with at(MONDAY_10):
        appointment = book_appointment(dealership=lead.dealership, lead=lead, actor=carol, starts_at=WEDNESDAY_11)
    run_worker_at(MONDAY_10 + timedelta(seconds=5))
    run_worker_at(WEDNESDAY_11 - timedelta(hours=23))

    assert mails_to_jordan(sink) == []
    assert not Message.objects.filter(conversation__lead=lead, direction="out").exists()
    appointment.refresh_from_db()
    assert appointment.reminder_sent_at is not None  # the reminder's turn came and went
    assert appointment.customer_notice.startswith("Customer not told:")
    assert ("opted out" if why == "opted_out" else "does not send emails") in appointment.customer_notice
    assert "Jordan Sample has no phone number that can take a text." in appointment.customer_notice

"""The "send emails" switch (settings, email): with it off, nothing Forecourt writes reaches a
customer's inbox, not even an email queued before it was turned off, and staff see why."""

from __future__ import annotations

from datetime import timedelta

import pytest

from conversations.actions import send_message
from conversations.channels.email import EmailsOff
from conversations.models import Message
from conversations.templatetags.conversations_ui import failure
from escalations.tests.support import at, chicago, run_worker_at
from relay.composer import why_not_email

pytestmark = pytest.mark.django_db(transaction=True)
MONDAY_10 = chicago(2026, 3, 9, 10, 0)


def test_an_email_queued_before_emails_were_turned_off_never_leaves(lead, carol, sink):
    with at(MONDAY_10):
        message = send_message(lead=lead, channel="email", subject="Your RAM", body="It's here.", actor=carol)
    lead.dealership.send_emails = False
    lead.dealership.save()
    run_worker_at(MONDAY_10 + timedelta(seconds=5))

    assert [m for m in sink.messages if m["To"] == "jordan@example.com"] == []
    message.refresh_from_db()
    assert message.status == Message.Status.FAILED
    assert failure(message) == (
        "Not sent: Riverside Toyota does not send emails to customers (dealership settings, email)."
    )


def test_with_emails_off_the_composer_says_why_and_sending_stores_nothing(lead, carol):
    lead.dealership.send_emails = False
    lead.dealership.save()

    assert why_not_email(lead) == "Riverside Toyota does not send emails to customers (dealership settings, email)."
    with pytest.raises(EmailsOff):
        send_message(lead=lead, channel="email", subject="Hi", body="Hello", actor=carol)
    assert not Message.objects.exists()


def test_forecourts_own_email_goes_out_under_the_from_name(lead, sink):
    with at(MONDAY_10):
        send_message(lead=lead, channel="email", subject="Hello", body="Hi", actor=None, automated=True)
    run_worker_at(MONDAY_10 + timedelta(seconds=5))

    [mail] = [m for m in sink.messages if m["To"] == "jordan@example.com"]
    assert mail["From"].addresses[0].display_name == "Riverside Toyota Sales"

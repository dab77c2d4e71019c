"""The dashboard's Email quick action: a sheet with a subject and the message, sent through the
lead's thread (conversation-send) from the lead's reply address and out through the real outbound
SMTP server; a customer who cannot be emailed is said so at once, and nothing is sent."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.urls import reverse

from appointments.tests.conftest import MONDAY_10
from conversations.consent import record_consent
from conversations.models import Message
from escalations.tests.support import at, run_worker_at
from forecourt.testing import SmtpSink
from relay.addresses import relay_address_of

pytestmark = pytest.mark.django_db(transaction=True)
SHEET = {"HX-Request": "true"}


@pytest.fixture
def sink(settings: Any) -> Iterator[SmtpSink]:
    server = SmtpSink().start()
    settings.SMTP_URL = server.url
    yield server
    server.stop()


def sheet(client, lead) -> str:
    return client.get(reverse("lead-quick-message", args=[lead.pk, "email"]), headers=SHEET).content.decode()


def test_the_email_sheet_sends_an_email_with_its_subject_from_the_reply_address(client_for, lead, carol, sink):
    lead.dealership.email_from_name = "Riverside Toyota Sales"
    lead.dealership.save()
    client = client_for(carol)
    html = sheet(client, lead)
    assert '<label for="quick-subject">Subject</label>' in html
    assert 'maxlength="20000"' in html  # an email is not held to a text's length

    with at(MONDAY_10):
        # As the sheet posts it (htmx): 200 closes the sheet and says "Email to … queued."
        answer = client.post(
            reverse("conversation-send", args=[lead.pk]),
            {"channel": "email", "subject": "Your RAM 2500", "body": "Hi Jordan,\nIt's ready for you."},
            headers=SHEET,
        )
    assert answer.status_code == 200
    message = Message.objects.get(conversation__lead=lead)
    assert (message.channel, message.subject, message.sent_by) == ("email", "Your RAM 2500", carol)
    lead.refresh_from_db()
    assert (lead.first_response_at, lead.first_response_channel) == (MONDAY_10, "email")

    run_worker_at(MONDAY_10 + timedelta(seconds=5))
    [mail] = [m for m in sink.messages if m["To"] == "jordan@example.com"]
    assert mail["From"].addresses[0].addr_spec == relay_address_of(lead).address
    assert mail["From"].addresses[0].display_name == "Carol Seller at Riverside Toyota Sales"
    assert mail["Subject"] == "Your RAM 2500"
    assert mail.get_body().get_content().replace("\r\n", "\n").strip() == "Hi Jordan,\nIt's ready for you."


def test_without_javascript_the_page_sends_and_the_lead_page_says_so(client_for, lead, carol, sink):
    client = client_for(carol)
    page = client.get(reverse("lead-quick-message", args=[lead.pk, "email"])).content.decode()
    assert 'action="/leads/' in page
    assert 'name="subject"' in page
    answer = client.post(
        reverse("conversation-send", args=[lead.pk]),
        {"channel": "email", "subject": "Hello", "body": "Are you free Saturday?"},
        follow=True,
    )
    assert "Email queued." in answer.content.decode()
    assert Message.objects.get(conversation__lead=lead).channel == "email"


def test_a_customer_who_opted_out_of_emails_is_said_so_in_the_sheet_and_nothing_goes(client_for, lead, carol, sink):
    record_consent(customer=lead.customer, channel="email", state="opted_out", source="staff", actor=carol, text="")
    client = client_for(carol)
    html = sheet(client, lead)
    assert "Jordan Sample opted out of emails" in html
    assert 'name="body"' not in html
    assert "mailto:" not in html

    # A sheet opened before the opt-out still posts: the refusal comes back into the sheet.
    answer = client.post(
        reverse("conversation-send", args=[lead.pk]),
        {"channel": "email", "subject": "Hello", "body": "Still interested?"},
        headers=SHEET,
    )
    assert answer.status_code == 422
    assert 'id="composer-problems"' in answer.content.decode()
    assert "opted out of emails" in answer.content.decode()
    assert not Message.objects.exists()


def test_with_the_dealerships_emails_off_the_phones_mail_app_may_write(client_for, lead, carol):
    lead.dealership.send_emails = False
    lead.dealership.save()
    html = sheet(client_for(carol), lead)
    assert "does not send emails to customers" in html
    assert 'href="mailto:jordan@example.com"' in html
    assert 'name="body"' not in html


def test_a_customer_without_an_email_address_is_said_so(client_for, lead, carol):
    lead.customer.emails.all().delete()
    html = sheet(client_for(carol), lead)
    assert "Jordan Sample has no email address that can take mail." in html
    assert 'name="body"' not in html

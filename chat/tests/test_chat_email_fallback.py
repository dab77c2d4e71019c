"""A chat visitor who left only an email address and has gone: the salesperson's answer in the chat
reaches them by email from the lead's reply address, through the real outbound SMTP server, and the
thread says so; with emails opted out or turned off for the dealership it waits in the chat."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from chat.models import ChatVisitor
from conversations.consent import record_consent
from conversations.models import Message
from forecourt.testing import SmtpSink
from forecourt.worker import Worker
from leads.models import Lead
from relay.addresses import relay_address_of

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def sink(settings: Any) -> Iterator[SmtpSink]:
    """A real SMTP server taking what Forecourt sends."""
    server = SmtpSink().start()
    settings.SMTP_URL = server.url
    yield server
    server.stop()


def left_the_chat(widget) -> Lead:
    """Jordan chats leaving only an email address, then closes the page."""
    assert widget.start(phone="", email="jordan@example.com").status_code == 201
    ChatVisitor.objects.update(last_seen_at=timezone.now() - timedelta(minutes=5))
    return Lead.objects.get()


def test_an_answer_to_a_visitor_who_left_goes_by_email_from_the_relay_address(
    widget, chatting, carol, client_for, sink
):
    chatting.email_from_name = "Riverside Toyota Sales"
    chatting.save()
    lead = left_the_chat(widget)
    page = client_for(carol)

    sent = page.post(
        f"/leads/{lead.pk}/conversation/send/", {"body": "It's still here, want to see it?", "channel": "chat"}
    )
    assert sent.status_code == 302
    answer = Message.objects.get(body="It's still here, want to see it?")
    relay = relay_address_of(lead).address
    assert answer.channel == "email"
    assert (answer.from_address, answer.to_address) == (relay, "jordan@example.com")
    assert answer.note == "Jordan Sample had left the chat, so this went by email to jordan@example.com."
    assert (
        "had left the chat, so this went by email to jordan@example.com"
        in page.get(f"/leads/{lead.pk}/conversation/").content.decode()
    )
    lead.refresh_from_db()
    assert lead.first_response_channel == "email"

    Worker().run_once()
    [mail] = [m for m in sink.messages if m["To"] == "jordan@example.com"]
    assert mail["From"].addresses[0].addr_spec == relay
    assert mail["From"].addresses[0].display_name == "Carol Seller at Riverside Toyota Sales"
    assert mail["Auto-Submitted"] is None  # Carol wrote it
    assert mail.get_body().get_content().strip() == "It's still here, want to see it?"
    answer.refresh_from_db()
    assert answer.status == Message.Status.SENT


@pytest.mark.parametrize("why", ["opted_out", "emails_off"])
def test_with_no_email_allowed_the_answer_waits_in_the_chat(widget, chatting, carol, client_for, sink, why):
    lead = left_the_chat(widget)
    if why == "opted_out":
        record_consent(
            customer=lead.customer, channel="email", state="opted_out", source="keyword", text="unsubscribe", actor=None
        )
    else:
        chatting.send_emails = False
        chatting.save()

    client_for(carol).post(f"/leads/{lead.pk}/conversation/send/", {"body": "Any questions?", "channel": "chat"})
    answer = Message.objects.get(body="Any questions?")
    assert answer.channel == "chat"
    assert answer.note == ""
    Worker().run_once()
    assert [m for m in sink.messages if m["To"] == "jordan@example.com"] == []
    # When Jordan comes back to the website, the widget shows it.
    assert "Any questions?" in [m["body"] for m in widget.poll().json()["messages"]]

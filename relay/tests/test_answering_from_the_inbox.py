"""The assignee answers the forwarded copy from their own mail program: recognised by its sender,
recorded on the lead as their email (the lead's human reply, channel email) and sent on to the
customer from the lead's reply address."""

from __future__ import annotations

import pytest

from conversations.models import Message
from forecourt.worker import Worker
from intake.models import InboundEmail
from leads.models import Lead
from relay.tests.conftest import customer_mail, deliver, settled

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

ANSWER = """Sure, bring the Civic and we'll appraise it.

-----Original Message-----
From: Jordan Sample via Riverside Toyota
Saturday at 10 works. Can I bring my trade?
"""


def test_the_assignees_answer_from_their_inbox_is_recorded_and_sent_on_to_the_customer(smtpd, lead, relay, carol, sink):
    deliver(
        smtpd, customer_mail(relay, sender="Carol Seller <Carol@Example.com>", text=ANSWER), relay, "carol@example.com"
    )

    [inbound] = settled()
    assert inbound.status == InboundEmail.Status.PROCESSED, inbound.reason
    [message] = Message.objects.filter(conversation__lead=lead)
    assert (message.direction, message.channel, message.sent_by) == ("out", "email", carol)
    assert message.body == "Sure, bring the Civic and we'll appraise it."
    lead = Lead.objects.get(pk=lead.pk)
    assert lead.first_response_channel == "email"
    assert lead.first_response_at is not None

    Worker().run_once()
    [sent] = [m for m in sink.messages if m["To"] == "jordan@example.com"]
    assert sent["From"].addresses[0].addr_spec == relay
    assert sent["From"].addresses[0].display_name == "Carol Seller at Riverside Toyota Sales"
    assert "Sure, bring the Civic" in sent.get_body().get_content()
    assert "Original Message" not in sent.get_body().get_content()


def test_a_collaborators_answer_is_sent_on_too_but_a_strangers_mail_is_the_customers(smtpd, lead, relay, dave, bob):
    lead.collaborators.add(dave)
    deliver(smtpd, customer_mail(relay, sender="dave@example.com", text="Dave here, see you Saturday."), relay)
    deliver(smtpd, customer_mail(relay, sender="bob@example.com", text="Bob, not on this lead."), relay)
    settled(2)

    directions = dict(Message.objects.filter(conversation__lead=lead).values_list("body", "direction"))
    assert directions == {"Dave here, see you Saturday.": "out", "Bob, not on this lead.": "in"}


def test_an_out_of_office_reply_from_the_assignees_mailbox_never_reaches_the_customer(smtpd, lead, relay, sink):
    auto = customer_mail(
        relay, sender="carol@example.com", text="I am out until Monday.", headers={"Auto-Submitted": "auto-replied"}
    )
    deliver(smtpd, auto, relay, "carol@example.com")

    [inbound] = settled()
    assert inbound.status == InboundEmail.Status.NO_LEAD
    assert "automatic reply" in inbound.reason
    assert not Message.objects.exists()
    Worker().run_once()
    assert not [m for m in sink.messages if m["To"] == "jordan@example.com"]

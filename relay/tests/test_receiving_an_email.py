"""A customer's reply to the lead's reply address, delivered to the real `smtpd`: kept raw first,
then in the lead's thread within seconds (new words shown, quoted history folded, attachments
kept), the assignee and collaborators told, and a copy in the assignee's own inbox to answer."""

from __future__ import annotations

import smtplib

import pytest
from django.conf import settings

from conversations.models import Message
from forecourt.worker import Worker
from intake.models import InboundEmail
from notifications.models import Notification
from relay.addresses import retire
from relay.models import Attachment, RelayAddress
from relay.tests.conftest import customer_mail, deliver, settled

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

REPLY = """Saturday at 10 works. Can I bring my trade?

On Mon, Mar 9, 2026 at 10:00 AM Carol Seller at Riverside Toyota <lead-x@relay> wrote:
> Hi Jordan, the RAM is here.
> When can you come by?
"""


def test_a_customers_reply_lands_in_the_thread_with_its_history_folded_and_attachments_kept(smtpd, lead, relay):
    photo = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    deliver(smtpd, customer_mail(relay, text=REPLY, attachments=[("trade.png", "image/png", photo)]), relay)

    [inbound] = settled()
    assert inbound.channel == InboundEmail.Channel.RELAY
    assert inbound.status == InboundEmail.Status.PROCESSED, inbound.reason
    assert list(inbound.leads.all()) == [lead]
    [message] = Message.objects.filter(conversation__lead=lead)
    assert (message.channel, message.direction, message.status) == ("email", "in", "received")
    assert message.body == "Saturday at 10 works. Can I bring my trade?"
    assert message.email.quoted.startswith("On Mon, Mar 9, 2026")
    assert "When can you come by?" in message.email.quoted
    assert message.subject == "Re: Your enquiry at Riverside Toyota"
    assert message.from_address == "jordan@example.com"
    [kept] = Attachment.objects.filter(message=message)
    assert (kept.name, kept.content_type, bytes(kept.content)) == ("trade.png", "image/png", photo)
    assert b"Saturday at 10 works" in inbound.raw_bytes  # the mail as it came, kept first


def test_the_assignee_and_collaborators_are_told_and_the_assignee_gets_a_copy_to_answer(smtpd, lead, relay, dave, sink):
    lead.collaborators.add(dave)
    deliver(smtpd, customer_mail(relay, text=REPLY), relay)
    settled()

    told = Notification.objects.filter(lead=lead, kind="customer_replied").order_by("user__email")
    assert [n.user.email for n in told] == ["carol@example.com", "dave@example.com"]
    assert told[0].text.startswith("Jordan Sample emailed:")
    Worker().run_once()
    [forward] = [m for m in sink.messages if m["Reply-To"] == relay]
    assert forward["To"] == "carol@example.com"
    assert forward["Auto-Submitted"] == "auto-generated"
    assert forward["From"].addresses[0].display_name == "Jordan Sample via Riverside Toyota"
    assert "Saturday at 10 works" in forward.get_body().get_content()


def test_the_same_mail_delivered_twice_is_in_the_thread_once(smtpd, lead, relay):
    raw = customer_mail(relay, message_id="<once@mail.example.com>")
    deliver(smtpd, raw, relay)
    deliver(smtpd, raw, relay)
    settled(2)
    assert Message.objects.filter(conversation__lead=lead).count() == 1
    assert Notification.objects.filter(lead=lead, kind="customer_replied").count() == 1


def test_an_unknown_or_guessed_reply_address_is_refused_at_rcpt_and_nothing_is_kept(smtpd, lead, relay):
    guessed = f"lead-{'0' * 40}@{settings.RELAY_DOMAIN}"
    with smtplib.SMTP("127.0.0.1", smtpd, timeout=10) as client:
        client.ehlo()
        client.mail("jordan@example.com")
        assert client.rcpt(guessed)[0] == 550
        assert client.rcpt(f"lead-{lead.pk}@{settings.RELAY_DOMAIN}")[0] == 550
        assert client.rcpt(relay.upper())[0] == 250  # mail servers may change the case
    assert InboundEmail.objects.count() == 0


def test_mail_to_a_retired_reply_address_is_kept_on_the_intake_screen_and_attaches_to_no_lead(
    smtpd, lead, relay, alice, client_for
):
    retire(RelayAddress.objects.get(lead=lead))
    deliver(smtpd, customer_mail(relay, text="Is it still for sale?"), relay)

    [inbound] = settled()
    assert inbound.status == InboundEmail.Status.NO_LEAD
    assert "retired reply address" in inbound.reason
    assert not inbound.leads.exists()
    assert not Message.objects.exists()
    assert b"Is it still for sale?" in inbound.raw_bytes
    screen = client_for(alice).get("/intake/").content.decode()
    assert "Email to a lead&#x27;s reply address" in screen
    assert "Sent to a retired reply address" in screen

"""What could loop, bounce or break: mail a machine sent is recorded and never answered, a hard
bounce marks the customer's address as failing on the lead, and malformed or oversized mail has
a clear outcome that loses nothing (the raw mail is stored before anything reads it)."""

from __future__ import annotations

import smtplib

import pytest
from django.conf import settings

from conversations.models import Message
from forecourt.worker import Worker
from intake.models import InboundEmail
from notifications.models import Notification, OutboundEmail
from relay.models import Attachment, BouncedAddress
from relay.tests.conftest import customer_mail, deliver, settled

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize(
    "headers",
    [
        {"Auto-Submitted": "auto-replied"},
        {"Precedence": "bulk"},
        {"Precedence": "junk"},
        {"List-Id": "<offers.example.com>"},
        {"List-Unsubscribe": "<mailto:unsubscribe@example.com>"},
    ],
    ids=lambda h: next(iter(h)) + ": " + next(iter(h.values())),
)
def test_mail_a_machine_sent_is_recorded_but_nobody_is_told_and_nothing_answers_it(smtpd, lead, relay, headers):
    deliver(smtpd, customer_mail(relay, text="I am away until Monday.", headers=headers), relay)

    [inbound] = settled()
    assert inbound.status == InboundEmail.Status.PROCESSED
    assert "sent by a machine" in inbound.reason
    assert Message.objects.get(conversation__lead=lead).body == "I am away until Monday."
    assert not Notification.objects.filter(kind="customer_replied").exists()
    assert not OutboundEmail.objects.filter(purpose="relay_forward").exists()


def test_mail_from_forecourts_own_relay_domain_is_a_loop_kept_on_the_intake_screen(smtpd, lead, relay):
    deliver(smtpd, customer_mail(relay, sender=f"lead-{'a' * 40}@{settings.RELAY_DOMAIN}"), relay)

    [inbound] = settled()
    assert inbound.status == InboundEmail.Status.NO_LEAD
    assert "loop" in inbound.reason
    assert not Message.objects.exists()


DSN = """From: Mail Delivery System <MAILER-DAEMON@mx.example.com>
To: {relay}
Subject: Undelivered Mail Returned to Sender
Auto-Submitted: auto-replied
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="B0"
Message-Id: <bounce1@mx.example.com>

--B0
Content-Type: text/plain

I'm sorry to have to inform you that your message could not be delivered.

--B0
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.com

Final-Recipient: rfc822; jordan@example.com
Original-Recipient: rfc822;jordan@example.com
Action: failed
Status: 5.1.1
Diagnostic-Code: smtp; 550 5.1.1 <jordan@example.com>: Recipient address rejected: User unknown

--B0
Content-Type: text/rfc822-headers

From: Carol Seller at Riverside Toyota <{relay}>
To: jordan@example.com
Message-ID: {message_id}
Subject: Your RAM 2500

--B0--
"""


def test_a_hard_bounce_marks_the_customers_address_as_failing_and_the_email_undelivered(
    smtpd, lead, relay, carol, sink
):
    from conversations.actions import send_message

    sent = send_message(lead=lead, channel="email", subject="Your RAM 2500", body="It's here.", actor=carol)
    Worker().run_once()
    sent.refresh_from_db()
    assert sent.status == Message.Status.SENT
    report = DSN.format(relay=relay, message_id=sent.provider_id)
    deliver(smtpd, report.replace("\n", "\r\n").encode(), relay, "")  # on the wire, as a mail server sends it

    [inbound] = settled()
    assert inbound.status == InboundEmail.Status.PROCESSED, inbound.reason
    [bounced] = BouncedAddress.objects.filter(customer=lead.customer)
    assert bounced.email == "jordan@example.com"
    assert "User unknown" in bounced.reason
    sent.refresh_from_db()
    assert sent.status == Message.Status.UNDELIVERED
    assert "5.1.1" in sent.last_error
    assert Message.objects.filter(conversation__lead=lead).count() == 1  # the report is not a customer's words
    assert not Notification.objects.filter(kind="customer_replied").exists()


def test_a_delayed_delivery_report_is_no_bounce(smtpd, lead, relay):
    delayed = DSN.format(relay=relay, message_id="<x@y>").replace("Action: failed", "Action: delayed")
    deliver(smtpd, delayed.replace("Status: 5.1.1", "Status: 4.4.1").replace("\n", "\r\n").encode(), relay, "")

    [inbound] = settled()
    assert inbound.status == InboundEmail.Status.PROCESSED
    assert not BouncedAddress.objects.exists()


MALFORMED = b"""From: Jordan Sample <jordan@example.com>
To: {relay}
Subject: =?utf-8?q?Caf=C3=A9_visit?=
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="never-closed"

--never-closed
Content-Type: text/plain; charset=x-unknown-charset
Content-Transfer-Encoding: quoted-printable

Can I come at 3?=20Thanks
--never-closed
Content-Type: application/pdf; name="quote.pdf"
Content-Transfer-Encoding: base64

JVBERi0xLjQK%%%not base64 at all
"""


def test_malformed_mime_still_reaches_the_thread_with_what_could_be_read_and_the_raw_mail_kept(smtpd, lead, relay):
    deliver(smtpd, MALFORMED.replace(b"{relay}", relay.encode()).replace(b"\n", b"\r\n"), relay)

    [inbound] = settled()
    assert inbound.status == InboundEmail.Status.PROCESSED, inbound.reason
    assert "not well formed" in inbound.reason
    message = Message.objects.get(conversation__lead=lead)
    assert message.subject == "Café visit"
    assert "Can I come at 3?" in message.body
    assert Attachment.objects.filter(message=message, name="quote.pdf").exists()
    assert b"never-closed" in inbound.raw_bytes


def test_mail_over_25_mb_is_refused_whole_so_the_sender_keeps_it(smtpd, lead, relay):
    big = customer_mail(relay, attachments=[("video.mp4", "video/mp4", b"\x00" * (25 * 1024 * 1024))])
    with pytest.raises(smtplib.SMTPResponseException) as refused:
        deliver(smtpd, big, relay)
    assert refused.value.smtp_code == 552  # said at MAIL FROM (SIZE) or after DATA: the sender bounces it
    assert InboundEmail.objects.count() == 0


def test_a_large_attachment_is_kept_whole(smtpd, lead, relay):
    content = bytes(range(256)) * (10 * 1024 * 1024 // 256)  # 10 MB, 14 MB once base64-encoded
    deliver(smtpd, customer_mail(relay, attachments=[("brochure.pdf", "application/pdf", content)]), relay)

    [inbound] = settled(timeout=60)
    assert inbound.status == InboundEmail.Status.PROCESSED, inbound.reason
    kept = Attachment.objects.get(name="brochure.pdf")
    assert kept.size == len(content)
    assert bytes(kept.content) == content

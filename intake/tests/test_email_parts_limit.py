"""An email made of a great many MIME parts is refused with a reason, not read part by part:
100,000 parts once cost 91 s of intake time. The raw message is kept and shown as "no lead"."""

from __future__ import annotations

import pytest

from intake.actions import process_held, store_inbound
from intake.adf import AdfError, parse_document_or_email
from intake.adf.mail import MAX_PARTS
from intake.models import InboundEmail
from intake.tests.conftest import adf, intake_address, lead_email
from leads.models import Lead


def email_of_parts(count: int, *, with_lead: bool = False) -> bytes:
    head = (
        "From: Leads <leads@example.org>\r\n"
        f"To: {intake_address()}\r\n"
        "Subject: New lead\r\n"
        "Message-ID: <parts-1@example.org>\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/mixed; boundary="B"\r\n\r\n'
    ).encode()
    first = f"--B\r\nContent-Type: text/plain\r\n\r\n{adf()}\r\n".encode() if with_lead else b""
    junk = b"--B\r\nContent-Type: text/plain\r\n\r\nx\r\n" * count
    return head + first + junk + b"--B--\r\n"


def test_an_email_of_a_hundred_thousand_parts_is_refused_as_having_too_many_parts():
    with pytest.raises(AdfError, match="too many parts"):
        parse_document_or_email(email_of_parts(100_000, with_lead=True))


def test_an_email_of_many_parts_arrives_as_kept_mail_that_made_no_lead_with_the_reason(riverside, alice):
    raw = email_of_parts(100_000, with_lead=True)
    inbound = store_inbound(dealership=riverside, raw=raw, channel=InboundEmail.Channel.SMTP, hold=True)

    process_held(inbound)

    inbound.refresh_from_db()
    assert inbound.status == InboundEmail.Status.NO_LEAD
    assert "too many parts" in inbound.reason
    assert bytes(inbound.raw_bytes) == raw
    assert not Lead.objects.exists()


def test_an_email_just_under_the_limit_is_still_read():
    raw = email_of_parts(MAX_PARTS - 3, with_lead=True)  # the container and the lead are parts too

    [prospect] = parse_document_or_email(raw)

    assert prospect.to_dict()["customer"]["first_name"] == "Jordan"


def test_an_ordinary_lead_email_with_attachments_is_read():
    assert len(parse_document_or_email(lead_email(how="xml-attachment"))) == 1

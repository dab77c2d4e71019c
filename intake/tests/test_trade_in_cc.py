"""The trade-in CC email: a request to sell or trade a vehicle, with no vehicle of interest, is
emailed to the dealership's trade-in address with the lead's core data as a PDF and its link.
Sent through the outbox to a real SMTP server on loopback; the PDF is read back as a reader would."""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest
from django.conf import settings
from pypdf import PdfReader

from conftest import make_lead
from forecourt.testing import SmtpSink
from intake.actions import process_held, store_inbound
from intake.adf_out import relay_address
from intake.forwarding import forward, rules_for
from intake.models import InboundEmail
from intake.tests.forwarding_helpers import set_forwarding
from leads.models import Activity, Lead
from notifications.models import OutboundEmail
from notifications.tasks import sweep_emails

TRADE = {"year": 2015, "make": "Honda", "model": "Civic", "vin": "2HGFB2F50FH512345", "odometer": 87250}
SELL_MY_CAR = """<?xml version="1.0" encoding="UTF-8"?>
<?adf version="1.0"?>
<adf><prospect status="new">
  <id sequence="1" source="KBB">KBB-55501</id>
  <requestdate>2026-03-16T10:00:00-05:00</requestdate>
  <vehicle interest="sell" status="used">
    <year>2015</year><make>Honda</make><model>Civic</model><vin>2HGFB2F50FH512345</vin>
    <odometer status="original" units="mi">87250</odometer><condition>good</condition>
  </vehicle>
  <customer><contact><name part="first">Jordan</name><name part="last">Sample</name>
    <phone type="voice">512-555-0100</phone><email>jordan.sample@example.com</email></contact>
    <comments>Small dent on the rear bumper.</comments></customer>
  <provider><name part="full">Kelley Blue Book Instant Cash Offer</name></provider>
</prospect></adf>
"""


@pytest.fixture
def sink(settings) -> Iterator[SmtpSink]:
    server = SmtpSink().start()
    settings.SMTP_URL = server.url
    yield server
    server.stop()


def pdf_text(message) -> str:
    [attachment] = list(message.iter_attachments())
    assert attachment.get_content_type() == "application/pdf"
    reader = PdfReader(io.BytesIO(attachment.get_content()))
    # A long value may wrap in its table cell: the reader sees it whole, so compare on one line.
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def test_a_sell_my_car_request_is_emailed_with_the_lead_as_a_pdf(riverside, carol, sink):
    set_forwarding(riverside, trade_in_cc="appraisals@riverside.example")

    inbound = store_inbound(
        dealership=riverside, raw=SELL_MY_CAR.encode(), channel=InboundEmail.Channel.SMTP, hold=True
    )
    [lead] = process_held(inbound).leads
    assert sweep_emails() >= 1

    [message] = [m for m in sink.messages if "appraisals@riverside.example" in m["To"]]
    assert message["Subject"] == "Trade-in request: 2015 Honda Civic from Jordan Sample (KBB)"
    body = message.get_body(("plain",)).get_content()
    assert f"{settings.BASE_URL}/leads/{lead.pk}/" in body
    assert "Jordan Sample would like to sell or trade in 2015 Honda Civic" in body
    assert message.get_filename() is None  # the mail itself is text; the PDF is its attachment
    text = pdf_text(message)
    for seen in (
        "Trade-in request for Riverside Toyota",
        "Jordan Sample",
        "+15125550100",
        relay_address(lead),
        "2015",
        "Honda",
        "Civic",
        "2HGFB2F50FH512345",
        "87,250 mi",
        "good",
        "Small dent on the rear bumper.",
        "KBB",
        f"{settings.BASE_URL}/leads/{lead.pk}/",
    ):
        assert seen in text, seen
    assert "jordan.sample@example.com" not in text  # the customer's own address stays in Forecourt
    assert "CDT" in text or "CST" in text  # received at, in Austin's time, not the server's
    assert lead.activities.filter(
        kind=Activity.Kind.NOTE, text="Trade-in request emailed to appraisals@riverside.example with the lead as a PDF"
    ).exists()


def test_a_returning_customers_new_number_is_on_the_pdf_with_the_one_we_had(riverside, carol, sink):
    set_forwarding(riverside, trade_in_cc="appraisals@riverside.example")
    phone = {"number": "512-555-0100", "type": "voice"}
    earlier = make_lead(riverside, bulk=True, customer={"emails": ["jordan.sample@example.com"], "phones": [phone]})
    Lead.objects.filter(pk=earlier.pk).update(status=Lead.Status.LOST)  # closed: the request is a new lead
    document = SELL_MY_CAR.replace("512-555-0100", "512-555-0177")

    inbound = store_inbound(dealership=riverside, raw=document.encode(), channel=InboundEmail.Channel.SMTP, hold=True)
    [lead] = process_held(inbound).leads
    assert sweep_emails() >= 1

    assert lead.customer == earlier.customer
    [message] = [m for m in sink.messages if "appraisals@riverside.example" in m["To"]]
    assert "+15125550100, +15125550177" in pdf_text(message)


def test_a_lead_for_a_vehicle_to_buy_with_a_trade_is_not_a_trade_in_request(riverside, carol):
    set_forwarding(riverside, trade_in_cc="appraisals@riverside.example")

    make_lead(riverside, vehicles=[{"year": 2022, "make": "Toyota", "model": "RAV4"}], trades=[TRADE])

    assert not OutboundEmail.objects.filter(purpose="trade_in_cc").exists()


def test_without_a_trade_in_address_nothing_is_sent(riverside, carol):
    make_lead(riverside, trades=[TRADE])

    assert not OutboundEmail.objects.filter(purpose="trade_in_cc").exists()


def test_the_trade_in_email_goes_once_per_lead(riverside, carol):
    set_forwarding(riverside, trade_in_cc="appraisals@riverside.example")
    lead = make_lead(riverside, trades=[TRADE])

    forward(lead=lead, rules=rules_for(lead))  # forwarded a second time, by a retry or by mistake

    assert OutboundEmail.objects.filter(purpose="trade_in_cc").count() == 1
    assert lead.activities.filter(text__startswith="Trade-in request emailed").count() == 1


def test_a_name_with_line_breaks_cannot_add_headers_or_recipients(riverside, carol, sink):
    set_forwarding(riverside, trade_in_cc="appraisals@riverside.example")
    make_lead(
        riverside,
        customer={"first_name": "Jordan", "last_name": "Sample\r\nBcc: thief@example.net", "emails": ["j@example.com"]},
        trades=[TRADE],
    )
    sweep_emails()  # in opening hours, Carol's new-lead alert goes too

    assert all("thief@example.net" not in recipients for _, recipients in sink.envelopes)
    [message] = [m for m in sink.messages if m["To"] == "appraisals@riverside.example"]
    assert message["Bcc"] is None
    assert "\n" not in message["Subject"]
    assert "Jordan Sample" in pdf_text(message)

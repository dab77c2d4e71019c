"""A dealership chooses how salespeople's names read to customers ("Carol Seller", "Carol",
"Carol S."): the relay email's From, the {salesperson} merge field, the chat widget, appointment
notices and the quote page and PDF all follow it; staff screens keep full names."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from pypdf import PdfReader

from appointments.actions import book_appointment
from appointments.notices import customer_text
from chat.actions import for_widget
from conversations.actions import send_message
from conversations.models import Message
from conversations.templates import render_template
from dealerships.models import Dealership
from escalations.tests.support import at, chicago, run_worker_at
from forecourt.testing import SmtpSink
from leads.models import Lead
from worksheets.tests.test_worksheet_screens import make_worksheet

MONDAY_10 = chicago(2026, 3, 9, 10, 0)


def names(dealership: Dealership, style: str) -> None:
    dealership.staff_names = style
    dealership.save()


@pytest.fixture
def sink(settings: Any) -> Iterator[SmtpSink]:
    server = SmtpSink().start()
    settings.SMTP_URL = server.url
    yield server
    server.stop()


@pytest.mark.parametrize(
    ("style", "shown"), [("full", "Carol Seller"), ("first", "Carol"), ("first_initial", "Carol S.")]
)
@pytest.mark.django_db
def test_the_salesperson_merge_field_and_the_chat_widget_follow_the_setting(
    riverside, carol, carols_lead, style, shown
):
    names(riverside, style)
    lead = Lead.objects.get(pk=carols_lead.pk)

    assert render_template("{salesperson} at {dealership}", lead, None) == f"{shown} at Riverside Toyota"
    answer = Message(direction=Message.Direction.OUT, sent_by=carol, automated=False, body="Yes!")
    assert for_widget(answer, riverside)["name"] == f"{shown} · Riverside Toyota"


@pytest.mark.django_db
def test_appointment_notices_name_the_salesperson_as_set(riverside, carol, carols_lead):
    names(riverside, "first_initial")
    with at(MONDAY_10):
        appointment = book_appointment(
            dealership=riverside, lead=carols_lead, actor=carol, starts_at=MONDAY_10 + timedelta(days=1)
        )
    assert "at Riverside Toyota with Carol S. is booked" in customer_text(appointment, reminder=False)


@pytest.mark.django_db
def test_the_quote_page_and_pdf_name_the_salesperson_as_set(riverside, carol, carols_lead, client_for, client):
    names(riverside, "first")
    worksheet = make_worksheet(client_for(carol), carols_lead)

    page = client.get(f"/q/{worksheet.token}").content.decode()
    assert "Your salesperson: Carol<" in page
    pdf = client.get(f"/q/{worksheet.token}.pdf").content
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    assert "Your salesperson: Carol\n" in text + "\n"
    assert "Carol Seller" not in text


@pytest.mark.django_db
def test_staff_screens_keep_full_names(riverside, carol, carols_lead, client_for):
    names(riverside, "first_initial")
    page = client_for(carol).get(f"/leads/{carols_lead.pk}/").content.decode()
    assert "Carol Seller" in page


@pytest.mark.django_db(transaction=True)
def test_the_relay_email_is_from_the_salesperson_as_named_for_customers(riverside, carol, carols_lead, sink):
    riverside.email_from_name = "Riverside Toyota Sales"
    riverside.save()
    names(riverside, "first_initial")
    with at(MONDAY_10):
        send_message(lead=carols_lead, channel="email", subject="Your RAM", body="It's here.", actor=carol)
    run_worker_at(MONDAY_10 + timedelta(seconds=1))

    [mail] = [m for m in sink.messages if m["To"] == "jordan@example.com"]
    assert mail["From"].addresses[0].display_name == "Carol S. at Riverside Toyota Sales"


@pytest.mark.django_db(transaction=True)
def test_a_salesperson_without_a_name_leaves_the_dealerships_from_name_alone(riverside, carol, carols_lead, sink):
    carol.name = "   "
    carol.save()
    with at(MONDAY_10):
        send_message(lead=carols_lead, channel="email", subject="Your RAM", body="It's here.", actor=carol)
    run_worker_at(MONDAY_10 + timedelta(seconds=1))

    [mail] = [m for m in sink.messages if m["To"] == "jordan@example.com"]
    assert mail["From"].addresses[0].display_name == "Riverside Toyota"

"""A salesperson's text leaves through the one outbox: queued first, sent by the worker, once;
it is the lead's human reply. Forecourt's own messages never are."""

from __future__ import annotations

from datetime import timedelta

import pytest

from conftest import make_lead
from conversations.actions import send_message
from conversations.channels import NoAddress
from conversations.models import Message
from conversations.tasks import MESSAGES
from escalations.models import LeadSla
from escalations.tests.support import at, chicago, run_worker_at
from forecourt.worker import Worker

pytestmark = pytest.mark.django_db(transaction=True)
MONDAY_10 = chicago(2026, 3, 9, 10, 0)


@pytest.fixture
def lead(texting, carol):
    with at(MONDAY_10 - timedelta(minutes=3)):
        return make_lead(texting, assigned_to=carol)


def test_a_salespersons_text_is_sent_once_and_is_the_leads_first_reply(lead, carol):
    with at(MONDAY_10):
        message = send_message(lead=lead, channel="sms", body="Hi Jordan, it's Carol at Riverside.", actor=carol)

    lead.refresh_from_db()
    assert (lead.first_response_at, lead.first_response_channel) == (MONDAY_10, "sms")
    assert LeadSla.objects.get(lead=lead).state == LeadSla.State.MET
    assert (message.status, message.from_address, message.to_address) == ("queued", "+15125550199", "+15125550100")
    assert message.sent_by == carol
    assert not message.automated

    run_worker_at(MONDAY_10 + timedelta(seconds=1))
    run_worker_at(MONDAY_10 + timedelta(seconds=2))
    message.refresh_from_db()
    assert message.status == Message.Status.SENT
    assert message.provider_id == f"console-{message.key}"
    assert message.attempts == 1


def test_an_automated_text_never_stops_the_clock(lead):
    with at(MONDAY_10):
        send_message(lead=lead, channel="sms", body="Thanks, we'll be in touch.", actor=None, automated=True)
    lead.refresh_from_db()
    assert lead.first_response_at is None
    assert LeadSla.objects.get(lead=lead).state == LeadSla.State.RUNNING


def test_twilio_is_handed_the_text_with_its_photos_and_where_to_report_delivery(lead, carol, twilio, settings):
    photos = ["https://example.com/p/1.jpg", "https://example.com/p/2.jpg"]
    with at(MONDAY_10):
        message = send_message(lead=lead, channel="sms", body="Here it is", media=photos, actor=carol)
    run_worker_at(MONDAY_10 + timedelta(seconds=1))

    [request] = twilio.requests
    assert request["path"] == "/2010-04-01/Accounts/AC0123456789/Messages.json"
    form = request["form"]
    assert form["To"] == ["+15125550100"]
    assert form["From"] == ["+15125550199"]
    assert form["Body"] == ["Here it is"]
    assert form["MediaUrl"] == photos
    assert form["StatusCallback"] == [f"{settings.BASE_URL}/hooks/twilio/sms/status"]
    message.refresh_from_db()
    assert (message.status, message.provider_id) == ("sent", "SM" + "1".zfill(32))


def test_a_provider_that_fails_is_tried_again_later_and_a_refusal_is_final(lead, carol, twilio):
    twilio.statuses = [500, 400]
    with at(MONDAY_10):
        message = send_message(lead=lead, channel="sms", body="Still interested?", actor=carol)
    run_worker_at(MONDAY_10 + timedelta(seconds=1))
    message.refresh_from_db()
    assert message.status == Message.Status.QUEUED
    assert "500" in message.last_error
    assert message.due_at > MONDAY_10 + timedelta(seconds=20)

    run_worker_at(message.due_at + timedelta(seconds=1))
    message.refresh_from_db()
    assert message.status == Message.Status.FAILED
    assert "400" in message.last_error
    assert len(twilio.requests) == 2


def test_a_message_the_worker_already_holds_is_not_sent_again(lead, carol, twilio):
    with at(MONDAY_10):
        message = send_message(lead=lead, channel="sms", body="Once only", actor=carol)
        assert MESSAGES.deliver(message.pk) == "sent"
        assert MESSAGES.deliver(message.pk) == "skipped"
        Worker().run_once()
    assert len(twilio.requests) == 1


def test_a_customer_without_a_phone_cannot_be_texted_and_nothing_is_stored(texting, carol):
    lead = make_lead(texting, assigned_to=carol, customer={"first_name": "Pat", "emails": ["pat@example.com"]})
    with pytest.raises(NoAddress, match="Pat has no phone number"):
        send_message(lead=lead, channel="sms", body="Hello", actor=carol)
    assert not Message.objects.exists()
    lead.refresh_from_db()
    assert lead.first_response_at is None


def test_an_empty_message_is_refused(lead, carol):
    with pytest.raises(ValueError, match="Write a message"):
        send_message(lead=lead, channel="sms", body="   ", actor=carol)
    assert not Message.objects.exists()


def test_a_dealership_without_a_number_cannot_text(riverside, carol):
    lead = make_lead(riverside, assigned_to=carol)
    with pytest.raises(NoAddress, match="Riverside Toyota has no phone number to text from"):
        send_message(lead=lead, channel="sms", body="Hello", actor=carol)

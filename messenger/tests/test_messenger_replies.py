"""Answering on Messenger: a person's reply is queued, is the lead's first human reply (channel
messenger) and goes through the Send API from the worker; Forecourt's own never count. Meta's
24-hour window, a Graph API that fails, and the page's own messages (echoes) each end clearly."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client

from accounts.models import ApiToken
from conversations.actions import send_message
from conversations.channels import CannotSend, NoAddress
from conversations.models import Message, WebhookCall
from conversations.tasks import MESSAGES
from distribution.tests.conftest import OPEN
from escalations.models import LeadSla
from escalations.tests.support import at, run_worker_at
from leads.models import Lead
from messenger.tests.hooks import PAGE_ID, PAGE_TOKEN, PSID, echo_event, message_event, post_event

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def lead(graph, page, carol) -> Lead:
    """Jordan wrote to Riverside's page at OPEN; the lead is Carol's."""
    graph.profiles[PSID] = ("Jordan", "Sample")
    with at(OPEN):
        post_event(message_event("Is the white Tacoma still available?"))
    run_worker_at(OPEN)
    found = Lead.objects.get()
    Lead.objects.filter(pk=found.pk).update(assigned_to=carol)
    found.refresh_from_db()
    return found


def test_a_salespersons_messenger_reply_is_the_first_reply_and_goes_through_the_send_api_once(lead, carol, graph):
    with at(OPEN + timedelta(minutes=2)):
        message = send_message(lead=lead, channel="messenger", body="Yes, it's here. Come by at 5?", actor=carol)

    lead.refresh_from_db()
    assert (lead.first_response_at, lead.first_response_channel) == (OPEN + timedelta(minutes=2), "messenger")
    assert LeadSla.objects.get(lead=lead).state == LeadSla.State.MET
    assert (message.status, message.from_address, message.to_address) == ("queued", PAGE_ID, PSID)

    run_worker_at(OPEN + timedelta(minutes=2, seconds=1))
    run_worker_at(OPEN + timedelta(minutes=2, seconds=2))

    message.refresh_from_db()
    assert (message.status, message.provider_id) == ("sent", "m_sent0001")
    [request] = graph.sent
    assert request["path"] == "/v21.0/me/messages"
    assert request["auth"] == f"Bearer {PAGE_TOKEN}"
    assert request["json"] == {
        "recipient": {"id": PSID},
        "messaging_type": "RESPONSE",
        "message": {"text": "Yes, it's here. Come by at 5?", "metadata": f"forecourt:{message.key}"},
    }


def test_an_automatic_messenger_message_never_stops_the_clock(lead, graph):
    with at(OPEN + timedelta(minutes=1)):
        send_message(lead=lead, channel="messenger", body="Thanks, a salesperson will answer soon.", actor=None)
    run_worker_at(OPEN + timedelta(minutes=1, seconds=1))

    lead.refresh_from_db()
    assert lead.first_response_at is None
    assert LeadSla.objects.get(lead=lead).state == LeadSla.State.RUNNING
    assert len(graph.sent) == 1


def test_a_graph_api_that_keeps_failing_leaves_the_message_failed_with_the_reason_never_lost(lead, carol, graph):
    graph.statuses = [500] * MESSAGES.max_attempts
    with at(OPEN + timedelta(minutes=2)):
        message = send_message(lead=lead, channel="messenger", body="Still interested?", actor=carol)

    moment = OPEN + timedelta(minutes=2)
    for _ in range(MESSAGES.max_attempts):
        moment += timedelta(hours=2)  # past every back-off
        run_worker_at(moment)

    message.refresh_from_db()
    assert message.status == Message.Status.FAILED
    assert message.attempts == MESSAGES.max_attempts
    assert message.body == "Still interested?"
    assert "HTTP 500" in message.last_error
    assert "Service temporarily unavailable" in message.last_error
    assert PAGE_TOKEN not in message.last_error
    assert len(graph.sent) == MESSAGES.max_attempts


def test_one_failure_of_the_graph_api_is_retried_and_the_message_goes(lead, carol, graph):
    graph.statuses = [503]
    with at(OPEN + timedelta(minutes=2)):
        message = send_message(lead=lead, channel="messenger", body="Still interested?", actor=carol)
    run_worker_at(OPEN + timedelta(minutes=2, seconds=1))
    message.refresh_from_db()
    assert (message.status, message.attempts) == ("queued", 1)
    assert "HTTP 503" in message.last_error

    run_worker_at(OPEN + timedelta(hours=1))

    message.refresh_from_db()
    assert (message.status, message.provider_id) == ("sent", "m_sent0002")


def test_after_24_hours_messenger_refuses_the_reply_clearly_and_stores_nothing(lead, carol):
    with at(OPEN + timedelta(hours=24, minutes=1)), pytest.raises(CannotSend) as refused:
        send_message(lead=lead, channel="messenger", body="Still interested?", actor=carol)

    assert refused.value.code == "messenger_window_closed"
    assert "more than 24 hours ago" in str(refused.value)
    assert lead.conversation.messages.filter(direction="out").count() == 0
    lead.refresh_from_db()
    assert lead.first_response_at is None


def test_a_customer_who_never_wrote_on_messenger_cannot_be_messaged_there(page, carol):
    from conftest import make_lead

    lead = make_lead(page, assigned_to=carol)
    with pytest.raises(NoAddress, match="has not written to Riverside Toyota on Messenger"):
        send_message(lead=lead, channel="messenger", body="Hi", actor=carol)


def test_a_photo_is_refused_on_messenger_before_anything_is_stored(lead, carol):
    with at(OPEN + timedelta(minutes=2)), pytest.raises(ValueError, match="Photos cannot be sent on Messenger"):
        send_message(lead=lead, channel="messenger", body="Look", media=["https://example.com/p.jpg"], actor=carol)
    assert not Message.objects.filter(direction="out").exists()


def test_the_api_sends_on_messenger_and_says_when_the_window_has_closed(lead, carol, graph):
    _, raw = ApiToken.issue(user=carol, scope=ApiToken.Scope.FULL)
    api = Client(headers={"Authorization": f"Bearer {raw}"})
    path = f"/api/v1/leads/{lead.pk}/messages"

    with at(OPEN + timedelta(minutes=5)):
        sent = api.post(path, {"channel": "messenger", "body": "See you at 5"}, content_type="application/json")
    assert sent.status_code == 202
    assert (sent.json()["channel"], sent.json()["to"], sent.json()["sent_by"]) == ("messenger", PSID, carol.email)

    with at(OPEN + timedelta(hours=25)):
        late = api.post(path, {"channel": "messenger", "body": "Still there?"}, content_type="application/json")
        thread = api.get(path)
    assert late.status_code == 409
    assert late.json()["error"]["code"] == "messenger_window_closed"
    assert [(m["channel"], m["direction"], m["body"]) for m in thread.json()] == [
        ("messenger", "in", "Is the white Tacoma still available?"),
        ("messenger", "out", "See you at 5"),
    ]


def test_a_message_the_page_sent_in_messenger_is_synced_into_the_thread_once(lead, graph):
    body = echo_event("Hi Jordan, this is Dana from Riverside.", mid="m_page0001")
    with at(OPEN + timedelta(minutes=3)):
        post_event(body)
        post_event(body)
    run_worker_at(OPEN + timedelta(minutes=3, seconds=1))

    [echo] = lead.conversation.messages.filter(direction="out")
    assert (echo.channel, echo.status, echo.body) == ("messenger", "sent", "Hi Jordan, this is Dana from Riverside.")
    assert (echo.provider_id, echo.to_address, echo.sent_by) == ("m_page0001", PSID, None)
    assert not graph.sent  # synced, not sent again


def test_the_echo_of_forecourts_own_reply_adds_nothing(lead, carol, graph):
    with at(OPEN + timedelta(minutes=2)):
        message = send_message(lead=lead, channel="messenger", body="Come by at 5?", actor=carol)
    run_worker_at(OPEN + timedelta(minutes=2, seconds=1))
    message.refresh_from_db()

    with at(OPEN + timedelta(minutes=2, seconds=5)):
        post_event(echo_event("Come by at 5?", mid=message.provider_id, metadata=f"forecourt:{message.key}"))
    run_worker_at(OPEN + timedelta(minutes=2, seconds=6))

    assert list(lead.conversation.messages.filter(direction="out")) == [message]
    assert WebhookCall.objects.latest("id").status == WebhookCall.Status.IGNORED


def test_a_delivery_receipt_marks_the_reply_delivered(lead, carol, graph):
    with at(OPEN + timedelta(minutes=2)):
        message = send_message(lead=lead, channel="messenger", body="Come by at 5?", actor=carol)
    run_worker_at(OPEN + timedelta(minutes=2, seconds=1))
    message.refresh_from_db()

    receipt = {
        "sender": {"id": PSID},
        "recipient": {"id": PAGE_ID},
        "timestamp": 1773673400000,
        "delivery": {"mids": [message.provider_id], "watermark": 1773673400000},
    }
    with at(OPEN + timedelta(minutes=3)):
        post_event({"object": "page", "entry": [{"id": PAGE_ID, "time": 1773673400000, "messaging": [receipt]}]})
    run_worker_at(OPEN + timedelta(minutes=3, seconds=1))

    message.refresh_from_db()
    assert message.status == Message.Status.DELIVERED


def test_an_echo_that_comes_before_forecourt_recorded_its_reply_adds_nothing_even_without_metadata(lead, carol, graph):
    from conversations.webhook_calls import process_call

    with at(OPEN + timedelta(minutes=2)):
        message = send_message(lead=lead, channel="messenger", body="Come by at 5?", actor=carol)
        post_event(echo_event("Come by at 5?", mid="m_sent0001"))
        call = WebhookCall.objects.latest("id")
        assert process_call(call.pk) == WebhookCall.Status.IGNORED
    run_worker_at(OPEN + timedelta(minutes=2, seconds=1))

    message.refresh_from_db()
    assert (message.status, message.provider_id) == ("sent", "m_sent0001")
    assert list(lead.conversation.messages.filter(direction="out")) == [message]

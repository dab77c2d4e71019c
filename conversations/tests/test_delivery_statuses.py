"""Twilio's delivery status callbacks move a sent text forward (delivered, undelivered with the
carrier's reason in words), never backwards, and a callback for a text Forecourt does not know is
kept and changes nothing."""

from __future__ import annotations

import pytest
import time_machine

from conftest import make_lead
from conversations.actions import send_message
from conversations.models import Message, WebhookCall
from conversations.tasks import MESSAGES
from conversations.tests.hooks import STATUS_HOOK, post_hook
from distribution.tests.conftest import OPEN

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def sent(twilio, texting, carol) -> Message:
    """A text Carol sent her customer, handed to Twilio (FakeTwilio gave it its sid)."""
    lead = make_lead(texting, assigned_to=carol)
    message = send_message(lead=lead, channel="sms", body="Hi Jordan, it's Carol.", actor=carol)
    assert MESSAGES.deliver(message.pk) == "sent"
    message.refresh_from_db()
    return message


def status(message: Message, reported: str, **more: str):
    fields = {"MessageSid": message.provider_id, "AccountSid": "AC0123456789", "MessageStatus": reported, **more}
    return post_hook(STATUS_HOOK, fields)


@time_machine.travel(OPEN, tick=False)
def test_a_delivered_callback_marks_the_text_delivered_with_its_time(sent):
    answer = status(sent, "delivered")

    assert answer.status_code == 200
    sent.refresh_from_db()
    assert (sent.status, sent.delivered_at) == (Message.Status.DELIVERED, OPEN)
    call = WebhookCall.objects.get()
    assert (call.status, call.message) == (WebhookCall.Status.PROCESSED, sent)


@time_machine.travel(OPEN, tick=False)
def test_an_undelivered_text_says_why_in_words(sent):
    status(sent, "undelivered", ErrorCode="30007", ErrorMessage="Carrier violation")

    sent.refresh_from_db()
    assert sent.status == Message.Status.UNDELIVERED
    assert sent.last_error == "30007: message filtered as spam"
    assert sent.delivered_at is None


@time_machine.travel(OPEN, tick=False)
def test_an_error_code_forecourt_has_no_words_for_keeps_twilios_own(sent):
    status(sent, "failed", ErrorCode="30999", ErrorMessage="Something new at the carrier")

    sent.refresh_from_db()
    assert (sent.status, sent.last_error) == (Message.Status.FAILED, "30999: Something new at the carrier")


@time_machine.travel(OPEN, tick=False)
def test_a_late_sent_or_queued_callback_never_undoes_delivered(sent):
    status(sent, "delivered")
    status(sent, "sent")
    status(sent, "queued")

    sent.refresh_from_db()
    assert sent.status == Message.Status.DELIVERED
    calls = list(WebhookCall.objects.order_by("pk"))
    assert [c.status for c in calls] == ["processed", "ignored", "ignored"]
    assert calls[1].reason == "'sent' came after the message was already delivered."
    assert calls[2].reason == "'queued' changes nothing Forecourt shows."


@time_machine.travel(OPEN, tick=False)
def test_sent_then_delivered_in_order_ends_delivered(sent):
    status(sent, "sent")
    status(sent, "delivered")

    sent.refresh_from_db()
    assert sent.status == Message.Status.DELIVERED


@time_machine.travel(OPEN, tick=False)
def test_a_callback_for_a_text_forecourt_does_not_know_is_kept_and_answered_200(twilio, texting):
    answer = post_hook(STATUS_HOOK, {"MessageSid": "SM404", "MessageStatus": "delivered"})

    assert answer.status_code == 200
    call = WebhookCall.objects.get()
    assert (call.status, call.reason) == (WebhookCall.Status.IGNORED, "No message Forecourt sent has the id SM404.")


def test_a_callback_without_its_fields_is_refused_and_kept_failed(twilio, texting):
    answer = post_hook(STATUS_HOOK, {"MessageSid": "SM1"})

    assert answer.status_code == 400
    call = WebhookCall.objects.get()
    assert call.status == WebhookCall.Status.FAILED
    assert "no MessageStatus" in call.reason


def test_an_unsigned_callback_is_refused_and_changes_nothing(sent):
    fields = {"MessageSid": sent.provider_id, "MessageStatus": "delivered"}

    answer = post_hook(STATUS_HOOK, fields, signed=False)

    assert answer.status_code == 403
    sent.refresh_from_db()
    assert sent.status == Message.Status.SENT
    assert not WebhookCall.objects.exists()


@time_machine.travel(OPEN, tick=False)
def test_an_undelivered_text_without_an_error_code_says_what_the_carrier_reported(sent):
    status(sent, "undelivered")

    sent.refresh_from_db()
    assert sent.last_error == "the carrier reported it undelivered"

"""Twilio's inbound text webhook: only a signed request is taken; it is kept as it came, answered
at once with empty TwiML, and the worker puts the text on its lead after, once, however often
Twilio sends it."""

from __future__ import annotations

from collections import Counter

import pytest
import time_machine
from django.test import Client

from conftest import make_lead
from conversations.models import Message, WebhookCall
from conversations.tests.hooks import SMS_HOOK, post_hook, text_fields
from conversations.webhook_calls import process_call, sweep_webhook_calls
from distribution.tests.conftest import OPEN
from distribution.tests.test_races import in_threads
from forecourt.worker import Worker
from leads.models import Customer, Lead
from notifications.models import Kind, Notification

pytestmark = pytest.mark.django_db(transaction=True)
EMPTY_TWIML = b'<?xml version="1.0" encoding="UTF-8"?><Response />'


@time_machine.travel(OPEN, tick=False)
def test_a_signed_text_is_answered_with_empty_twiml_and_lands_on_the_lead_once_the_worker_runs(twilio, texting, carol):
    lead = make_lead(texting, assigned_to=carol)

    answer = post_hook(SMS_HOOK, text_fields("Can I come at 5?"))

    assert answer.status_code == 200
    assert answer["Content-Type"].startswith("text/xml")
    assert answer.content == EMPTY_TWIML
    [call] = WebhookCall.objects.all()
    assert (call.status, call.provider_id, call.field("Body")) == ("received", "SM0001", "Can I come at 5?")
    assert not Message.objects.exists()

    Worker().run_once()

    call.refresh_from_db()
    assert call.status == WebhookCall.Status.PROCESSED
    assert call.message is not None
    assert call.message.lead == lead
    assert list(lead.conversation.messages.values_list("direction", "body")) == [("in", "Can I come at 5?")]
    assert Notification.objects.filter(kind=Kind.CUSTOMER_REPLIED, lead=lead, user=carol).exists()


@pytest.mark.parametrize("signature", ["forged", "missing", "other token"])
def test_a_text_without_twilios_signature_is_refused_and_nothing_is_stored(twilio, texting, signature):
    fields = text_fields()
    if signature == "forged":
        answer = post_hook(SMS_HOOK, {**fields, "Body": "changed after signing"}, signed_fields=fields)
    elif signature == "missing":
        answer = post_hook(SMS_HOOK, fields, signed=False)
    else:
        answer = post_hook(SMS_HOOK, fields, token="someone-elses-token")

    assert answer.status_code == 403
    assert not WebhookCall.objects.exists()
    assert not Message.objects.exists()
    assert not Lead.objects.exists()


def test_a_text_missing_twilios_fields_is_refused_and_kept_as_failed_with_the_reason(twilio, texting):
    fields = text_fields()
    del fields["From"]

    answer = post_hook(SMS_HOOK, fields)

    assert answer.status_code == 400
    assert b"no From" in answer.content
    [call] = WebhookCall.objects.all()
    assert call.status == WebhookCall.Status.FAILED
    assert call.reason == "A text needs MessageSid, From and To; this one has no From."
    assert call.field("Body") == "Is the truck still there?"
    Worker().run_once()
    assert not Message.objects.exists()


def test_a_text_to_a_number_no_dealership_texts_from_is_kept_with_the_reason_and_answered_200(twilio, texting):
    answer = post_hook(SMS_HOOK, text_fields(to="+15125550999"))

    # 200, so that Twilio does not send it again and again.
    assert answer.status_code == 200
    assert answer.content == EMPTY_TWIML
    [call] = WebhookCall.objects.all()
    assert call.status == WebhookCall.Status.IGNORED
    assert call.reason.startswith("No dealership texts from +15125550999.")
    Worker().run_once()
    assert not Message.objects.exists()
    assert not Lead.objects.exists()


def test_a_body_of_ten_megabytes_is_refused_before_it_is_read_and_nothing_is_stored(twilio, texting):
    fields = text_fields("x" * (10 * 1024 * 1024))

    answer = post_hook(SMS_HOOK, fields)

    assert answer.status_code == 413
    assert not WebhookCall.objects.exists()


def test_a_body_announced_as_ten_megabytes_is_refused_from_its_length_alone(twilio, texting):
    answer = Client().generic(
        "POST",
        SMS_HOOK,
        b"MessageSid=SM1",
        content_type="application/x-www-form-urlencoded",
        CONTENT_LENGTH=str(10 * 1024 * 1024),
    )

    assert answer.status_code == 413
    assert not WebhookCall.objects.exists()


def test_a_long_body_that_is_not_a_form_is_refused_from_its_length_alone(twilio, texting):
    answer = Client().generic(
        "POST", SMS_HOOK, b"{}", content_type="application/json", CONTENT_LENGTH=str(10 * 1024 * 1024)
    )

    assert answer.status_code == 413
    assert not WebhookCall.objects.exists()


@time_machine.travel(OPEN, tick=False)
def test_a_text_with_an_unreadable_photo_count_still_lands_without_photos(twilio, texting, carol):
    lead = make_lead(texting, assigned_to=carol)

    post_hook(SMS_HOOK, {**text_fields("Hello"), "NumMedia": "two"})
    Worker().run_once()

    assert list(lead.conversation.messages.values_list("body", "media")) == [("Hello", [])]


@time_machine.travel(OPEN, tick=False)
def test_a_text_to_a_number_the_dealership_gave_up_before_the_worker_ran_is_kept_and_ignored(twilio, texting):
    post_hook(SMS_HOOK, text_fields("Hello"))
    texting.leads_phone = ""
    texting.save()

    Worker().run_once()

    call = WebhookCall.objects.get()
    assert (call.status, call.reason) == (WebhookCall.Status.IGNORED, "No dealership texts from +15125550199.")
    assert not Message.objects.exists()


def test_only_post_is_answered(twilio, texting):
    assert Client().get(SMS_HOOK).status_code == 405


@time_machine.travel(OPEN, tick=False)
def test_the_same_text_sent_twice_by_twilio_is_one_message_and_the_second_call_says_why(twilio, texting, carol):
    lead = make_lead(texting, assigned_to=carol)

    first = post_hook(SMS_HOOK, text_fields("Still there?"))
    second = post_hook(SMS_HOOK, text_fields("Still there?"))
    Worker().run_once()

    assert (first.status_code, second.status_code) == (200, 200)
    assert lead.conversation.messages.count() == 1
    calls = list(WebhookCall.objects.order_by("pk"))
    assert [c.status for c in calls] == ["processed", "ignored"]
    assert calls[1].reason == f"The same text (SM0001) was already received; it is on lead {lead.pk} once."
    assert Notification.objects.filter(kind=Kind.CUSTOMER_REPLIED, user=carol).count() == 1


@time_machine.travel(OPEN, tick=True)
def test_ten_copies_of_a_new_numbers_text_at_once_make_one_message_one_customer_and_one_lead(twilio, texting, carol):
    fields = text_fields("How much for the RAM?", sender="+15125550177")

    answers = in_threads(10, lambda i: post_hook(SMS_HOOK, fields))
    calls = list(WebhookCall.objects.values_list("pk", flat=True))
    statuses = in_threads(10, lambda i: process_call(calls[i]))

    assert Counter(a.status_code for a in answers) == {200: 10}
    assert Counter(statuses) == {"processed": 1, "ignored": 9}
    assert Message.objects.filter(provider_id="SM0001").count() == 1
    assert Customer.objects.count() == 1
    assert Lead.objects.count() == 1


@time_machine.travel(OPEN, tick=False)
def test_a_text_whose_task_was_lost_is_taken_in_by_the_worker_sweep(twilio, texting, carol):
    from django_tasks_db.models import DBTaskResult

    lead = make_lead(texting, assigned_to=carol)
    post_hook(SMS_HOOK, text_fields("Hello?"))
    DBTaskResult.objects.all().delete()  # the web process died before its task was queued

    assert sweep_webhook_calls() == 1

    assert lead.conversation.messages.get().body == "Hello?"
    assert WebhookCall.objects.get().status == WebhookCall.Status.PROCESSED

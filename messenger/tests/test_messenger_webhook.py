"""Meta's webhook: the subscription check, and page events taken only when signed with the app
secret, kept as they came, then put on the customer's lead by the worker, once per message id."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
import time_machine
from django.test import Client

from conversations.models import Message, WebhookCall
from distribution.tests.conftest import OPEN
from forecourt.worker import Worker
from leads.models import Lead
from messenger.models import MessengerContact
from messenger.tests.hooks import HOOK, PAGE_TOKEN, PSID, VERIFY_TOKEN, message_event, post_event
from notifications.models import Kind, Notification

pytestmark = pytest.mark.django_db(transaction=True)


def test_meta_subscribing_the_webhook_gets_its_challenge_back_only_with_our_verify_token(graph):
    ask = {"hub.mode": "subscribe", "hub.challenge": "1158201444", "hub.verify_token": VERIFY_TOKEN}

    answer = Client().get(HOOK, ask)
    assert (answer.status_code, answer.content) == (200, b"1158201444")

    wrong = Client().get(HOOK, {**ask, "hub.verify_token": "guess"})
    assert wrong.status_code == 403
    assert b"1158201444" not in wrong.content
    assert Client().get(HOOK, {**ask, "hub.mode": "unsubscribe"}).status_code == 400


def test_without_a_verify_token_set_no_subscription_check_passes(graph, settings):
    settings.MESSENGER_VERIFY_TOKEN = ""
    answer = Client().get(HOOK, {"hub.mode": "subscribe", "hub.challenge": "42", "hub.verify_token": ""})
    assert answer.status_code == 403


@time_machine.travel(OPEN, tick=False)
def test_a_first_message_makes_a_lead_named_from_the_profile_and_tells_its_salesperson(graph, page, carol):
    graph.profiles[PSID] = ("Jordan", "Sample")

    answer = post_event(message_event("Is the white Tacoma still available?"))

    assert (answer.status_code, answer.content) == (200, b"EVENT_RECEIVED")
    [call] = WebhookCall.objects.all()
    assert (call.status, call.provider, call.kind, call.provider_id) == (
        "received",
        "messenger",
        "messenger",
        "m_in0001",
    )
    assert "Is the white Tacoma still available?" in call.body
    assert not Lead.objects.exists()

    Worker().run_once()

    call.refresh_from_db()
    assert call.status == WebhookCall.Status.PROCESSED
    [lead] = Lead.objects.all()
    assert (lead.customer.first_name, lead.customer.last_name) == ("Jordan", "Sample")
    assert (lead.source_name, lead.source_kind) == ("Facebook Messenger", Lead.SourceKind.MESSENGER)
    assert lead.assigned_to is not None
    assert Notification.objects.filter(user=lead.assigned_to, lead=lead, kind=Kind.NEW_LEAD).exists()
    [message] = lead.conversation.messages.all()
    assert (message.channel, message.direction, message.body) == (
        "messenger",
        "in",
        "Is the white Tacoma still available?",
    )
    assert (message.from_address, message.to_address) == (PSID, page.messenger_page_id)
    assert call.message == message
    [profile_ask] = graph.fetches
    assert profile_ask["path"].endswith(f"/{PSID}")
    assert profile_ask["query"] == {"fields": ["first_name,last_name"]}
    assert profile_ask["auth"] == f"Bearer {PAGE_TOKEN}"


@time_machine.travel(OPEN, tick=False)
def test_a_later_message_from_the_same_person_goes_on_the_same_lead_and_tells_the_assignee(graph, page, carol):
    graph.profiles[PSID] = ("Jordan", "Sample")
    post_event(message_event("Is the white Tacoma still available?"))
    Worker().run_once()

    post_event(message_event("Can I come by at 5?", mid="m_in0002"))
    Worker().run_once()

    [lead] = Lead.objects.all()
    assert list(lead.conversation.messages.values_list("body", flat=True)) == [
        "Is the white Tacoma still available?",
        "Can I come by at 5?",
    ]
    replied = Notification.objects.get(user=lead.assigned_to, lead=lead, kind=Kind.CUSTOMER_REPLIED)
    assert "Jordan Sample wrote on Messenger: Can I come by at 5?" in replied.text
    assert MessengerContact.objects.get().customer == lead.customer
    assert len(graph.fetches) == 1  # the name is asked once, for someone new


@time_machine.travel(OPEN, tick=False)
def test_a_person_whose_profile_meta_will_not_give_still_becomes_a_lead(graph, page, carol):
    post_event(message_event("hello?"))
    Worker().run_once()

    [lead] = Lead.objects.all()
    assert lead.customer.display_name == "Unknown"
    assert lead.conversation.messages.get().body == "hello?"


@pytest.mark.parametrize("forgery", ["changed body", "other secret", "missing"])
def test_a_request_without_the_app_secrets_signature_is_refused_and_nothing_is_stored(graph, page, forgery):
    body = message_event()
    if forgery == "changed body":
        signed = json.dumps(message_event("something else")).encode()
        answer = post_event(body, signed_body=signed)
    elif forgery == "other secret":
        answer = post_event(body, secret="not-our-secret")
    else:
        answer = post_event(body, signed=False)

    assert answer.status_code == 403
    assert not WebhookCall.objects.exists()
    Worker().run_once()
    assert not Message.objects.exists()
    assert not Lead.objects.exists()


def test_without_an_app_secret_set_every_event_is_refused(graph, page, settings):
    settings.MESSENGER_APP_SECRET = ""
    assert post_event(message_event(), secret="").status_code == 403
    assert not WebhookCall.objects.exists()


@time_machine.travel(OPEN, tick=False)
def test_an_event_meta_sends_again_is_kept_but_the_message_is_stored_once(graph, page, carol):
    body = message_event("Is the white Tacoma still available?")
    assert post_event(body).status_code == 200
    Worker().run_once()
    assert post_event(body).status_code == 200
    Worker().run_once()

    assert Message.objects.count() == 1
    assert Lead.objects.count() == 1
    first, second = WebhookCall.objects.order_by("id")
    assert first.status == WebhookCall.Status.PROCESSED
    assert second.status == WebhookCall.Status.IGNORED
    assert second.reason == "Nothing new: every event was already taken."


def test_a_signed_body_that_is_not_json_is_kept_as_failed_with_the_reason(graph, page):
    raw = b'{"object": "page", "entry": [ {"id": '

    answer = post_event(raw)

    assert answer.status_code == 400
    assert b"not JSON" in answer.content
    [call] = WebhookCall.objects.all()
    assert call.status == WebhookCall.Status.FAILED
    assert call.body == raw.decode()
    assert call.reason.startswith("The body is not JSON")
    Worker().run_once()
    assert not Message.objects.exists()


def test_an_event_about_something_other_than_a_page_is_refused_and_kept(graph, page):
    answer = post_event({"object": "instagram", "entry": []})
    assert answer.status_code == 400
    assert WebhookCall.objects.get().reason == "Only page events are taken; this one is about 'instagram'."


@time_machine.travel(OPEN, tick=False)
def test_a_message_to_a_page_no_dealership_connected_is_kept_with_the_reason_and_makes_nothing(graph, page):
    answer = post_event(message_event(page_id="999000999"))

    assert answer.status_code == 200  # Meta would send it again and again otherwise
    [call] = WebhookCall.objects.all()
    assert call.status == WebhookCall.Status.IGNORED
    assert "No dealership has connected the Facebook page 999000999" in call.reason
    Worker().run_once()
    assert not Lead.objects.exists()


@time_machine.travel(OPEN, tick=False)
def test_a_photo_the_customer_sends_is_kept_by_forecourt(graph, page, carol):
    url = graph.add_file("tacoma.jpg", b"\xff\xd8photo-bytes")

    post_event(message_event("", attachments=[url]))
    Worker().run_once()

    message = Message.objects.get()
    [kept] = message.media_files.all()
    assert kept.content is not None
    assert bytes(kept.content) == b"\xff\xd8photo-bytes"
    assert message.media == [kept.url]


def test_a_photo_meta_will_not_hand_over_yet_leaves_the_message_and_is_fetched_on_a_later_try(graph, page, carol):
    url = graph.add_file("tacoma.jpg", b"\xff\xd8photo-bytes")
    graph.file_statuses = [503]

    with time_machine.travel(OPEN, tick=False):
        post_event(message_event("Here it is", attachments=[url]))
        Worker().run_once()

    message = Message.objects.get()
    assert message.body == "Here it is"
    assert "Not every photo could be kept" in message.last_error
    call = WebhookCall.objects.get()
    assert call.status == WebhookCall.Status.RECEIVED
    assert "HTTP 503" in call.reason

    with time_machine.travel(OPEN + timedelta(hours=1), tick=False):
        Worker().run_once()

    message.refresh_from_db()
    call.refresh_from_db()
    assert call.status == WebhookCall.Status.PROCESSED
    assert (len(message.media), message.last_error) == (1, "")
    assert Message.objects.count() == 1


def test_a_body_longer_than_any_of_metas_is_refused_unread_and_nothing_is_stored(graph, page):
    raw = json.dumps({"object": "page", "entry": [], "padding": "x" * (1024 * 1024)}).encode()

    answer = post_event(raw)

    assert answer.status_code == 413
    assert not WebhookCall.objects.exists()

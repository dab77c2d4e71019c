"""What a visitor (or a script posing as one) can send that makes nothing: a flood, an empty or
oversized message, no way to reach them, a forged token. Each gets a clear answer, and what was
posted within the limits is kept."""

from __future__ import annotations

import json

import pytest

from chat.models import ChatHit, ChatPost
from chat.tests.conftest import Widget
from conversations.models import Message
from leads.models import Lead


def test_a_flood_from_one_visitor_is_held_back_with_429_and_what_came_before_is_kept(widget, settings):
    settings.CHAT_MESSAGES_PER_VISITOR = 3
    widget.start()  # the first message counts as a new chat, against the address
    answers = [widget.post({"body": f"hello {n}"}) for n in range(5)]
    assert [a.status_code for a in answers] == [201, 201, 201, 429, 429]
    refused = answers[3]
    assert refused.json()["error"]["code"] == "rate_limited"
    assert "3 a minute at most" in refused.json()["error"]["message"]
    assert 1 <= int(refused["Retry-After"]) <= 60
    assert refused["Access-Control-Allow-Origin"]  # the widget can read the answer and say so
    bodies = list(Message.objects.filter(direction="in").values_list("body", flat=True))
    assert bodies == ["Is the RAM 2500 still there?", "hello 0", "hello 1", "hello 2"]


def test_new_chats_from_one_address_are_limited_but_not_other_visitors(chatting, settings):
    settings.CHAT_NEW_CHATS_PER_ADDRESS = 2
    one_address = [Widget(chatting.slug, address="203.0.113.7") for _ in range(3)]
    answers = [w.start(phone=f"512-555-01{n:02}") for n, w in enumerate(one_address)]
    assert [a.status_code for a in answers] == [201, 201, 429]
    assert "Too many new chats from this connection" in answers[2].json()["error"]["message"]
    assert Widget(chatting.slug, address="198.51.100.9").start(phone="512-555-0188").status_code == 201


def test_a_whole_website_is_limited_too(chatting, settings):
    settings.CHAT_MESSAGES_PER_SITE = 3
    answers = [Widget(chatting.slug, address=f"203.0.113.{n}").start(phone=f"512-555-01{n:02}") for n in range(4)]
    assert [a.status_code for a in answers] == [201, 201, 201, 429]
    assert "very busy" in answers[3].json()["error"]["message"]
    assert ChatHit.objects.count() == 3  # a refused request leaves no count behind


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"body": "   ", "name": "Jordan", "phone": "512-555-0100"}, "empty"),
        ({"name": "Jordan", "phone": "512-555-0100"}, "empty"),
        ({"body": "x" * 2001, "name": "Jordan", "phone": "512-555-0100"}, "too_long"),
        ({"body": "Hi", "name": "", "phone": "512-555-0100"}, "contact_needed"),
        ({"body": "Hi", "name": "Jordan"}, "contact_needed"),
        ({"body": "Hi", "name": "Jordan", "phone": "call me"}, "contact_needed"),
        ({"body": "Hi", "name": "Jordan", "email": "jordan@"}, "contact_needed"),
        ({"body": ["Hi"], "name": "Jordan", "phone": "512-555-0100"}, "empty"),
    ],
)
def test_a_first_message_that_cannot_be_taken_is_refused_and_kept(widget, body, code):
    answer = widget.post(body)
    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == code
    assert not Lead.objects.exists()
    assert not widget.token
    post = ChatPost.objects.get()
    assert post.status == "refused"
    assert post.reason == answer.json()["error"]["message"]
    assert post.raw == json.dumps(body)


def test_the_widget_is_told_which_fields_to_fix(widget):
    answer = widget.post({"body": "Hi", "name": "", "phone": "call me"})
    fields = answer.json()["error"]["fields"]
    assert fields == {"name": "Please tell us your name.", "phone": "“call me” is not a phone number we can reach."}


def test_a_body_that_is_not_json_is_kept_and_refused(widget):
    answer = widget.post(raw="body=hello")
    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "bad_request"
    assert ChatPost.objects.get().raw == "body=hello"


def test_an_oversized_post_is_not_even_read(widget):
    answer = widget.post({"body": "x" * 20000, "name": "Jordan", "phone": "512-555-0100"})
    assert answer.status_code == 413
    assert "at most 2,000 characters" in answer.json()["error"]["message"]
    assert not ChatPost.objects.exists()


def test_a_forged_token_reads_nothing_and_writes_nothing(widget, chatting):
    widget.start(body="My private question")
    forger = Widget(chatting.slug, address="198.51.100.9")
    forger.token = widget.token[:-2] + ("AA" if not widget.token.endswith("AA") else "BB")
    read = forger.poll()
    assert read.status_code == 403
    assert read.json()["error"]["code"] == "unknown_visitor"
    written = forger.post({"body": "I am Jordan now"})
    assert written.status_code == 403
    assert written.json()["error"]["code"] == "unknown_visitor"
    assert not Message.objects.filter(body="I am Jordan now").exists()
    kept = ChatPost.objects.get(raw__contains="I am Jordan now")
    assert kept.status == "refused"
    assert kept.visitor is None


def test_a_token_of_another_dealership_is_unknown_here(widget, chatting, lakeside):
    widget.start()
    lakeside.chat_origins = [widget.origin]
    lakeside.save()
    elsewhere = Widget(lakeside.slug)
    elsewhere.token = widget.token
    assert elsewhere.poll().status_code == 403


def test_a_poll_with_a_bad_after_is_a_clear_400(widget):
    widget.start()
    answer = widget.poll(after="-1")
    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "bad_after"


def test_a_nul_in_a_message_does_not_break_the_database(widget):
    answer = widget.post(raw=json.dumps({"body": "hi\u0000 there", "name": "Jor\u0000dan", "phone": "512-555-0100"}))
    assert answer.status_code == 201
    assert Message.objects.filter(direction="in").get().body == "hi there"


def test_a_visitor_held_back_may_write_again_once_the_minute_is_over(widget, settings):
    from datetime import timedelta

    from django.utils import timezone

    settings.CHAT_MESSAGES_PER_VISITOR = 1
    widget.start()
    assert widget.post({"body": "one"}).status_code == 201
    assert widget.post({"body": "two"}).status_code == 429
    ChatHit.objects.update(at=timezone.now() - timedelta(minutes=61))  # time passes
    assert widget.post({"body": "two, again"}).status_code == 201
    assert ChatHit.objects.count() == 1  # counts older than every window are gone

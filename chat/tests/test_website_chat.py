"""A visitor chats on Riverside Toyota's website: the script, the lead it makes through the one door,
the salesperson's answer from the lead page, and what the visitor's widget shows."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from chat.models import ChatPost, ChatVisitor
from chat.tests.conftest import SITE, Widget
from conversations.models import Message
from leads.models import Lead
from notifications.models import Notification


def test_the_script_is_javascript_for_the_dealership_cached_briefly(client, chatting):
    answer = client.get(f"/chat/{chatting.slug}.js")
    assert answer.status_code == 200
    assert answer["Content-Type"] == "text/javascript; charset=utf-8"
    assert answer["Cache-Control"] == "public, max-age=300"
    text = answer.content.decode()
    assert '"slug": "riverside-toyota"' in text
    assert SITE in text
    assert len(answer.content) < 16 * 1024  # a few kB, no framework

    missing = client.get("/chat/no-such-dealer.js")
    assert missing.status_code == 404
    assert "no dealership 'no-such-dealer'" in missing.content.decode()


def test_a_first_message_makes_a_chat_lead_that_is_assigned_and_its_assignee_told(widget, chatting, carol):
    answer = widget.start(body="Is the RAM 2500 still there?", name="Jordan Sample", phone="512 555 0100")
    assert answer.status_code == 201, answer.content
    assert answer["Access-Control-Allow-Origin"] == SITE
    assert len(widget.token) >= 32  # 192 random bits

    lead = Lead.objects.get()
    assert lead.source_name == "Chat"
    assert lead.source_kind == Lead.SourceKind.CHAT
    assert lead.assigned_to == carol  # distributed like every new lead
    assert lead.customer.display_name == "Jordan Sample"
    assert [p.number for p in lead.customer.phones.all()] == ["+15125550100"]
    assert Notification.objects.filter(user=carol, lead=lead).exists()
    thread = list(lead.conversation.messages.all())
    assert [(m.channel, m.direction, m.automated) for m in thread] == [("chat", "in", False), ("chat", "out", True)]
    assert thread[0].body == "Is the RAM 2500 still there?"
    # The automatic acknowledgement is not a human reply: the SLA clock keeps running.
    lead.refresh_from_db()
    assert lead.first_response_at is None
    # The widget shows the visitor's message and the acknowledgement at once.
    shown = answer.json()["messages"]
    assert [m["from"] for m in shown] == ["you", "dealer"]
    assert shown[1]["body"].startswith("Thanks, Jordan! Someone from Riverside Toyota will answer you right here.")
    post = ChatPost.objects.get()
    assert post.status == "taken"
    assert post.message == thread[0]
    assert '"Is the RAM 2500 still there?"' in post.raw


def test_a_salesperson_answers_from_the_lead_page_and_the_visitor_sees_it(widget, chatting, carol, client_for):
    widget.start()
    lead = Lead.objects.get()
    seen = max(m["id"] for m in widget.poll().json()["messages"])

    page = client_for(carol)
    lead_page = page.get(f"/leads/{lead.pk}/")
    assert 'name="channel"' in lead_page.content.decode()  # the composer offers the chat
    sent = page.post(f"/leads/{lead.pk}/conversation/send/", {"body": "Yes it is! Come by at 5?", "channel": "chat"})
    assert sent.status_code == 302

    answer = Message.objects.get(body="Yes it is! Come by at 5?")
    assert answer.channel == "chat"
    assert answer.sent_by == carol
    assert not answer.automated
    lead.refresh_from_db()
    assert lead.first_response_at == answer.created_at
    assert lead.first_response_channel == "chat"

    news = widget.poll(after=seen).json()["messages"]
    assert [(m["from"], m["name"], m["body"]) for m in news] == [
        ("dealer", "Carol Seller · Riverside Toyota", "Yes it is! Come by at 5?")
    ]
    answer.refresh_from_db()
    assert answer.status == "delivered"  # the widget has it
    assert widget.poll(after=news[0]["id"]).json()["messages"] == []

    widget.post({"body": "See you then"})
    assert lead.conversation.messages.filter(direction="in").count() == 2
    # Carol is told of the next message on her lead.
    assert Notification.objects.filter(user=carol, lead=lead, text__contains="See you then").exists()
    thread_html = page.get(f"/leads/{lead.pk}/conversation/").content.decode()
    assert "See you then" in thread_html
    assert "Chat" in thread_html


def test_the_api_sends_in_the_chat(widget, chatting, carol, api_for):
    widget.start()
    lead = Lead.objects.get()
    answer = api_for(carol).post(f"/leads/{lead.pk}/messages", {"channel": "chat", "body": "Hello from the API"})
    assert answer.status_code == 202, answer.content
    assert answer.json()["channel"] == "chat"
    listed = api_for(carol).get(f"/leads/{lead.pk}/messages").json()
    assert [m["channel"] for m in listed] == ["chat", "chat", "chat"]


def test_a_visitor_who_left_is_answered_by_text_and_the_thread_says_so(widget, chatting, carol, client_for):
    widget.start()
    lead = Lead.objects.get()
    ChatVisitor.objects.update(last_seen_at=timezone.now() - timedelta(minutes=5))

    page = client_for(carol)
    page.post(f"/leads/{lead.pk}/conversation/send/", {"body": "Still interested?", "channel": "chat"})
    answer = Message.objects.get(body="Still interested?")
    assert answer.channel == "sms"
    assert answer.to_address == "+15125550100"
    assert answer.note == "Jordan Sample had left the chat, so this went by text to +15125550100."
    assert "had left the chat, so this went by text" in page.get(f"/leads/{lead.pk}/conversation/").content.decode()
    lead.refresh_from_db()
    assert lead.first_response_channel == "sms"


def test_a_visitor_who_left_and_opted_out_of_texts_keeps_the_answer_in_the_chat(widget, chatting, carol, client_for):
    from conversations.consent import record_consent

    widget.start()
    lead = Lead.objects.get()
    record_consent(customer=lead.customer, channel="sms", state="opted_out", source="keyword", text="STOP", actor=None)
    ChatVisitor.objects.update(last_seen_at=timezone.now() - timedelta(minutes=5))
    client_for(carol).post(f"/leads/{lead.pk}/conversation/send/", {"body": "Any questions?", "channel": "chat"})
    answer = Message.objects.get(body="Any questions?")
    assert answer.channel == "chat"
    assert answer.note == ""
    # When the visitor comes back, the widget shows it.
    assert "Any questions?" in [m["body"] for m in widget.poll().json()["messages"]]


def test_a_returning_customer_joins_their_open_lead_but_never_reads_the_earlier_chat(chatting, carol):
    first = Widget(chatting.slug)
    first.start(body="My trade is a 2012 Civic, private stuff")
    second = Widget(chatting.slug, address="198.51.100.9")
    answer = second.start(body="Hello again", phone="512-555-0100", name="Jordan S")
    assert answer.status_code == 201
    assert Lead.objects.count() == 1  # one thread per lead
    bodies = [m["body"] for m in second.poll().json()["messages"]]
    assert "My trade is a 2012 Civic, private stuff" not in bodies
    assert "Hello again" in bodies
    assert Notification.objects.filter(user=carol, text__contains="Hello again").exists()


@pytest.mark.parametrize(
    ("origin", "status"),
    [("https://evil.example", 403), ("http://www.riverside-toyota.example", 403), ("", 403)],
)
def test_a_foreign_website_is_refused_and_gets_no_cors_answer(chatting, origin, status):
    stranger = Widget(chatting.slug, origin=origin)
    answer = stranger.start()
    assert answer.status_code == status
    assert answer.json()["error"]["code"] == "origin_refused"
    assert "Access-Control-Allow-Origin" not in answer
    assert not Lead.objects.exists()


def test_the_preflight_is_answered_for_a_listed_website_only(client, chatting):
    url = f"/chat/{chatting.slug}/messages"
    ok = client.options(url, headers={"Origin": SITE, "Access-Control-Request-Method": "POST"})
    assert ok.status_code == 204
    assert ok["Access-Control-Allow-Origin"] == SITE
    assert "X-Chat-Visitor" in ok["Access-Control-Allow-Headers"]
    refused = client.options(url, headers={"Origin": "https://evil.example"})
    assert refused.status_code == 403
    assert "Access-Control-Allow-Origin" not in refused


def test_the_api_cannot_chat_with_a_customer_who_never_chatted(chatting, carol, api_for):
    from conftest import make_lead

    lead = make_lead(chatting, assigned_to=carol)
    answer = api_for(carol).post(f"/leads/{lead.pk}/messages", {"channel": "chat", "body": "Hello"})
    assert answer.status_code == 409
    assert answer.json()["error"]["code"] == "no_address"
    assert answer.json()["error"]["message"] == "Jordan Sample has not chatted on Riverside Toyota's website."
    assert not Message.objects.exists()


def test_a_visitor_whose_lead_was_closed_starts_a_new_lead_by_writing_again(widget, chatting, carol):
    widget.start()
    first = Lead.objects.get()
    Lead.objects.filter(pk=first.pk).update(status=Lead.Status.LOST)
    assert widget.post({"body": "I'm back, still looking"}).status_code == 201
    second = Lead.objects.exclude(pk=first.pk).get()
    assert second.customer == first.customer
    assert second.source_name == "Chat"
    assert [m.body for m in second.conversation.messages.filter(direction="in")] == ["I'm back, still looking"]
    assert widget.post({"body": "Anyone?"}).status_code == 201
    assert second.conversation.messages.filter(direction="in").count() == 2

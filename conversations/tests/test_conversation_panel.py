"""The lead page's texts: who sees and sends them, what the thread shows, and polling that draws
nothing while nothing changed."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from conftest import make_lead
from conversations.actions import conversation_of, send_message
from conversations.models import Message
from leads import actions as lead_actions

pytestmark = pytest.mark.django_db
HX = {"HX-Request": "true"}


@pytest.fixture
def lead(texting, carols_lead):
    return carols_lead


def send_url(lead):
    return reverse("conversation-send", args=[lead.pk])


def thread_url(lead):
    return reverse("conversation-thread", args=[lead.pk])


def test_carol_sends_a_text_from_her_lead_and_sees_it_queued_under_her_name(lead, carol, client_for):
    client = client_for(carol)
    page = client.get(reverse("lead-detail", args=[lead.pk])).content.decode()
    assert "Start a conversation" in page
    assert 'href="tel:+15125550100"' in page

    answer = client.post(send_url(lead), {"body": "Hi Jordan, it's Carol."}, headers=HX)

    assert answer.status_code == 200
    message = Message.objects.get()
    assert (message.body, message.sent_by, message.status) == ("Hi Jordan, it's Carol.", carol, "queued")
    html = answer.content.decode()
    assert "Hi Jordan, it&#x27;s Carol." in html
    assert "Carol Seller" in html
    assert "Queued" in html
    assert "Start a conversation" not in html


def test_without_htmx_sending_returns_to_the_lead(lead, carol, client_for):
    answer = client_for(carol).post(send_url(lead), {"body": "Hello"})
    assert answer.status_code == 302
    assert answer["Location"] == reverse("lead-detail", args=[lead.pk]) + "#conversation"
    assert Message.objects.count() == 1


@pytest.mark.parametrize("who", ["frank", "dave"])
def test_someone_who_may_not_see_the_lead_gets_404_and_sends_nothing(lead, who, request, client_for):
    client = client_for(request.getfixturevalue(who))
    assert client.get(thread_url(lead)).status_code == 404
    assert client.post(send_url(lead), {"body": "Hi"}, headers=HX).status_code == 404
    assert client.get(reverse("conversation-draft", args=[lead.pk])).status_code == 404
    assert not Message.objects.exists()


def test_dave_texts_on_carols_lead_once_he_collaborates(lead, carol, dave, client_for):
    lead_actions.add_collaborator(lead=lead, user=dave, actor=carol)
    answer = client_for(dave).post(send_url(lead), {"body": "Dave here, helping Carol."}, headers=HX)
    assert answer.status_code == 200
    assert Message.objects.get().sent_by == dave


def test_a_text_that_cannot_go_says_why_and_stores_nothing(riverside, carol, client_for):
    riverside.leads_phone = "+15125550199"
    riverside.save()
    lead = make_lead(riverside, assigned_to=carol, customer={"first_name": "Pat", "emails": ["pat@example.com"]})
    client = client_for(carol)
    page = client.get(reverse("lead-detail", args=[lead.pk])).content.decode()
    assert "Pat has no phone number that can take a text." in page
    assert '<input type="hidden" name="channel" value="email">' in page  # Pat can still be emailed

    answer = client.post(send_url(lead), {"body": "Hi"}, headers=HX)
    assert answer.status_code == 422
    assert "Pat has no phone number that can take a text." in answer.content.decode()
    assert not Message.objects.exists()


def test_an_empty_text_or_one_with_a_merge_field_left_is_refused(lead, carol, client_for):
    client = client_for(carol)
    empty = client.post(send_url(lead), {"body": "  "}, headers=HX)
    assert empty.status_code == 422
    assert "Write a message or attach a photo." in empty.content.decode()
    unfilled = client.post(send_url(lead), {"body": "Hi, the {vehicle} is in"}, headers=HX)
    assert unfilled.status_code == 422
    assert "Replace {vehicle} before sending." in unfilled.content.decode()
    assert "Hi, the {vehicle} is in</textarea>" in unfilled.content.decode()
    assert not Message.objects.exists()


@time_machine.travel(datetime(2026, 3, 10, 12, tzinfo=UTC))  # the next day: a time this year shows no year
def test_the_thread_shows_sender_time_in_the_dealerships_zone_and_delivery_state(lead, carol, client_for):
    at = datetime(2026, 3, 9, 15, 5, tzinfo=UTC)  # 10:05 in Austin
    conversation = conversation_of(lead)
    common = {"conversation": conversation, "channel": "sms", "created_at": at}
    Message.objects.create(**common, direction="in", status="received", body="Is it still there?")
    Message.objects.create(**common, direction="out", status="delivered", body="Yes!", sent_by=carol)
    Message.objects.create(**common, direction="out", status="sent", body="We're closed", automated=True)
    Message.objects.create(
        **common, direction="out", status="failed", body="Hello?", sent_by=carol, last_error="30006 Landline"
    )
    Message.objects.create(**common, direction="out", status="held", body="Reminder", automated=True)
    Message.objects.create(
        **common,
        direction="in",
        status="received",
        media=["/messages/media/kept-copy"],
        last_error="Not every photo could be kept: photo 2 of 2 could not be fetched (404).",
    )
    Message.objects.create(**common, direction="out", status="sent", body="Fine", last_error="timeout, retried")

    html = client_for(carol).get(thread_url(lead)).content.decode()

    assert "Jordan Sample</span>" in html
    assert "Mon Mar 9, 10:05 AM" in html
    assert "Carol Seller</span>" in html
    assert "Delivered" in html
    assert "Automatic</span>" in html
    assert "Held until quiet hours end" in html
    assert "Failed" in html
    assert "30006 Landline" in html
    assert '<img src="/messages/media/kept-copy"' in html
    assert "photo 2 of 2 could not be fetched (404)." in html
    assert "timeout, retried" not in html  # an attempt that failed before the text went is no news


def test_polling_draws_nothing_until_the_thread_changes(lead, carol, client_for):
    client = client_for(carol)
    first = client.get(thread_url(lead))
    version = first.context["fingerprint"]
    assert client.get(thread_url(lead), {"v": version}).status_code == 204

    message = send_message(lead=lead, channel="sms", body="On my way", actor=carol)
    changed = client.get(thread_url(lead), {"v": version})
    assert changed.status_code == 200
    assert "On my way" in changed.content.decode()

    version = changed.context["fingerprint"]
    Message.objects.filter(pk=message.pk).update(status="delivered")
    delivered = client.get(thread_url(lead), {"v": version})
    assert delivered.status_code == 200
    assert "Delivered" in delivered.content.decode()


def test_without_htmx_a_refusal_returns_to_the_lead_and_says_why(lead, carol, client_for):
    answer = client_for(carol).post(send_url(lead), {"body": "About the {vehicle}"}, follow=True)
    assert answer.redirect_chain[-1][0] == reverse("lead-detail", args=[lead.pk]) + "#conversation"
    assert "Replace {vehicle} before sending." in answer.content.decode()
    assert not Message.objects.exists()


def test_a_text_longer_than_a_provider_takes_is_refused_before_it_is_queued(lead, carol, client_for):
    answer = client_for(carol).post(send_url(lead), {"body": "a" * 1601}, headers=HX)
    assert answer.status_code == 422
    assert "A text holds at most 1,600 characters (this one has 1,601)." in answer.content.decode()
    assert not Message.objects.exists()


def test_a_customer_who_opted_out_is_shown_as_such_and_only_the_call_button_stays(lead, carol, client_for):
    from conversations.consent import record_consent

    record_consent(
        customer=lead.customer, channel="sms", state="opted_out", source="keyword", text="STOP", actor=None, lead=lead
    )
    page = client_for(carol).get(reverse("lead-detail", args=[lead.pk])).content.decode()
    assert "Jordan Sample opted out of texts on" in page
    assert "(replied STOP)." in page
    assert '<input type="hidden" name="channel" value="email">' in page  # texts stop; email stays open
    assert 'id="thumb-text"' not in page
    assert 'href="tel:+15125550100"' in page


def reachable_everywhere(dealership, salesperson, *, last: str):
    """Jordan, on a lead of `salesperson`'s, can be reached by text (a mobile), email, Messenger
    (wrote to the page a moment ago) and chat (chatting now); their last message came on `last`."""
    from chat.models import ChatVisitor, digest
    from conversations.actions import receive_message
    from conversations.channels import Inbound
    from messenger.models import MessengerContact

    dealership.leads_phone = "+15125550199"
    dealership.messenger_page_id, dealership.messenger_page_token = "1234567890", "EAAG-page-token"
    dealership.chat_origins = ["https://www.riverside-toyota.example"]
    dealership.save()
    lead = make_lead(dealership, assigned_to=salesperson)
    MessengerContact.objects.create(
        dealership=dealership, page_id="1234567890", psid="24011112222333444", customer=lead.customer
    )
    visitor = ChatVisitor.objects.create(
        dealership=dealership,
        token_digest=digest("visitor-token"),
        lead=lead,
        name="Jordan Sample",
        origin="https://www.riverside-toyota.example",
    )
    wrote = {
        "sms": Inbound("SM" + "1" * 32, "+15125550100", "+15125550199", "Is the RAM still there?"),
        "email": Inbound("<a1@mail.example.com>", "jordan@example.com", "relay", "And the price?", subject="RAM"),
        "messenger": Inbound("m_in0001", "24011112222333444", "1234567890", "Hi from Facebook"),
        "chat": Inbound("chat-1", f"chat-visitor-{visitor.pk}", "https://www.riverside-toyota.example", "Hello"),
    }
    for channel in [c for c in wrote if c != last] + [last]:
        receive_message(lead=lead, channel=channel, inbound=wrote[channel])
    MessengerContact.objects.update(last_message_at=timezone.now())
    return lead


def offered_channels(html: str) -> tuple[list[str], str]:
    """The composer's channel radios, in order, and the one chosen."""
    import re

    radios = re.findall(r'<input type="radio" name="channel" value="(\w+)" id="channel-\w+"( checked)?>', html)
    return [value for value, _ in radios], "".join(value for value, checked in radios if checked)


@pytest.mark.parametrize("last", ["messenger", "email", "chat", "sms"])
def test_the_composer_offers_every_reachable_channel_with_the_last_one_written_on_chosen(
    riverside, carol, client_for, last
):
    lead = reachable_everywhere(riverside, carol, last=last)
    html = client_for(carol).get(reverse("lead-detail", args=[lead.pk])).content.decode()
    offered, chosen = offered_channels(html)
    assert sorted(offered) == ["chat", "email", "messenger", "sms"]
    assert offered[0] == chosen == last
    assert 'id="composer-subject"' in html  # shown with Email chosen (the CSS hides it otherwise)


def test_the_composer_offers_only_the_channels_that_can_reach_the_customer(riverside, carol, client_for):
    from conversations.consent import record_consent

    lead = reachable_everywhere(riverside, carol, last="messenger")
    record_consent(customer=lead.customer, channel="sms", state="opted_out", source="keyword", text="STOP", actor=None)
    riverside.send_emails = False
    riverside.save()
    html = client_for(carol).get(reverse("lead-detail", args=[lead.pk])).content.decode()
    assert offered_channels(html) == (["messenger", "chat"], "messenger")
    assert 'id="composer-subject"' not in html

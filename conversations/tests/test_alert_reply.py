"""The new-lead alert's "reply by text with the default template": a signed link per recipient,
a confirmation page, and a text sent through Forecourt that is the recipient's reply."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine

from accounts.models import Membership
from conftest import make_lead
from conversations.models import Message, MessageTemplate
from distribution.actions import distribute_lead
from distribution.tests.conftest import OPEN, set_policy
from notifications.models import OutboundEmail

pytestmark = pytest.mark.django_db
TEMPLATE = "Hi {first_name}, this is {salesperson} at {dealership}. When would you like to see the {vehicle}?"


@pytest.fixture
def default_template(texting):
    return MessageTemplate.objects.create(dealership=texting, name="First reply", body=TEMPLATE, is_default=True)


def alert_for(dealership, recipients, **fields):
    """A new lead at `dealership` whose alert goes to `recipients`; (lead, {email: reply link or None})."""
    set_policy(dealership, {"sales": {"method": "first_available", "alert_recipients": recipients}})
    fields.setdefault("vehicles", [{"year": 2016, "make": "RAM", "model": "2500", "stock": "D9760"}])
    lead = make_lead(dealership, bulk=True, **fields)
    distribute_lead(lead=lead)
    links = {}
    for email in OutboundEmail.objects.filter(purpose="new_lead_alert"):
        found = re.search(r'<a href="(http[^"]+/conversations/reply/[^"]+/)">Reply by text', email.html)
        links[email.to[0]] = found.group(1).removeprefix("http://127.0.0.1:8000") if found else None
        assert bool(found) == ("Reply by text with the default template: http" in email.body)
        assert "mailto:" not in email.html
    return lead, links


@time_machine.travel(OPEN, tick=False)
def test_the_recipient_sends_the_default_template_by_text_and_it_is_their_reply(client_for, default_template, bob):
    lead, links = alert_for(default_template.dealership, ["bob@example.com"])
    client = client_for(bob)

    page = client.get(links["bob@example.com"])

    assert page.status_code == 200
    shown = page.content.decode()
    assert "Send this text to Jordan Sample?" in shown
    assert "Hi Jordan, this is Bob Manager at Riverside Toyota. When would you like to see the 2016 RAM 2500?" in shown
    assert not Message.objects.exists(), "opening the link (as a mail scanner does) sends nothing"

    sent = client.post(links["bob@example.com"])

    assert sent.status_code == 302
    assert sent["Location"] == f"/leads/{lead.pk}/"
    message = Message.objects.get()
    assert (message.direction, message.sent_by, message.automated) == ("out", bob, False)
    assert message.body.startswith("Hi Jordan, this is Bob Manager")
    assert message.to_address == "+15125550100"
    lead.refresh_from_db()
    assert lead.first_response_at == OPEN
    again = client.get(links["bob@example.com"]).content.decode()
    assert "You sent this text at Mon Mar 16, 10:00 AM." in again


@time_machine.travel(OPEN, tick=False)
def test_without_a_default_template_the_alert_has_no_reply_link(texting, bob):
    MessageTemplate.objects.create(dealership=texting, name="Not the default", body="Hi {first_name}")
    _lead, links = alert_for(texting, ["bob@example.com"])
    assert links == {"bob@example.com": None}


@time_machine.travel(OPEN, tick=False)
def test_a_customer_without_a_phone_number_gets_no_reply_link(default_template, bob):
    customer = {"first_name": "Emma", "emails": ["emma@example.com"]}
    _lead, links = alert_for(default_template.dealership, ["bob@example.com"], customer=customer)
    assert links == {"bob@example.com": None}


@time_machine.travel(OPEN, tick=False)
def test_a_link_is_only_its_recipients_and_only_while_they_may_see_the_lead(
    client_for, default_template, alice, bob, carol, erin, frank
):
    _lead, links = alert_for(default_template.dealership, ["bob@example.com", "carol@example.com"])
    bobs, carols = links["bob@example.com"], links["carol@example.com"]
    assert bobs != carols

    for somebody in (alice, carol, erin, frank):
        assert client_for(somebody).get(bobs).status_code == 404
        assert client_for(somebody).post(bobs).status_code == 404
    # Carol sells: the lead is offered to the team, not hers, so she may not see it.
    assert client_for(carol).get(carols).status_code == 404
    Membership.objects.filter(user=bob).update(role=Membership.Role.SALESPERSON)
    assert client_for(bob).post(bobs).status_code == 404
    assert not Message.objects.exists()


def test_a_tampered_or_expired_link_is_refused_in_words(client_for, default_template, bob):
    with time_machine.travel(OPEN, tick=False):
        _lead, links = alert_for(default_template.dealership, ["bob@example.com"])
        link = links["bob@example.com"]
        tampered = client_for(bob).get(link[:-3] + "xx/")
    assert tampered.status_code == 410
    assert "This reply link is not valid" in tampered.content.decode()
    with time_machine.travel(OPEN + timedelta(days=8), tick=False):
        expired = client_for(bob).post(link)
    assert expired.status_code == 410
    assert "This reply link has expired" in expired.content.decode()
    assert not Message.objects.exists()


@time_machine.travel(OPEN, tick=False)
def test_a_template_the_lead_cannot_fill_is_explained_and_nothing_is_sent(client_for, default_template, bob):
    lead, links = alert_for(default_template.dealership, ["bob@example.com"], vehicles=[])
    client = client_for(bob)

    page = client.get(links["bob@example.com"])
    posted = client.post(links["bob@example.com"])

    assert page.status_code == posted.status_code == 422
    assert "Replace {vehicle} before sending: this lead has no vehicle." in page.content.decode()
    assert 'id="alert-reply-send"' not in page.content.decode()
    assert not Message.objects.exists()
    lead.refresh_from_db()
    assert lead.first_response_at is None


@time_machine.travel(OPEN, tick=False)
def test_the_default_template_removed_after_the_email_left_is_said_plainly(client_for, default_template, bob):
    _lead, links = alert_for(default_template.dealership, ["bob@example.com"])
    default_template.delete()

    page = client_for(bob).post(links["bob@example.com"])

    assert page.status_code == 422
    assert "Riverside Toyota has no default text template any more" in page.content.decode()
    assert not Message.objects.exists()

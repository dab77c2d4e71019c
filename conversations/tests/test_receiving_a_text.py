"""A customer's text lands on their open lead and tells the people working it; a text from a new
number makes a lead through the one door; the same text delivered twice is stored once."""

from __future__ import annotations

from collections import Counter

import pytest
import time_machine

from conftest import make_lead
from conversations.actions import invite_customer
from conversations.inbound import UnknownNumber, receive_text
from conversations.models import Message
from distribution.tests.conftest import OPEN
from distribution.tests.test_races import in_threads
from escalations.models import LeadSla
from leads.models import Customer, Lead
from notifications.models import Kind, Notification

pytestmark = pytest.mark.django_db(transaction=True)
DEALERSHIP_NUMBER = "+15125550199"


def text(body: str = "Is the truck still there?", sid: str = "SM1", sender: str = "+15125550100", **more):
    return receive_text(to_number=DEALERSHIP_NUMBER, from_number=sender, body=body, provider_id=sid, **more)


@time_machine.travel(OPEN, tick=False)
def test_a_text_lands_on_the_customers_open_lead_and_tells_the_assignee_and_collaborators(texting, carol, dave):
    lead = make_lead(texting, assigned_to=carol)
    lead.collaborators.add(dave)

    received = text("Can I come at 5?")

    assert received.lead == lead
    assert (received.new_lead, received.new_message) == (False, True)
    assert list(lead.conversation.messages.values_list("direction", "status", "body", "from_address")) == [
        ("in", "received", "Can I come at 5?", "+15125550100")
    ]
    told = Notification.objects.filter(kind=Kind.CUSTOMER_REPLIED, lead=lead)
    assert sorted(n.user.name for n in told) == ["Carol Seller", "Dave Seller"]
    assert all("Jordan Sample texted: Can I come at 5?" in n.text for n in told)


@time_machine.travel(OPEN, tick=False)
def test_a_text_from_a_new_number_makes_an_unknown_lead_that_is_distributed_and_clocked(texting, carol, dave):
    received = text("How much for the RAM?", sender="(512) 555-0177")

    lead = received.lead
    assert received.new_lead
    assert lead.customer.display_name == "Unknown"
    assert (lead.source_name, lead.source_kind) == ("Text", Lead.SourceKind.TEXT)
    assert lead.assigned_to is not None
    assert LeadSla.objects.get(lead=lead).state == LeadSla.State.RUNNING
    assert [p.number for p in lead.customer.phones.all()] == ["+15125550177"]
    assert lead.conversation.messages.get().body == "How much for the RAM?"


@time_machine.travel(OPEN, tick=False)
def test_a_new_texter_is_named_when_the_provider_knows_the_name(texting, carol):
    lead = text(sender="+15125550177", sender_name="Maria Lopez").lead
    assert (lead.customer.first_name, lead.customer.last_name) == ("Maria", "Lopez")


@time_machine.travel(OPEN, tick=False)
def test_the_same_text_delivered_twice_is_stored_once(texting, carol):
    first = text(sid="SMdup")
    again = text(sid="SMdup")
    assert again.message == first.message
    assert not again.new_message
    assert Message.objects.count() == 1
    assert Lead.objects.count() == 1


@time_machine.travel(OPEN, tick=True)
def test_twenty_copies_of_a_new_texters_first_text_at_once_make_one_lead_and_one_message(texting, carol, dave):
    outcomes = in_threads(20, lambda i: text(sid="SMrace", sender="+15125550188").new_message)
    assert Counter(outcomes) == {True: 1, False: 19}
    assert Message.objects.count() == 1
    assert Lead.objects.count() == 1
    assert Customer.objects.count() == 1


def test_a_text_to_a_number_no_dealership_uses_stores_nothing(texting):
    with pytest.raises(UnknownNumber):
        receive_text(to_number="+15125550000", from_number="+15125550100", body="Hi", provider_id="SMx")
    assert not Message.objects.exists()
    assert not Lead.objects.exists()


@time_machine.travel(OPEN, tick=False)
def test_a_salesperson_invites_a_new_customer_and_the_lead_is_theirs(texting, carol, dave):
    lead, message = invite_customer(
        dealership=texting, phone="512-555-0166", first_name="Sam", body="Hi Sam, Carol here.", actor=carol
    )
    assert lead.assigned_to == carol
    assert lead.customer.display_name == "Sam"
    assert (message.status, message.to_address, message.sent_by) == ("queued", "+15125550166", carol)
    lead.refresh_from_db()
    assert lead.first_response_at == OPEN  # the invitation is her first reply


@time_machine.travel(OPEN, tick=False)
def test_inviting_a_known_customer_texts_on_their_open_lead(texting, carol, bob):
    lead = make_lead(texting, assigned_to=carol)
    invited, _ = invite_customer(dealership=texting, phone="(512) 555-0100", body="Checking in", actor=bob)
    assert invited == lead
    assert Lead.objects.count() == 1


def test_inviting_a_number_that_is_not_one_changes_nothing(texting, carol):
    with pytest.raises(ValueError, match="not a phone number"):
        invite_customer(dealership=texting, phone="999-999-9999", body="Hi", actor=carol)
    assert not Lead.objects.exists()

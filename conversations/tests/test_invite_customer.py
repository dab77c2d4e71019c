"""Invite customer: a salesperson texts any number from the leads screen; the text lands on the
customer's open lead or a new one, and anything wrong is said in words with nothing stored."""

from __future__ import annotations

import pytest

from accounts.models import Membership
from conversations.models import Message
from leads.models import Customer, Lead

pytestmark = pytest.mark.django_db


def invite(client, dealership, **fields):
    data = {"dealership": dealership.pk, "phone": "", "first_name": "", "last_name": "", "body": "", **fields}
    return client.post("/conversations/invite/", data)


def test_the_leads_list_offers_invite_customer(client_for, texting, carol):
    page = client_for(carol).get("/leads/").content.decode()
    assert 'id="invite-customer"' in page
    assert "/conversations/invite/" in page


def test_a_salesperson_invites_a_new_number_and_lands_on_their_new_lead_with_the_text(client_for, texting, carol):
    client = client_for(carol)
    response = invite(client, texting, phone="(512) 555-0142", first_name="Riley", body="Hi Riley, it's Carol.")

    lead = Lead.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/leads/{lead.pk}/"
    assert (lead.customer.display_name, lead.source_name, lead.assigned_to) == ("Riley", "Text", carol)
    message = Message.objects.get()
    assert (message.to_address, message.from_address, message.body) == (
        "+15125550142",
        "+15125550199",
        "Hi Riley, it's Carol.",
    )
    assert message.sent_by == carol
    lead.refresh_from_db()
    assert lead.first_response_at is not None
    assert "Text to Riley queued." in client.get(response["Location"]).content.decode()


def test_a_manager_invites_and_the_new_lead_is_distributed_not_kept(client_for, texting, bob, carol, dave):
    Membership.objects.filter(user=bob).update(receives_leads=False)  # a sales manager who takes no leads
    invite(client_for(bob), texting, phone="512-555-0143", body="Hello from Riverside Toyota")

    lead = Lead.objects.get()
    assert lead.assigned_to in (carol, dave)
    assert Message.objects.get().sent_by == bob


def test_inviting_a_customer_who_has_an_open_lead_texts_them_on_that_lead(client_for, texting, carol, carols_lead):
    response = invite(client_for(carol), texting, phone="+1 512 555 0100", body="Still interested in the RAM?")

    assert response["Location"] == f"/leads/{carols_lead.pk}/"
    assert Lead.objects.count() == 1
    assert Message.objects.get().conversation.lead == carols_lead


def test_another_salespersons_customer_cannot_be_invited_and_nothing_is_stored(client_for, texting, dave, carols_lead):
    response = invite(client_for(dave), texting, phone="512 555 0100", body="Hi Jordan, Dave here")

    assert response.status_code == 422
    assert "open lead at Riverside Toyota is assigned to Carol Seller" in response.content.decode()
    assert not Message.objects.exists()
    assert Lead.objects.count() == 1


def test_a_number_that_is_not_one_is_refused_in_words(client_for, texting, carol):
    response = invite(client_for(carol), texting, phone="555-1234", body="Hi")

    assert response.status_code == 422
    assert "is not a phone number that can take a text" in response.content.decode()
    assert not Lead.objects.exists()
    assert not Customer.objects.exists()


def test_an_empty_message_is_refused(client_for, texting, carol):
    response = invite(client_for(carol), texting, phone="512-555-0142", body="   ")

    assert response.status_code == 422
    assert "Write a message." in response.content.decode()
    assert not Lead.objects.exists()


def test_a_dealership_without_a_number_to_text_from_says_so_and_stores_nothing(client_for, riverside, carol):
    response = invite(client_for(carol), riverside, phone="512-555-0142", body="Hi there")

    assert response.status_code == 422
    assert "Riverside Toyota has no phone number to text from" in response.content.decode()
    assert not Lead.objects.exists()
    assert not Customer.objects.exists()
    assert not Message.objects.exists()


def test_someone_at_several_dealerships_picks_one(client_for, texting, lakeside, alice):
    Membership.objects.create(user=alice, dealership=lakeside, role=Membership.Role.ADMIN, departments=["sales"])
    page = client_for(alice).get("/conversations/invite/").content.decode()
    assert "Lakeside Honda" in page
    assert "Riverside Toyota" in page


def test_nobody_invites_at_a_dealership_of_another_organisation(client_for, texting, hillside, frank):
    hillside.leads_phone = "+12125550100"
    hillside.save()

    response = invite(client_for(frank), texting, phone="512-555-0142", body="Hi")

    assert response.status_code == 422
    assert not Lead.objects.exists()
    assert "Riverside Toyota" not in client_for(frank).get("/conversations/invite/").content.decode()


def test_a_customer_who_texted_stop_cannot_be_invited(client_for, texting, carol, carols_lead):
    from conversations.inbound import receive_text

    receive_text(to_number="+15125550199", from_number="+15125550100", body="STOP", provider_id="SMstop")
    before = Message.objects.count()

    response = invite(client_for(carol), texting, phone="512-555-0100", body="Hi again")

    assert response.status_code == 422
    assert "opted out" in response.content.decode().lower()
    assert Message.objects.filter(direction="out", body="Hi again").count() == 0
    assert Message.objects.count() == before

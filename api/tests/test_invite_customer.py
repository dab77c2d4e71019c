"""POST /api/v1/conversations (Invite customer): a text to any number, on the customer's lead."""

from __future__ import annotations

import pytest

from api.tests.conftest import is_error
from api.tests.contract import CONTRACT_LEAD, CONTRACT_MESSAGE, shape
from conftest import make_lead
from conversations.models import Message
from leads.models import Customer, Lead

TEXTING_NUMBER = "+15125550199"


@pytest.fixture
def texting(riverside):
    riverside.leads_phone = TEXTING_NUMBER
    riverside.save()
    return riverside


def invite(client, **fields):
    body = {"dealership": "riverside-toyota", "phone": "(512) 555-0142", "body": "Hi, it's Carol at Riverside."}
    return client.post("/conversations", body | fields)


def test_a_salesperson_invites_a_new_number_and_gets_a_text_lead_of_their_own(api_for, carol, texting):
    response = invite(api_for(carol), first_name="Sam", last_name="Rivera")

    assert response.status_code == 201
    answer = response.json()
    assert set(answer) == {"lead", "message"}
    assert shape(answer["message"]) == shape(CONTRACT_MESSAGE)
    assert set(answer["lead"]) == set(CONTRACT_LEAD)
    lead = answer["lead"]
    assert lead["source"]["name"] == "Text"
    assert (lead["customer"]["first_name"], lead["customer"]["last_name"]) == ("Sam", "Rivera")
    assert lead["customer"]["phones"][0]["number"] == "+15125550142"
    assert lead["assigned_to"]["email"] == "carol@example.com"
    message = answer["message"]
    assert (message["to"], message["from"], message["status"]) == ("+15125550142", TEXTING_NUMBER, "queued")
    assert message["sent_by"] == "carol@example.com"
    assert api_for(carol).get(f"/leads/{lead['id']}/messages").json() == [message]


def test_inviting_a_customer_with_an_open_lead_texts_on_that_lead(api_for, carol, texting):
    existing = make_lead(
        texting, assigned_to=carol, customer={"first_name": "Jordan", "phones": [{"number": "512-555-0142"}]}
    )

    answer = invite(api_for(carol), phone="+1 512 555 0142").json()

    assert answer["lead"]["id"] == existing.pk
    assert Lead.objects.count() == 1
    assert [m.body for m in Message.objects.filter(conversation__lead=existing)] == ["Hi, it's Carol at Riverside."]


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"phone": "not a number"}, "phone"),
        ({"phone": ""}, "phone"),
        ({"body": "   "}, "body"),
        ({"body": "x" * 1601}, "body"),
        ({"email": "sam@example.com"}, "email"),
    ],
)
def test_bad_input_is_422_naming_the_field_and_nothing_is_stored(api_for, carol, texting, fields, field):
    response = invite(api_for(carol), **fields)

    assert response.status_code == 422
    assert is_error(response.json())
    assert field in [f["field"] for f in response.json()["error"]["fields"]]
    assert (Lead.objects.count(), Customer.objects.count(), Message.objects.count()) == (0, 0, 0)


def test_a_dealership_the_caller_does_not_work_at_is_404_and_nothing_is_stored(api_for, frank, carol, texting):
    response = invite(api_for(frank))

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    assert invite(api_for(carol), dealership="hillside-ford").status_code == 404
    assert (Lead.objects.count(), Message.objects.count()) == (0, 0)
    assert invite(api_for(carol)).status_code == 201


def test_a_dealership_without_a_number_to_text_from_is_409_and_no_lead_is_made(api_for, carol, riverside):
    response = invite(api_for(carol))

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "no_address"
    assert (Lead.objects.count(), Customer.objects.count(), Message.objects.count()) == (0, 0, 0)

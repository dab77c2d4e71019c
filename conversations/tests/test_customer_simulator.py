"""The customer simulator: an admin texts the dealership as a customer would (console provider
only) and reads the customer's side of the thread; everyone else gets 404."""

from __future__ import annotations

import pytest

from conftest import make_lead
from conversations.actions import send_message
from conversations.models import Message
from leads.models import Lead

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def console(settings):
    settings.SMS_PROVIDER = "console"


def text(client, dealership, number, body):
    return client.post("/conversations/simulator/", {"dealership": dealership.pk, "from_number": number, "body": body})


def test_an_admin_texts_as_a_new_customer_and_a_new_lead_arrives_with_the_text(client_for, texting, alice, carol):
    client = client_for(alice)
    page = client.get("/conversations/simulator/").content.decode()
    assert 'name="from_number"' in page
    assert "+1512555" in page  # a made-up number of the dealership's area is offered

    response = text(client, texting, "(512) 555-0177", "Is the blue RAV4 still there?")

    assert response.status_code == 302
    lead = Lead.objects.get()
    assert (lead.source_name, lead.customer.display_name) == ("Text", "Unknown")
    message = Message.objects.get()
    assert (message.direction, message.from_address, message.body) == (
        "in",
        "+15125550177",
        "Is the blue RAV4 still there?",
    )
    assert message.provider_id.startswith("simulated-")
    shown = client.get(response["Location"]).content.decode()
    assert "Is the blue RAV4 still there?" in shown
    assert "A new lead was made at Riverside Toyota" in shown


def test_the_simulated_customer_sees_the_dealerships_replies_on_their_side(
    client_for, texting, alice, carol, carols_lead
):
    send_message(lead=carols_lead, channel="sms", body="Hi Jordan, the RAM is here.", actor=carol)
    make_lead(texting, customer={"first_name": "Other", "phones": [{"number": "+15125550188"}]})

    thread = client_for(alice).get(
        "/conversations/simulator/thread/", {"dealership": texting.pk, "number": "+15125550100"}
    )

    body = thread.content.decode()
    assert thread.status_code == 200
    assert "Hi Jordan, the RAM is here." in body
    assert "Carol Seller" in body
    assert 'hx-trigger="every 2s"' in body


def test_the_made_up_number_is_nobody_elses(client_for, texting, alice, carols_lead):
    from conversations.simulator import made_up_number

    numbers = {made_up_number(texting) for _ in range(30)}
    assert "+15125550100" not in numbers
    assert all(n.startswith("+151255501") for n in numbers)


def test_a_number_that_is_not_one_is_refused(client_for, texting, alice):
    response = text(client_for(alice), texting, "12", "hello")

    assert response.status_code == 422
    assert "is not a phone number" in response.content.decode()
    assert not Message.objects.exists()


@pytest.mark.parametrize("persona", ["bob", "carol", "frank"])
def test_only_admins_see_the_simulator(client_for, texting, request, persona):
    user = request.getfixturevalue(persona)
    client = client_for(user)
    assert client.get("/conversations/simulator/").status_code == 404
    assert client.get("/conversations/simulator/thread/", {"dealership": texting.pk}).status_code == 404
    assert text(client, texting, "5125550177", "hi").status_code == 404
    assert not Message.objects.exists()
    assert 'id="open-simulator"' not in client.get("/leads/").content.decode()


def test_the_simulator_is_off_with_the_real_provider(client_for, texting, alice, settings):
    settings.SMS_PROVIDER = "twilio"
    client = client_for(alice)
    assert client.get("/conversations/simulator/").status_code == 404
    assert text(client, texting, "5125550177", "hi").status_code == 404
    assert 'id="open-simulator"' not in client.get("/leads/").content.decode()


def test_an_admin_sees_the_simulator_on_the_leads_list(client_for, texting, alice):
    assert 'id="open-simulator"' in client_for(alice).get("/leads/").content.decode()


def test_an_admin_cannot_text_a_dealership_of_another_organisation(client_for, texting, alice, hillside):
    hillside.leads_phone = "+12125550100"
    hillside.save()
    client = client_for(alice)

    assert text(client, hillside, "5125550177", "hi").status_code == 422
    assert client.get("/conversations/simulator/thread/", {"dealership": hillside.pk}).status_code == 200
    assert "Hillside" not in client.get("/conversations/simulator/").content.decode()
    assert not Message.objects.exists()


def test_without_a_number_to_text_the_simulator_says_where_to_add_one(client_for, riverside, alice):
    page = client_for(alice).get("/conversations/simulator/").content.decode()
    assert "None of your dealerships has a phone number to text" in page


def test_stop_from_the_simulator_ends_texting_like_a_real_stop(client_for, texting, alice, carol, carols_lead):
    text(client_for(alice), texting, "+15125550100", "STOP")

    with pytest.raises(ValueError, match="opted out"):
        send_message(lead=carols_lead, channel="sms", body="Hi Jordan", actor=carol)

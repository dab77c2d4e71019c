"""GET and POST /api/v1/leads/{id}/messages: the lead's thread, and texting the customer from it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from accounts.models import ApiToken
from api.tests.conftest import is_error
from api.tests.contract import CONTRACT_MESSAGE, shape
from conftest import make_lead
from conversations.actions import receive_message, send_message
from conversations.channels import Inbound
from conversations.models import Message, MessageTemplate
from forecourt.worker import Worker
from leads.models import Lead

ARRIVAL = datetime(2026, 3, 16, 14, 55, tzinfo=UTC)
FIRST = datetime(2026, 3, 16, 15, 4, tzinfo=UTC)
REPLY = datetime(2026, 3, 16, 15, 9, tzinfo=UTC)
TEXTING_NUMBER = "+15125550199"


@pytest.fixture
def texting(riverside):
    """Riverside Toyota texts from its leads number."""
    riverside.leads_phone = TEXTING_NUMBER
    riverside.save()
    return riverside


@pytest.fixture
def lead(texting, carol):
    with time_machine.travel(ARRIVAL, tick=False):
        return make_lead(texting, assigned_to=carol)


def messages_of(lead: Lead) -> list[Message]:
    return list(Message.objects.filter(conversation__lead=lead))


def test_the_thread_lists_messages_in_and_out_oldest_first_in_the_contracts_shape(api_for, carol, lead):
    with time_machine.travel(FIRST, tick=False):
        send_message(lead=lead, channel="sms", body="Hi Jordan, it's Carol.", actor=carol)
    with time_machine.travel(REPLY, tick=False):
        receive_message(
            lead=lead,
            channel="sms",
            inbound=Inbound(
                provider_id="SM1", from_address="+15125550100", to_address=TEXTING_NUMBER, body="Is it still there?"
            ),
        )

    response = api_for(carol).get(f"/leads/{lead.pk}/messages")

    assert response.status_code == 200
    thread = response.json()
    assert [shape(m) for m in thread] == [shape(CONTRACT_MESSAGE)] * 2
    out, back = thread
    assert out | {"id": None} == {
        "id": None,
        "at": "2026-03-16T15:04:00+00:00",
        "channel": "sms",
        "direction": "out",
        "body": "Hi Jordan, it's Carol.",
        "media": [],
        "status": "queued",
        "error": None,
        "from": TEXTING_NUMBER,
        "to": "+15125550100",
        "automated": False,
        "sent_by": "carol@example.com",
    }
    assert (back["direction"], back["status"], back["body"], back["sent_by"]) == (
        "in",
        "received",
        "Is it still there?",
        None,
    )
    assert back["at"] == "2026-03-16T15:09:00+00:00"


@pytest.mark.django_db(transaction=True)
def test_a_failed_message_says_why_in_the_providers_words(api_for, carol, lead, settings):
    send_message(lead=lead, channel="sms", body="Hello", actor=carol)
    settings.SMS_PROVIDER = "twilio"  # without an account: refused for good, with the reason kept
    settings.TWILIO_ACCOUNT_SID = ""
    Worker().run_once()

    [message] = api_for(carol).get(f"/leads/{lead.pk}/messages").json()

    assert message["status"] == "failed"
    assert message["error"]
    assert message["error"] == Message.objects.get(pk=message["id"]).last_error


@pytest.mark.django_db(transaction=True)
def test_a_salespersons_text_is_accepted_sent_by_the_worker_and_is_the_leads_first_reply(api_for, carol, lead):
    photo = "https://example.com/photos/d9760-1.jpg"
    with time_machine.travel(FIRST, tick=False):
        response = api_for(carol).post(
            f"/leads/{lead.pk}/messages", {"channel": "sms", "body": "  It's here, come by!  ", "media": [photo]}
        )

    assert response.status_code == 202
    message = response.json()
    assert shape(message) == shape(CONTRACT_MESSAGE)
    assert (message["status"], message["body"], message["media"]) == ("queued", "It's here, come by!", [photo])
    assert (message["sent_by"], message["automated"]) == ("carol@example.com", False)
    lead.refresh_from_db()
    assert lead.first_response_at == FIRST

    Worker().run_once()
    [sent] = api_for(carol).get(f"/leads/{lead.pk}/messages").json()
    assert (sent["id"], sent["status"]) == (message["id"], "sent")


def test_a_customer_who_cannot_take_a_text_is_409_with_the_reason_and_nothing_is_stored(api_for, carol, texting):
    lead = make_lead(texting, assigned_to=carol, customer={"first_name": "Ann", "emails": ["ann@example.com"]})

    response = api_for(carol).post(f"/leads/{lead.pk}/messages", {"channel": "sms", "body": "Hi"})

    assert response.status_code == 409
    assert is_error(response.json())
    assert response.json()["error"]["code"] == "no_address"
    assert "Ann" in response.json()["error"]["message"]
    assert messages_of(lead) == []
    lead.refresh_from_db()
    assert lead.first_response_at is None


def test_a_dealership_without_a_number_to_text_from_is_409_no_address(api_for, carol, riverside):
    lead = make_lead(riverside, assigned_to=carol)

    response = api_for(carol).post(f"/leads/{lead.pk}/messages", {"channel": "sms", "body": "Hi"})

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "no_address"
    assert "Riverside Toyota" in response.json()["error"]["message"]
    assert messages_of(lead) == []


def test_a_channel_forecourt_does_not_know_is_refused_clearly(api_for, carol, lead):
    response = api_for(carol).post(f"/leads/{lead.pk}/messages", {"channel": "fax", "body": "Hi"})

    assert response.status_code == 422
    assert response.json()["error"]["fields"][0]["field"] == "channel"
    assert "'sms', 'email', 'messenger' or 'chat'" in response.json()["error"]["fields"][0]["message"]
    assert messages_of(lead) == []


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"channel": "fax", "body": "Hi"}, "channel"),
        ({"body": "Hi"}, "channel"),
        ({"channel": "sms", "body": "   "}, "body"),
        ({"channel": "sms"}, "body"),
        ({"channel": "sms", "body": "x" * 1601}, "body"),
        ({"channel": "sms", "body": "Hi", "media": ["file:///etc/passwd"]}, "media.0"),
        ({"channel": "sms", "body": "Hi", "media": ["https://e.com/p.jpg"] * 11}, "media"),
        ({"channel": "sms", "body": "Hi", "sent_by": "bob@example.com"}, "sent_by"),
        ({"channel": "sms", "body": "Hi", "template": 0}, "template"),
    ],
)
def test_bad_input_is_422_naming_the_field_and_nothing_is_sent(api_for, carol, lead, body, field):
    response = api_for(carol).post(f"/leads/{lead.pk}/messages", body)

    assert response.status_code == 422
    assert is_error(response.json())
    assert field in [f["field"] for f in response.json()["error"]["fields"]]
    assert messages_of(lead) == []


def test_a_template_is_filled_in_for_the_lead_and_sent_by_the_caller(api_for, carol, lead):
    template = MessageTemplate.objects.create(
        dealership=lead.dealership, name="Still there", body="Hi {first_name}, {salesperson} at {dealership} here."
    )

    response = api_for(carol).post(f"/leads/{lead.pk}/messages", {"channel": "sms", "template": template.pk})

    assert response.status_code == 202
    assert response.json()["body"] == "Hi Jordan, Carol Seller at Riverside Toyota here."
    assert [m.body for m in messages_of(lead)] == ["Hi Jordan, Carol Seller at Riverside Toyota here."]


def test_a_template_of_another_dealership_or_none_at_all_is_refused_and_nothing_is_sent(api_for, carol, lead, lakeside):
    theirs = MessageTemplate.objects.create(dealership=lakeside, name="Hello", body="Hi {first_name}")

    for template_id in (theirs.pk, 999999):
        response = api_for(carol).post(f"/leads/{lead.pk}/messages", {"channel": "sms", "template": template_id})
        assert response.status_code == 422
        assert response.json()["error"]["fields"][0]["field"] == "template"
        assert "Riverside Toyota has no message template" in response.json()["error"]["message"]
    assert messages_of(lead) == []


def test_a_template_with_a_field_the_lead_cannot_fill_is_refused_in_words(api_for, carol, lead):
    template = MessageTemplate.objects.create(
        dealership=lead.dealership, name="Credit", body="Apply here: {credit_application}"
    )

    response = api_for(carol).post(f"/leads/{lead.pk}/messages", {"channel": "sms", "template": template.pk})

    assert response.status_code == 422
    assert "credit application link" in response.json()["error"]["message"]
    assert "{credit_application}" not in [m.body for m in messages_of(lead)]
    assert messages_of(lead) == []


def test_a_body_and_a_template_together_are_refused(api_for, carol, lead):
    template = MessageTemplate.objects.create(dealership=lead.dealership, name="Hi", body="Hi {first_name}")

    response = api_for(carol).post(
        f"/leads/{lead.pk}/messages", {"channel": "sms", "template": template.pk, "body": "Hello"}
    )

    assert response.status_code == 422
    assert messages_of(lead) == []


def test_someone_who_may_not_see_the_lead_gets_404_for_its_thread_and_cannot_text_it(api_for, carol, dave, frank, lead):
    send_message(lead=lead, channel="sms", body="Hi", actor=carol)
    for stranger in (dave, frank):
        client = api_for(stranger)
        assert client.get(f"/leads/{lead.pk}/messages").status_code == 404
        refused = client.post(f"/leads/{lead.pk}/messages", {"channel": "sms", "body": "Mine now"})
        assert refused.status_code == 404
        assert refused.json()["error"]["code"] == "not_found"
    assert [m["body"] for m in api_for(carol).get(f"/leads/{lead.pk}/messages").json()] == ["Hi"]
    assert api_for(carol).get("/leads/999999999/messages").status_code == 404
    assert api_for(carol).get(f"/leads/{2**63}/messages").status_code == 404


def test_a_manager_reads_and_writes_the_thread_of_a_salespersons_lead(api_for, bob, lead):
    response = api_for(bob).post(f"/leads/{lead.pk}/messages", {"channel": "sms", "body": "Bob here"})

    assert response.status_code == 202
    assert response.json()["sent_by"] == "bob@example.com"
    assert [m["body"] for m in api_for(bob).get(f"/leads/{lead.pk}/messages").json()] == ["Bob here"]


def test_a_lead_providers_intake_token_can_neither_read_nor_send_messages(api_for, carol, lead):
    client = api_for(carol, ApiToken.Scope.INTAKE)

    for response in (
        client.get(f"/leads/{lead.pk}/messages"),
        client.post(f"/leads/{lead.pk}/messages", {"channel": "sms", "body": "Hi"}),
    ):
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "forbidden_scope"
    assert messages_of(lead) == []


def test_a_lead_without_messages_has_an_empty_thread(api_for, carol, lead):
    assert api_for(carol).get(f"/leads/{lead.pk}/messages").json() == []


def test_a_later_text_does_not_move_the_first_response(api_for, carol, lead):
    with time_machine.travel(FIRST, tick=False):
        api_for(carol).post(f"/leads/{lead.pk}/messages", {"channel": "sms", "body": "First"})
    with time_machine.travel(FIRST + timedelta(hours=1), tick=False):
        api_for(carol).post(f"/leads/{lead.pk}/messages", {"channel": "sms", "body": "Second"})
    lead.refresh_from_db()
    assert lead.first_response_at == FIRST

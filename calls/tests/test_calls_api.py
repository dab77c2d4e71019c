"""POST /api/v1/leads/{id}/calls starts a click-to-call; GET …/messages shows calls in the thread
with "channel": "call" and "duration_seconds"."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from api.tests.conftest import is_error
from calls.actions import end_call, start_call
from calls.api import CallEntryOut, call_to_dict
from calls.models import Call
from conversations.actions import send_message

pytestmark = pytest.mark.django_db


def test_a_call_is_started_and_answered_202_with_its_id(api_for, lead, carol_with_mobile):
    answer = api_for(carol_with_mobile).post(f"/leads/{lead.pk}/calls", {})

    assert answer.status_code == 202
    call = Call.objects.get()
    assert answer.json() == {"id": call.pk, "status": "queued"}
    assert call.user == carol_with_mobile


def test_a_manager_can_ring_the_salespersons_phone_for_their_lead(api_for, lead, bob, carol_with_mobile):
    answer = api_for(bob).post(f"/leads/{lead.pk}/calls", {"user": "carol@example.com"})

    assert answer.status_code == 202
    assert Call.objects.get().user == carol_with_mobile


def test_no_phone_is_409_and_nothing_is_dialled(api_for, lead, bob):
    answer = api_for(bob).post(f"/leads/{lead.pk}/calls", {})

    assert answer.status_code == 409
    assert is_error(answer.json())
    assert answer.json()["error"]["code"] == "no_phone"
    assert "Bob Manager has no outbound phone or mobile" in answer.json()["error"]["message"]
    assert not Call.objects.exists()


def test_someone_who_cannot_see_the_lead_cannot_be_rung_for_it(api_for, lead, bob, frank):
    answer = api_for(bob).post(f"/leads/{lead.pk}/calls", {"user": "frank@example.com"})
    assert answer.status_code == 422
    assert api_for(frank).post(f"/leads/{lead.pk}/calls", {}).status_code == 404
    assert not Call.objects.exists()


def test_an_unknown_field_is_refused(api_for, lead, carol_with_mobile):
    answer = api_for(carol_with_mobile).post(f"/leads/{lead.pk}/calls", {"phone": "+15125550000"})
    assert answer.status_code == 422
    assert not Call.objects.exists()


def test_calls_appear_in_the_messages_with_channel_call_and_their_length(api_for, lead, carol_with_mobile, phones):
    send_message(lead=lead, channel="sms", body="Hi Jordan", actor=carol_with_mobile)
    call = start_call(lead=lead, user=carol_with_mobile, actor=carol_with_mobile)
    end_call(call, outcome=Call.Outcome.ANSWERED, duration=61)

    thread = api_for(carol_with_mobile).get(f"/leads/{lead.pk}/messages").json()

    assert [entry["channel"] for entry in thread] == ["sms", "call"]
    entry = thread[1]
    assert entry["duration_seconds"] == 61
    assert entry["outcome"] == "answered"
    assert entry["direction"] == "out"
    assert entry["status"] == "delivered"
    assert entry["sent_by"] == "carol@example.com"
    assert (entry["from"], entry["to"]) == ("+15125550199", "+15125550100")
    assert entry["body"] == "Carol Seller called Jordan Sample: answered, 1 min 01 s"


def test_a_call_in_the_thread_matches_its_documented_schema(lead, carol_with_mobile):
    call = start_call(lead=lead, user=carol_with_mobile, actor=carol_with_mobile)
    end_call(call, outcome=Call.Outcome.VOICEMAIL, duration=12)
    as_json = json.loads(json.dumps(call_to_dict(Call.objects.get(pk=call.pk))))

    assert CallEntryOut.model_validate(as_json).model_dump(mode="json", by_alias=True) == as_json
    document = Client().get("/api/v1/openapi.json").json()
    assert "duration_seconds" in document["components"]["schemas"]["CallEntryOut"]["properties"]

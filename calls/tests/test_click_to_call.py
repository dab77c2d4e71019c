"""Click-to-call: Carol's phone rings first, she hears who the customer is and presses a key, and
only then is the customer dialled from the dealership's number. Everything goes through Twilio's
REST API (a real local server here) and its signed webhooks."""

from __future__ import annotations

import pytest
import time_machine
from django.conf import settings

from calls.actions import start_call
from calls.models import Call, CallEvent
from calls.tests.conftest import (
    CAROL_MOBILE,
    CUSTOMER,
    LEADS_NUMBER,
    TwiML,
    customer_leg,
    first_url,
    hook,
    leg,
    path_of,
    placed,
    status_path,
    twiml,
)
from distribution.tests.conftest import OPEN
from leads.models import Activity

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def call(twilio, lead, carol_with_mobile) -> Call:
    """Carol pressed Call on her lead; the worker asked Twilio to ring her phone."""
    return placed(start_call(lead=lead, user=carol_with_mobile, actor=carol_with_mobile))


def key_pressed(twilio) -> tuple[str, TwiML]:
    """Carol answers (the prompt is fetched) and presses 1: the URL used and the TwiML that dials."""
    prompt = twiml(hook(first_url(twilio), {"CallSid": "CA1", "AccountSid": "AC0123456789"}))
    action = str(prompt.attr("Gather", "action"))
    return action, twiml(hook(action, {"CallSid": "CA1", "Digits": "1"}))


def test_the_salespersons_phone_rings_first_from_the_dealerships_number(twilio, call):
    [request] = twilio.calls
    form = request["form"]
    assert request["path"] == "/2010-04-01/Accounts/AC0123456789/Calls.json"
    assert (form["To"], form["From"]) == ([CAROL_MOBILE], [LEADS_NUMBER])
    assert "SendDigits" not in form
    assert form["StatusCallback"] == [f"{settings.BASE_URL}{status_path(call)}"]
    assert form["Url"][0].startswith(f"{settings.BASE_URL}/hooks/twilio/voice/bridge/")
    assert (call.status, call.provider_id) == (Call.Status.PLACED, "CA" + "1".zfill(32))
    assert call.to_number == CUSTOMER  # the customer is not rung yet: only after the key press


def test_an_outbound_number_with_an_extension_is_dialled_then_the_extension_after_pauses(twilio, lead, carol):
    carol.outbound_phone = "+15125550002,,,42"
    carol.save()
    placed(start_call(lead=lead, user=carol, actor=carol))

    form = twilio.calls[0]["form"]
    assert form["To"] == ["+15125550002"]
    assert form["SendDigits"] == ["wwwwww42"]  # three one-second pauses, then 4 and 2


def test_the_prompt_says_who_the_customer_is_and_a_key_press_dials_them_from_the_dealership(twilio, call):
    prompt = twiml(hook(first_url(twilio), {"CallSid": call.provider_id}))
    assert prompt.attr("Gather", "numDigits") == "1"
    assert prompt.text("Say") == "Call to Jordan Sample about the 2016 RAM 2500. Press any key to connect."
    assert not prompt.has("Dial")  # nobody is dialled before the key press

    bridged = twiml(hook(str(prompt.attr("Gather", "action")), {"CallSid": call.provider_id, "Digits": "5"}))
    assert bridged.attr("Dial", "callerId") == LEADS_NUMBER
    assert bridged.text("Number") == CUSTOMER
    call.refresh_from_db()
    assert (call.status, call.bridge_token) == (Call.Status.CONNECTING, None)


def test_each_bridge_url_works_once_and_a_replay_finds_no_call(twilio, call):
    first = first_url(twilio)
    action, _ = key_pressed(twilio)

    for used in (first, action):
        answer = hook(used, {"CallSid": call.provider_id, "Digits": "1"})
        assert answer.status_code == 404
    assert Call.objects.get().status == Call.Status.CONNECTING
    assert CallEvent.objects.filter(call=None).count() == 2  # the replays are kept, and did nothing


def test_no_key_pressed_hangs_up_and_the_customer_is_never_dialled(twilio, call):
    prompt = twiml(hook(first_url(twilio), {"CallSid": call.provider_id}))
    answer = twiml(hook(str(prompt.attr("Gather", "action")), {"CallSid": call.provider_id}))

    assert not answer.has("Dial")
    assert answer.has("Hangup")
    call.refresh_from_db()
    assert (call.status, call.outcome) == (Call.Status.ENDED, Call.Outcome.NO_ANSWER)


@pytest.mark.parametrize("reported", ["no-answer", "busy"])
def test_an_unanswered_or_declined_first_leg_never_rings_the_customer(twilio, call, reported):
    hook(status_path(call), leg(call, CallStatus=reported))

    call.refresh_from_db()
    assert call.status == Call.Status.ENDED
    assert call.outcome == (Call.Outcome.BUSY if reported == "busy" else Call.Outcome.NO_ANSWER)
    # Its bridge URL is gone: a late fetch of it cannot dial the customer.
    assert hook(first_url(twilio), {"CallSid": call.provider_id, "Digits": "1"}).status_code == 404
    [entry] = Activity.objects.filter(kind=Activity.Kind.CALL)
    assert entry.text.startswith("Carol Seller called Jordan Sample: ")


@time_machine.travel(OPEN, tick=False)
def test_a_connected_call_of_30_seconds_puts_its_length_on_the_lead_and_is_the_first_reply(twilio, call, lead):
    key_pressed(twilio)
    hook(status_path(call), customer_leg(call, CallStatus="ringing"))
    hook(status_path(call), customer_leg(call, CallStatus="in-progress"))
    hook(status_path(call), customer_leg(call, CallStatus="completed", CallDuration="125"))
    hook(status_path(call), leg(call, CallStatus="completed", CallDuration="140"))

    call.refresh_from_db()
    assert (call.outcome, call.duration_seconds, call.answered_at) == (Call.Outcome.ANSWERED, 125, OPEN)
    lead.refresh_from_db()
    assert (lead.first_response_at, lead.first_response_channel) == (OPEN, "call")
    assert lead.status == "working"
    [entry] = Activity.objects.filter(lead=lead, kind=Activity.Kind.CALL)
    assert entry.text == "Carol Seller called Jordan Sample: answered, 2 min 05 s"
    assert entry.actor == call.user


@time_machine.travel(OPEN, tick=False)
def test_a_short_call_or_a_voicemail_is_no_human_reply(twilio, call, lead):
    key_pressed(twilio)
    hook(status_path(call), customer_leg(call, CallStatus="completed", CallDuration="29"))
    lead.refresh_from_db()
    assert lead.first_response_at is None

    second = placed(start_call(lead=lead, user=call.user, actor=call.user))
    key_pressed(twilio)
    hook(
        status_path(second),
        customer_leg(second, CallStatus="completed", CallDuration="60", AnsweredBy="machine_end_beep"),
    )
    second.refresh_from_db()
    assert second.outcome == Call.Outcome.VOICEMAIL
    lead.refresh_from_db()
    assert lead.first_response_at is None


def test_a_forged_signature_gets_403_and_changes_nothing(twilio, call):
    forged = hook(status_path(call), leg(call, CallStatus="busy"), token="not-the-auth-token")
    unsigned = hook(first_url(twilio), {"CallSid": call.provider_id}, signed=False)

    assert (forged.status_code, unsigned.status_code) == (403, 403)
    call.refresh_from_db()
    assert (call.status, call.outcome) == (Call.Status.PLACED, "")
    assert not CallEvent.objects.exists()


def test_a_status_callback_for_an_unknown_call_is_kept_and_changes_nothing(twilio, call):
    answer = hook("/hooks/twilio/voice/status/no-such-token", {"CallSid": "CA404", "CallStatus": "completed"})

    assert answer.status_code == 404
    call.refresh_from_db()
    assert call.status == Call.Status.PLACED
    event = CallEvent.objects.get()
    assert (event.call, event.form["CallSid"], event.result) == (None, ["CA404"], "No call has this status URL.")


def test_a_provider_error_fails_the_call_with_the_reason(twilio, lead, carol_with_mobile):
    twilio.statuses = [400]
    call = start_call(lead=lead, user=carol_with_mobile, actor=carol_with_mobile)

    from calls.tasks import deliver_call

    assert deliver_call(call.pk) == "failed"
    call.refresh_from_db()
    assert (call.status, call.outcome) == (Call.Status.FAILED, Call.Outcome.FAILED)
    assert "HTTP 400" in call.last_error
    assert "nope" in call.last_error
    [entry] = Activity.objects.filter(kind=Activity.Kind.CALL)
    assert entry.text.startswith("Carol Seller called Jordan Sample: failed (HTTP 400")


def test_a_call_whose_worker_stopped_midway_is_never_placed_again(twilio, lead, carol_with_mobile, settings):
    from calls.tasks import CALLS, STOPPED_MIDWAY, sweep_calls
    from forecourt.lib import jobs

    call = start_call(lead=lead, user=carol_with_mobile, actor=carol_with_mobile)
    settings.JOB_LEASE_SECONDS = 1
    # A worker claimed it and died before recording what the provider said; its lease runs out.
    assert jobs.claim(CALLS.pending(), call.pk)
    Call.objects.filter(pk=call.pk).update(claimed_until=None)

    assert sweep_calls() == 0
    assert twilio.calls == []
    call.refresh_from_db()
    assert (call.status, call.last_error) == (Call.Status.FAILED, STOPPED_MIDWAY)


def test_recordings_when_the_dealership_turns_them_on_are_announced(twilio, lead, carol_with_mobile):
    dealership = lead.dealership
    dealership.call_recordings = True
    dealership.save()
    call = placed(start_call(lead=lead, user=carol_with_mobile, actor=carol_with_mobile))

    prompt = twiml(hook(first_url(twilio), {"CallSid": call.provider_id}))
    assert "may be recorded" in prompt.text("Say")
    bridged = twiml(hook(str(prompt.attr("Gather", "action")), {"CallSid": call.provider_id, "Digits": "1"}))
    assert bridged.attr("Dial", "record") == "record-from-answer-dual"
    announce = twiml(hook(str(bridged.attr("Number", "url")), {"CallSid": "CA2"}))
    assert "may be recorded" in announce.text("Say")

    hook(status_path(call), {"CallSid": call.provider_id, "RecordingUrl": "https://api.twilio.com/rec/RE1"})
    call.refresh_from_db()
    assert call.recording_url == "https://api.twilio.com/rec/RE1"


def test_calls_are_not_recorded_by_default(twilio, call):
    prompt = twiml(hook(first_url(twilio), {"CallSid": call.provider_id}))
    bridged = twiml(hook(str(prompt.attr("Gather", "action")), {"CallSid": call.provider_id, "Digits": "1"}))
    assert bridged.attr("Dial", "record") is None
    assert "recorded" not in prompt.text("Say")
    assert path_of(first_url(twilio)).startswith("/hooks/twilio/voice/bridge/")


def test_the_provider_calling_back_before_the_worker_noted_its_callsid_is_read_right(twilio, lead, carol_with_mobile):
    call = start_call(lead=lead, user=carol_with_mobile, actor=carol_with_mobile)
    Call.objects.filter(pk=call.pk).update(status=Call.Status.PLACED)  # placed, its CallSid not written yet
    call.refresh_from_db()

    hook(status_path(call), {"CallSid": "CAfirst", "CallStatus": "no-answer"})

    call.refresh_from_db()
    assert (call.provider_id, call.outcome) == ("CAfirst", Call.Outcome.NO_ANSWER)

"""A customer calls the dealership's leads number (the number they text): a caller with an open
lead rings its salesperson's mobile, then the main number; anyone else rings the store. A missed
call tells the salesperson and shows on the lead; no lead is made, but the number is kept."""

from __future__ import annotations

import pytest
import time_machine

from calls.models import Call, CallEvent
from calls.queries import calls_of
from calls.tests.conftest import (
    CAROL_MOBILE,
    CUSTOMER,
    FORWARDING_NUMBER,
    LEADS_NUMBER,
    MAIN_NUMBER,
    hook,
    status_path,
    twiml,
)
from conftest import make_lead
from conversations.inbound import receive_text
from distribution.tests.conftest import OPEN
from leads.models import Activity, Customer, Lead
from notifications.models import Kind, Notification

pytestmark = pytest.mark.django_db(transaction=True)

VOICE = "/hooks/twilio/voice"
STRANGER = "+15125550177"


def rings(sid: str = "CAin1", caller: str = CUSTOMER, to: str = LEADS_NUMBER, **more: str):
    return hook(VOICE, {"CallSid": sid, "AccountSid": "AC0123456789", "From": caller, "To": to, **more})


def dial_ended(call: Call, status: str, seconds: str = "0", caller_status: str = "in-progress"):
    fields = {"CallSid": call.provider_id, "DialCallStatus": status, "DialCallDuration": seconds}
    return twiml(hook(status_path(call), {**fields, "CallStatus": caller_status}))


@time_machine.travel(OPEN, tick=False)
def test_a_caller_with_an_open_lead_rings_the_salespersons_mobile_then_the_main_number(lead, twilio):
    first = twiml(rings())
    call = Call.objects.get()
    assert first.text("Number") == CAROL_MOBILE
    assert first.attr(
        "Dial",
        "action",
    ).endswith(status_path(call))  # type: ignore[union-attr]
    assert (call.lead, call.user, call.direction) == (lead, lead.assigned_to, Call.Direction.IN)

    second = dial_ended(call, "no-answer")
    assert second.text("Number") == MAIN_NUMBER

    done = dial_ended(call, "completed", "64")
    assert done.has("Hangup")
    call.refresh_from_db()
    assert (call.outcome, call.duration_seconds, call.answered_by) == (Call.Outcome.ANSWERED, 64, MAIN_NUMBER)
    [entry] = Activity.objects.filter(lead=lead, kind=Activity.Kind.CALL)
    assert entry.text == "Jordan Sample called Riverside Toyota: answered at (512) 555-0111, 1 min 04 s"
    [told] = Notification.objects.filter(kind=Kind.MISSED_CALL)
    assert told.user == lead.assigned_to
    assert told.text == "Missed call from Jordan Sample ((512) 555-0100); the store took it."


def test_a_call_the_salesperson_takes_ends_there(lead, twilio):
    twiml(rings())
    call = Call.objects.get()
    assert dial_ended(call, "completed", "300").has("Hangup")
    call.refresh_from_db()
    assert (call.outcome, call.answered_by, call.tried) == (Call.Outcome.ANSWERED, CAROL_MOBILE, 1)
    assert not Notification.objects.filter(kind=Kind.MISSED_CALL).exists()


def test_a_salesperson_who_turned_forwarding_off_is_not_rung(lead, twilio):
    carol = lead.assigned_to
    carol.forward_calls = False
    carol.save()

    assert twiml(rings()).text("Number") == MAIN_NUMBER


@time_machine.travel(OPEN, tick=False)
def test_a_call_nobody_takes_is_missed_tells_the_assignee_and_shows_on_the_lead(lead, twilio):
    twiml(rings())
    call = Call.objects.get()
    dial_ended(call, "no-answer")
    sorry = dial_ended(call, "busy")

    assert "nobody can take your call" in sorry.text("Say")
    call.refresh_from_db()
    assert (call.status, call.outcome) == (Call.Status.ENDED, Call.Outcome.NO_ANSWER)
    [told] = Notification.objects.filter(kind=Kind.MISSED_CALL, user=lead.assigned_to)
    assert told.text == "Missed call from Jordan Sample ((512) 555-0100); nobody answered."
    assert told.lead == lead
    [entry] = Activity.objects.filter(lead=lead, kind=Activity.Kind.CALL)
    assert entry.text == "Jordan Sample called Riverside Toyota: no answer"


def test_a_caller_who_hangs_up_while_it_rings_is_a_missed_call_and_nothing_more_is_rung(lead, twilio):
    twiml(rings())
    call = Call.objects.get()
    assert dial_ended(call, "no-answer", caller_status="completed").has("Hangup")
    call.refresh_from_db()
    assert (call.outcome, call.tried) == (Call.Outcome.NO_ANSWER, 1)
    assert Notification.objects.filter(kind=Kind.MISSED_CALL).count() == 1


def test_an_unknown_caller_rings_the_calls_forwarding_number_and_makes_no_lead(phones, twilio):
    assert twiml(rings(caller=STRANGER)).text("Number") == FORWARDING_NUMBER

    assert not Lead.objects.exists()
    call = Call.objects.get()
    assert call.customer is not None
    assert list(call.customer.phones.values_list("number", flat=True)) == [STRANGER]


def test_without_a_calls_forwarding_number_other_callers_ring_the_main_number(phones, twilio):
    phones.calls_forwarding_phone = ""
    phones.save()
    assert twiml(rings(caller=STRANGER)).text("Number") == MAIN_NUMBER


def test_a_later_text_from_an_unknown_callers_number_links_to_the_call(phones, twilio):
    twiml(rings(caller=STRANGER))
    call = Call.objects.get()

    received = receive_text(to_number=LEADS_NUMBER, from_number=STRANGER, body="I just called", provider_id="SM1")

    assert received.new_lead
    assert received.lead.customer == call.customer
    assert Customer.objects.count() == 1
    assert list(calls_of(received.lead)) == [call]


def test_a_later_lead_from_that_number_finds_the_same_customer(phones, twilio):
    twiml(rings(caller=STRANGER))
    lead = make_lead(phones, customer={"first_name": "Sam", "phones": [{"number": STRANGER}]})
    assert lead.customer == Call.objects.get().customer


def test_the_customer_calling_the_texting_number_rings_the_store_when_it_texts_from_its_main_number(riverside, twilio):
    """A dealership that texts from its main number: a call to it must not ring the main number
    again (it would ring itself), so it rings the calls-forwarding number."""
    riverside.main_phone = MAIN_NUMBER
    riverside.calls_forwarding_phone = FORWARDING_NUMBER
    riverside.save()
    assert twiml(rings(caller=STRANGER, to=MAIN_NUMBER)).text("Number") == FORWARDING_NUMBER


def test_twilio_asking_again_for_the_same_call_rings_the_same_number_and_makes_nothing_new(lead, twilio):
    twiml(rings())
    again = twiml(rings())
    assert again.text("Number") == CAROL_MOBILE
    assert Call.objects.count() == 1


def test_a_call_to_a_number_no_dealership_has_is_hung_up_and_kept(lead, twilio):
    assert twiml(rings(to="+13035550000")).has("Hangup")
    assert not Call.objects.exists()
    assert CallEvent.objects.get().result.startswith("No dealership texts from +13035550000.")


def test_a_forged_inbound_call_gets_403_and_rings_nobody(lead, twilio):
    answer = hook(VOICE, {"CallSid": "CA1", "From": CUSTOMER, "To": LEADS_NUMBER}, token="guess")
    assert answer.status_code == 403
    assert not Call.objects.exists()
    assert not CallEvent.objects.exists()


def test_a_recording_dealership_tells_the_caller_before_ringing_anyone(lead, twilio):
    dealership = lead.dealership
    dealership.call_recordings = True
    dealership.save()

    answer = twiml(rings())

    assert "may be recorded" in answer.text("Say")
    assert answer.attr("Dial", "record") == "record-from-answer-dual"

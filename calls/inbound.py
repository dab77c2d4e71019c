"""A customer calls the dealership's leads number (the number they text): whom it rings.

A caller with an open lead rings its assigned salesperson's mobile (unless they turned call
forwarding off), then the main number; any other caller rings the calls-forwarding number, else
the main number. No lead is made by a call, but an unknown caller's number is kept on a customer
of its own, so a later text or lead from that number finds them (leads.matching).
"""

from __future__ import annotations

from collections.abc import Mapping

from django.db import transaction

from calls import voice
from calls.actions import end_call, tell_of_missed_call
from calls.bridge import UNANSWERED
from calls.models import Call
from conversations.inbound import dealership_texted_at
from dealerships.models import Dealership
from forecourt.lib.phone import to_e164
from leads import actions as lead_actions
from leads.matching import lock_customer_matching, match_customer
from leads.models import Customer, CustomerPhone, Lead


def _e164(number: str, country: str) -> str:
    return to_e164(number, country) or "" if number else ""


def route_for(*, dealership: Dealership, lead: Lead | None, called: str) -> list[str]:
    """The numbers to ring in turn, never the number that was called (it would ring itself)."""
    country = dealership.country
    numbers: list[str] = []
    owner = lead.assigned_to if lead else None
    if owner is not None and owner.is_active and owner.forward_calls:
        numbers.append(_e164(owner.mobile, country))
    if lead is not None:
        numbers.append(_e164(dealership.main_phone, country) or _e164(dealership.calls_forwarding_phone, country))
    else:
        numbers.append(_e164(dealership.calls_forwarding_phone, country) or _e164(dealership.main_phone, country))
    return [n for n in dict.fromkeys(numbers) if n and n != called]


def _caller(dealership: Dealership, number: str) -> tuple[Customer | None, Lead | None]:
    """The caller's customer (made when the number is new) and their open lead at the dealership."""
    organization = dealership.organization
    if not number.startswith("+"):  # a withheld or unreadable number: nobody to keep
        return None, None
    phones = [{"number": number, "type": CustomerPhone.Type.VOICE}]
    lock_customer_matching(organization=organization)
    customer = match_customer(organization=organization, data={"phones": phones}, country=dealership.country)
    if customer is None:
        customer = lead_actions.create_customer(
            organization=organization, data={"phones": phones}, country=dealership.country
        )
        return customer, None
    lead = (
        Lead.objects.filter(customer=customer, dealership=dealership, status__in=Lead.OPEN_STATUSES)
        .select_related("assigned_to", "customer")
        .order_by("-received_at", "-id")
        .first()
    )
    return customer, lead


def answer_call(form: Mapping[str, str]) -> tuple[Call, str]:
    """A new inbound call: kept as a Call, answered with the TwiML that rings the first number.
    UnknownNumber (conversations.inbound) when no dealership has the number called. The same
    CallSid again (Twilio retrying) rings the number it is at, and makes nothing new."""
    sid = form.get("CallSid", "")
    existing = Call.objects.filter(provider_id=sid).select_related("dealership").first() if sid else None
    if existing is not None:
        return existing, _ring_current(existing)
    dealership = dealership_texted_at(form.get("To", ""))
    called = _e164(form.get("To", ""), dealership.country) or form.get("To", "")
    caller = _e164(form.get("From", ""), dealership.country) or form.get("From", "")[:20]
    with transaction.atomic():
        customer, lead = _caller(dealership, caller)
        call = Call.objects.create(
            dealership=dealership,
            lead=lead,
            customer=customer,
            user=lead.assigned_to if lead else None,
            direction=Call.Direction.IN,
            status=Call.Status.RINGING,
            from_number=caller,
            to_number=called,
            route=route_for(dealership=dealership, lead=lead, called=called),
            provider_id=sid[:64],
            bridge_token=None,
        )
        return call, ring_next(call)


def _ring_current(call: Call) -> str:
    if call.is_over or not call.tried:
        return voice.hang_up() if call.is_over else ring_next(call)
    number = call.route[call.tried - 1]
    return voice.ring(call, number, first=call.tried == 1, recorded=call.dealership.call_recordings)


def ring_next(call: Call) -> str:
    """Ring the next number of the route; when none is left, the call was missed."""
    if call.tried >= len(call.route):
        _missed(call)
        return voice.sorry()
    number = call.route[call.tried]
    if not Call.objects.filter(pk=call.pk, tried=call.tried).update(tried=call.tried + 1):
        return voice.hang_up()  # another request moved the call on at the same moment
    call.tried += 1
    return voice.ring(call, number, first=call.tried == 1, recorded=call.dealership.call_recordings)


def _missed(call: Call) -> None:
    if end_call(call, outcome=Call.Outcome.NO_ANSWER):
        tell_of_missed_call(call, taken_by_store=False)


def dial_ended(call: Call, form: Mapping[str, str]) -> tuple[str, str]:
    """Twilio's `<Dial action>` of an inbound call: taken (the call ends), or not (ring the next
    number). Returns (TwiML, what it did in words)."""
    if call.is_over:
        return voice.hang_up(), "the call had already ended"
    dialled = form.get("DialCallStatus", "")
    number = call.route[call.tried - 1] if 0 < call.tried <= len(call.route) else ""
    owner_mobile = _e164(call.user.mobile, call.dealership.country) if call.user else ""
    if dialled == "completed":
        seconds = form.get("DialCallDuration", "")
        Call.objects.filter(pk=call.pk).update(answered_by=number)
        with transaction.atomic():
            end_call(call, outcome=Call.Outcome.ANSWERED, duration=int(seconds) if seconds.isdigit() else None)
            if owner_mobile and number != owner_mobile and owner_mobile in call.route:
                tell_of_missed_call(call, taken_by_store=True)
        return voice.hang_up(), f"answered at {number}"
    if form.get("CallStatus") == "completed":  # the caller hung up while it rang
        with transaction.atomic():
            _missed(call)
        return voice.hang_up(), "the caller hung up before anyone answered"
    outcome = UNANSWERED.get(dialled, Call.Outcome.NO_ANSWER)
    with transaction.atomic():
        twiml = ring_next(call)
    return twiml, f"{number}: {outcome}; next: {'none' if call.is_over else 'ringing on'}"

"""Click-to-call as Twilio walks it: the salesperson answers (the prompt), presses a key (the
customer is dialled), and each leg reports its status until the call ends.

Each step's URL is used once: serving the prompt replaces the bridge token with a new one for
the key press, and dialling the customer clears it, so a replayed URL finds no call.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.utils import timezone

from calls import voice
from calls.actions import end_call
from calls.models import Call, call_token


class UnknownCall(LookupError):
    """No call has this token (never had, or its step was already taken)."""


# Twilio's CallStatus of a leg that ended without a conversation, as an outcome.
UNANSWERED = {
    "no-answer": Call.Outcome.NO_ANSWER,
    "canceled": Call.Outcome.NO_ANSWER,
    "busy": Call.Outcome.BUSY,
    "failed": Call.Outcome.FAILED,
}


def _about(call: Call) -> str:
    lead = call.lead
    name = lead.customer.display_name if lead else "a customer"
    vehicle = lead.preferred_vehicle if lead else None
    return f"{name} about the {vehicle}" if vehicle else name


def bridge_step(token: str, form: Mapping[str, str]) -> tuple[Call, str, str]:
    """The TwiML for the bridge URL with `token`: the prompt on answer, then the customer's dial
    on a key press (none pressed: hang up), and what it did in words. UnknownCall for a token that is not (or no longer) one."""
    call = (
        Call.objects.select_related("lead__customer", "dealership")
        .filter(bridge_token=token, direction=Call.Direction.OUT)
        .first()
    )
    if call is None or call.is_over:
        raise UnknownCall("No call waits at this bridge URL (unknown, or already used).")
    recorded = call.dealership.call_recordings
    if call.tried == 0:  # the salesperson answered
        fresh = call_token()
        if not Call.objects.filter(pk=call.pk, bridge_token=token, tried=0).update(bridge_token=fresh, tried=1):
            raise UnknownCall("This bridge URL was just used.")
        return call, voice.prompt(call, about=_about(call), token=fresh, recorded=recorded), "prompt served"
    taken = Call.objects.filter(pk=call.pk, bridge_token=token, tried=1).update(
        bridge_token=None, tried=2, status=Call.Status.CONNECTING
    )
    if not taken:
        raise UnknownCall("This bridge URL was just used.")
    if not form.get("Digits"):
        end_call(call, outcome=Call.Outcome.NO_ANSWER)
        return call, voice.hang_up(), "no key pressed: hung up, the customer was not called"
    return call, voice.bridge(call, recorded=recorded), "dialling the customer"


def _seconds(value: str) -> int | None:
    return int(value) if value.strip().isdigit() else None


def outbound_status(call: Call, form: Mapping[str, str]) -> str:
    """A status callback of a click-to-call, from either leg; what it changed, in words."""
    if form.get("RecordingUrl"):
        Call.objects.filter(pk=call.pk).update(recording_url=form["RecordingUrl"][:500])
        return "recording kept"
    if call.is_over:
        return "the call had already ended"
    sid, status = form.get("CallSid", ""), form.get("CallStatus", "")
    # The customer's leg is the Dial's child: its callbacks name the salesperson's leg as parent.
    if not form.get("ParentCallSid"):
        if sid and not call.provider_id:  # the provider called back before the worker noted its CallSid
            Call.objects.filter(pk=call.pk, provider_id="").update(provider_id=sid[:64])
        if status in UNANSWERED:
            end_call(call, outcome=UNANSWERED[status])
            return f"the salesperson's phone: {status}; the customer was not called"
        if status == "completed" and call.tried < 2:
            end_call(call, outcome=Call.Outcome.NO_ANSWER)
            return "the salesperson hung up before pressing a key; the customer was not called"
        return f"the salesperson's phone: {status or 'no status'}"
    Call.objects.filter(pk=call.pk, customer_leg_id="").update(customer_leg_id=sid[:64])
    if status == "ringing":
        Call.objects.filter(pk=call.pk, status=Call.Status.CONNECTING).update(status=Call.Status.RINGING)
    elif status == "in-progress":
        Call.objects.filter(pk=call.pk, answered_at__isnull=True).update(
            status=Call.Status.TALKING, answered_at=timezone.now()
        )
    elif status == "completed":
        machine = form.get("AnsweredBy", "").startswith(("machine", "fax"))
        outcome = Call.Outcome.VOICEMAIL if machine else Call.Outcome.ANSWERED
        end_call(call, outcome=outcome, duration=_seconds(form.get("CallDuration", "")))
    elif status in UNANSWERED:
        end_call(call, outcome=UNANSWERED[status])
    return f"the customer's phone: {status or 'no status'}"

"""Placing click-to-calls: the worker's side of `calls.actions.start_call`, through the one outbox
(forecourt.lib.outbox).

A call is tried once. Ringing a salesperson's phone a minute late, or twice, helps nobody: a
provider's refusal fails the call with its reason (they press Call again), and a call whose
worker stopped mid-request (its lease ran out, so it is claimed a second time) is failed rather
than placed again, since the provider may have placed it already.
"""

from __future__ import annotations

from typing import Any

from django.tasks import task

from calls import provider
from calls.models import Call
from calls.phones import read_outbound_phone
from forecourt.lib.outbox import DeliveryError, Outbox

STOPPED_MIDWAY = (
    "The worker stopped while placing this call; it is not placed again, so no phone rings twice. Press Call again."
)


def _place(call: Call) -> dict[str, Any]:
    if call.attempts > 1:
        raise DeliveryError(STOPPED_MIDWAY, permanent=True)
    if not call.bridge_token:
        raise DeliveryError("This call has already been bridged.", permanent=True)
    try:
        phone = read_outbound_phone(call.staff_phone, call.dealership.country)
    except ValueError as exc:
        raise DeliveryError(f"The salesperson's phone cannot be dialled: {exc}", permanent=True) from None
    sid = provider.place_call(
        provider.NewCall(
            to=phone.number,
            from_number=call.from_number,
            send_digits=phone.send_digits,
            twiml_url=provider.bridge_url(call.bridge_token),
            status_url=provider.status_url(call.status_token),
        )
    )
    return {"provider_id": sid}


CALLS = Outbox(
    model=Call,
    waiting=Call.Status.QUEUED,
    sent=Call.Status.PLACED,
    failed=Call.Status.FAILED,
    send=_place,
    max_attempts=1,
)


def deliver_call(call_id: int) -> str:
    """Place one queued call; a failed one goes on the lead's timeline with its reason."""
    from calls.actions import record_failed_call

    outcome = CALLS.deliver(call_id)
    if outcome == "failed":
        record_failed_call(call_id)
    return outcome


@task()
def place_call_task(call_id: int) -> None:
    deliver_call(call_id)


def sweep_calls() -> int:
    """Place every due call nobody holds (a lost task, a lease that ran out)."""
    return sum(deliver_call(pk) == "sent" for pk in CALLS.due())

"""`POST /api/v1/leads/{id}/calls` (click-to-call), and calls as `GET …/messages` shows them
(CONTRACT §4): `"channel": "call"` with `"duration_seconds"` and `"outcome"`.

Thin, as the other lead routes are: the lead through `api.access.visible_lead` (404 for a lead
the caller may not see), the write through `calls.actions.start_call`.
"""

from __future__ import annotations

from typing import Any, Literal

from django.http import HttpRequest, JsonResponse
from ninja import Path, Router, Schema
from pydantic import Field

from accounts.models import User
from api.access import caller, visible_lead
from api.errors import ApiError, invalid
from api.schemas import ErrorOut, Input
from api.serializers import iso
from calls.actions import start_call
from calls.models import Call
from calls.words import summary
from conversations.channels import CannotSend
from leads.queries import leads_visible_to

router = Router(tags=["calls"])

ERRORS: dict[int, type[ErrorOut]] = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


class CallIn(Input):
    user: str | None = Field(
        None, max_length=254, description="Whose phone rings first (their email); the caller when left out."
    )


class CallOut(Schema):
    id: int
    status: Literal["queued", "placed", "connecting", "ringing", "talking", "ended", "failed"]


class CallEntryOut(Schema):
    """A call in the lead's thread (`GET /api/v1/leads/{id}/messages`), beside its messages."""

    id: int
    at: str = Field(description="When the call was started or came in: ISO 8601 with offset.")
    channel: Literal["call"]
    direction: Literal["in", "out"]
    body: str = Field(description="Who called whom and how it went, in words.")
    media: list[str]
    status: Literal["received", "queued", "sent", "delivered", "undelivered", "failed"] = Field(
        description="received (a customer's call), queued, sent (ringing or talking), delivered "
        "(answered), undelivered (not answered), failed."
    )
    error: str | None
    from_: str = Field(alias="from")
    to: str
    automated: bool
    sent_by: str | None
    outcome: Literal["answered", "no_answer", "busy", "failed", "voicemail"] | None = Field(
        description="How it went; null while it goes on."
    )
    duration_seconds: int | None = Field(description="How long the customer talked; null until it ended.")


def _thread_status(call: Call) -> str:
    """A call's place in the messages API's `status` words (the finer `outcome` goes beside it)."""
    if call.direction == Call.Direction.IN:
        return "received"
    if call.status == Call.Status.QUEUED:
        return "queued"
    if call.status == Call.Status.FAILED or call.outcome == Call.Outcome.FAILED:
        return "failed"
    if call.status == Call.Status.ENDED:
        return "delivered" if call.outcome == Call.Outcome.ANSWERED else "undelivered"
    return "sent"


def call_to_dict(call: Call) -> dict[str, Any]:
    """A call as an entry of the lead's thread (`GET /api/v1/leads/{id}/messages`)."""
    return {
        "id": call.pk,
        "at": iso(call.created_at),
        "channel": "call",
        "direction": call.direction,
        "body": summary(call),
        "media": [],
        "status": _thread_status(call),
        "error": call.last_error or None,
        "from": call.from_number,
        "to": call.to_number,
        "automated": False,
        "sent_by": call.user.email if call.user and call.direction == Call.Direction.OUT else None,
        "outcome": call.outcome or None,
        "duration_seconds": call.duration_seconds,
    }


@router.post(
    "/leads/{lead_id}/calls",
    response={202: CallOut, **ERRORS},
    summary="Click-to-call: ring the salesperson's phone, then the customer once they press a key; "
    "409 no_phone when that salesperson has no phone to ring",
)
def place_call(request: HttpRequest, lead_id: Path[int], payload: CallIn) -> JsonResponse:
    lead = visible_lead(request, lead_id)
    user = caller(request)
    if payload.user and payload.user.strip().lower() != user.email:
        chosen = User.objects.filter(email=payload.user.strip().lower(), is_active=True).first()
        if chosen is None or not leads_visible_to(chosen).filter(pk=lead.pk).exists():
            raise invalid("user", f"{payload.user} cannot work lead {lead.pk}.")
        user = chosen
    try:
        call = start_call(lead=lead, user=user, actor=caller(request))
    except CannotSend as exc:
        raise ApiError(409, exc.code, str(exc)) from None
    return JsonResponse({"id": call.pk, "status": call.status}, status=202)

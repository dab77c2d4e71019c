"""`GET /api/v1/customers/{id}/consent` (CONTRACT §4): a customer's consent ledger and current state.

Thin: the customer through `leads.queries.customer_for` (404, never 403), the ledger through
`conversations.consent`."""

from __future__ import annotations

from typing import Literal

from django.http import HttpRequest, JsonResponse
from ninja import Path, Router, Schema
from pydantic import Field

from accounts.models import User
from api.errors import not_found
from api.schemas import ErrorOut
from api.serializers import iso
from conversations.consent import LEDGER_CHANNELS, consent_now
from conversations.models import ConsentChange
from leads.models import Customer
from leads.queries import customer_for

router = Router(tags=["consent"])


class ConsentChangeOut(Schema):
    at: str
    channel: Literal["sms", "email", "messenger"]
    state: Literal["opted_out", "opted_in"]
    source: Literal["keyword", "staff", "api", "import", "language"]
    text: str = Field(description="The words used: the customer's reply, or the note of who recorded it.")


class ConsentNowOut(Schema):
    sms: Literal["opted_in", "opted_out", "unknown"]
    email: Literal["opted_in", "opted_out", "unknown"]
    messenger: Literal["opted_in", "opted_out", "unknown"]


class ConsentOut(Schema):
    now: ConsentNowOut
    ledger: list[ConsentChangeOut]


@router.get(
    "/customers/{customer_id}/consent",
    response={200: ConsentOut, 401: ErrorOut, 404: ErrorOut},
    summary="A customer's consent per channel now, and every change, oldest first",
)
def customer_consent(request: HttpRequest, customer_id: Path[int]) -> JsonResponse:
    user = request.user
    assert isinstance(user, User)  # set by api.auth.BearerToken
    if not 0 < customer_id < 2**63:
        raise not_found(f"No customer {customer_id}.")
    try:
        customer = customer_for(user, customer_id)
    except Customer.DoesNotExist:
        raise not_found(f"No customer {customer_id}.") from None
    ledger = ConsentChange.objects.filter(customer=customer, channel__in=LEDGER_CHANNELS).order_by("at", "id")
    return JsonResponse(
        {
            "now": {channel: consent_now(customer, channel)[0] for channel in LEDGER_CHANNELS},
            "ledger": [
                {"at": iso(c.at), "channel": c.channel, "state": c.state, "source": c.source, "text": c.text}
                for c in ledger
            ],
        }
    )

"""`POST /api/v1/dealerships/{slug}/adf`: a lead provider posts an ADF document or a whole email.

The body is stored raw before it is read, like every other delivery; what it made is answered
in the same request (a batch of one), or, when the caller sends `Prefer: respond-async`, 202
with the stored message once it is read, the worker taking it in. Mounted by api/urls.py under
`/dealerships/`.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from ninja import Router

from accounts.models import ApiToken, User
from accounts.queries import dealerships_of
from api.auth import intake_access
from api.errors import ApiError, error_response
from api.schemas import ErrorOut
from api.serializers import lead_to_dict, with_lead_details
from dealerships.models import Dealership
from intake.actions import Result, process_held, read_now_take_in_later, store_inbound
from intake.models import InboundEmail
from leads.models import Lead
from leads.queries import leads_visible_to

router = Router(tags=["intake"])


def _dealership_for(request: HttpRequest, slug: str) -> Dealership:
    """The dealership the caller works at; 404 for any other, so slugs leak nothing."""
    user = request.user
    assert isinstance(user, User)  # set by api.auth.BearerToken
    dealership = dealerships_of(user).filter(slug=slug).select_related("organization").first()
    if dealership is None:
        raise ApiError(404, "not_found", f"You take leads in at no dealership '{slug}'.")
    return dealership


@router.post(
    "/{slug}/adf",
    auth=intake_access,
    response={200: dict, 201: dict, 202: dict, 400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    summary="Take a lead in: an ADF/XML document or a whole email (message/rfc822)",
    description=(
        '201 `{"leads": [lead…], "outcomes": [{"id", "outcome"}…]}` when a lead was made (or a known '
        "customer's open lead got the request); 200 with the lead already held when this is a resend "
        "or a second delivery of it. A lead is given in full only to a full token whose user may read "
        'it; otherwise as `{"id", "outcome"}`, outcome one of created, resubmitted, resend, duplicate. '
        "A delivery naming a known customer's phone or email lands on that customer's open lead. "
        "400 `invalid_adf` when no lead could be read (the body is kept and shown on the Intake screen); "
        "202 when the body was kept but could not be processed yet (it is retried by the worker). "
        "With `Prefer: respond-async` the answer comes once the body is stored and read: 202 "
        '`{"inbound": {"id", "status"}, "leads": []}` (header `Preference-Applied: respond-async`), '
        "the lead taken in by the worker within a moment; 400 `invalid_adf` as without it."
    ),
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/xml": {"schema": {"type": "string"}},
                "message/rfc822": {"schema": {"type": "string"}},
            },
        }
    },
)
def post_adf(request: HttpRequest, slug: str) -> HttpResponse:
    dealership = _dealership_for(request, slug)
    body = request.body
    if not body.strip():
        raise ApiError(400, "empty_body", "Send an ADF document or an email in the request body.")
    user = request.user
    assert isinstance(user, User)
    inbound = store_inbound(
        dealership=dealership, raw=body, channel=InboundEmail.Channel.HTTP, mail_from=user.email, hold=True
    )
    if _asks_to_respond_async(request):
        unread = read_now_take_in_later(inbound)
        if unread is None:
            response = JsonResponse({"inbound": {"id": inbound.pk, "status": inbound.status}, "leads": []}, status=202)
            response["Preference-Applied"] = "respond-async"
            return response
        result = unread
    else:
        result = process_held(inbound)
    if inbound.status == InboundEmail.Status.NO_LEAD:
        return error_response(400, "invalid_adf", inbound.reason)
    if inbound.status != InboundEmail.Status.PROCESSED:
        return JsonResponse(
            {"inbound": {"id": inbound.pk, "status": inbound.status}, "leads": []},
            status=202,
        )
    token = getattr(request, "auth", None)  # set by api.auth.BearerToken
    assert isinstance(token, ApiToken)
    answer = {"leads": _leads_answer(result, user, token), "outcomes": _outcomes(result)}
    return JsonResponse(answer, status=201 if result.took_new_request else 200)


def _asks_to_respond_async(request: HttpRequest) -> bool:
    """`Prefer: respond-async` (RFC 7240): answer once the delivery is stored and read, not taken in."""
    preferences = request.headers.get("Prefer", "").replace(";", ",").split(",")
    return any(token.strip().lower() == "respond-async" for token in preferences)


def _outcomes(result: Result) -> list[dict[str, Any]]:
    """Each lead the delivery landed on, with what became of it there (its first prospect's outcome)."""
    first: dict[int, str] = {}
    for item in result.ingested:
        first.setdefault(item.lead.pk, item.outcome)
    return [{"id": pk, "outcome": outcome} for pk, outcome in first.items()]


def _leads_answer(result: Result, user: User, token: ApiToken) -> list[dict[str, Any]]:
    """The leads in full for a caller who may read them; for anyone else, id and outcome only.

    A delivery naming a known customer's phone or email lands on that customer's open lead, so
    answering it in full would let anyone who knows a phone number read the lead. An intake token
    reads no lead at all (its scope), whoever its user is.
    """
    outcomes = _outcomes(result)
    ids = [entry["id"] for entry in outcomes]
    readable: set[int] = set()
    if token.scope == ApiToken.Scope.FULL:
        readable = set(leads_visible_to(user).filter(pk__in=ids).values_list("pk", flat=True))
    # A lead made by this request is answered from the objects that made it (create_lead keeps
    # its rows in hand); a lead already held is read back whole.
    by_id = {item.lead.pk: item.lead for item in result.ingested if item.is_new and item.lead.pk in readable}
    held = [pk for pk in readable if pk not in by_id]
    if held:
        by_id |= {lead.pk: lead for lead in with_lead_details(Lead.objects.filter(pk__in=held))}
    return [lead_to_dict(by_id[entry["id"]]) if entry["id"] in by_id else entry for entry in outcomes]

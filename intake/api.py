"""`POST /api/v1/dealerships/{slug}/adf`: a lead provider posts an ADF document or a whole email.

The body is stored raw before it is read, like every other delivery; what it made is answered
in the same request. Mounted by api/urls.py under `/dealerships/`.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from ninja import Router

from accounts.models import User
from accounts.queries import dealerships_of
from api.auth import intake_access
from api.errors import ApiError, error_response
from api.schemas import ErrorOut
from api.serializers import lead_to_dict, with_lead_details
from dealerships.models import Dealership
from intake.actions import process_held, store_inbound
from intake.models import InboundEmail
from leads.models import Lead

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
        '201 `{"leads": [lead…]}` when a lead was made (or a known customer\'s open lead got the request); '
        "200 with the lead already held when this is a resend or a second delivery of it; "
        "400 `invalid_adf` when no lead could be read (the body is kept and shown on the Intake screen); "
        "202 when the body was kept but could not be processed yet (it is retried by the worker)."
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
    result = process_held(inbound)
    if inbound.status == InboundEmail.Status.NO_LEAD:
        return error_response(400, "invalid_adf", inbound.reason)
    if inbound.status != InboundEmail.Status.PROCESSED:
        return JsonResponse(
            {"inbound": {"id": inbound.pk, "status": inbound.status}, "leads": []},
            status=202,
        )
    ids = [lead.pk for lead in result.leads]
    # A lead made by this request is answered from the objects that made it (create_lead keeps
    # its rows in hand); a lead already held is read back whole.
    by_id = {item.lead.pk: item.lead for item in result.ingested if item.is_new}
    held = [pk for pk in ids if pk not in by_id]
    if held:
        by_id |= {lead.pk: lead for lead in with_lead_details(Lead.objects.filter(pk__in=held))}
    leads = [lead_to_dict(by_id[pk]) for pk in ids]
    return JsonResponse({"leads": leads}, status=201 if result.took_new_request else 200)

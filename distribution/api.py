"""`POST /api/v1/leads/{id}/claim` and `POST /api/v1/leads/{id}/assign` (CONTRACT §4)."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from ninja import Path, Router, Schema
from pydantic import ConfigDict, Field

from api.access import caller
from api.errors import ApiError, invalid, not_found
from api.schemas import ErrorOut, LeadOut
from api.serializers import lead_to_dict, with_lead_details
from distribution import actions
from distribution.queries import allocatable_users, claimable_lead_for, may_allocate
from leads.models import Lead
from leads.queries import lead_for

router = Router(tags=["distribution"])

ERRORS: dict[int, type[ErrorOut]] = {
    400: ErrorOut,
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    409: ErrorOut,
    422: ErrorOut,
}


class AssignIn(Schema):
    model_config = ConfigDict(extra="forbid")

    user: str = Field(min_length=3, max_length=254, description="Email of the person who gets the lead.")
    note: str = Field(default="", max_length=1000)


def _lead_json(lead: Lead, status: int = 200) -> JsonResponse:
    return JsonResponse(lead_to_dict(with_lead_details(Lead.objects.filter(pk=lead.pk)).get()), status=status)


def _check_id(lead_id: int) -> None:
    if not 0 < lead_id < 2**63:
        raise not_found(f"No lead {lead_id}.")


@router.post(
    "/leads/{lead_id}/claim",
    response={200: LeadOut, **ERRORS},
    summary="Claim a first-available or pool lead; 409 already_taken for everyone after the first",
)
def claim_lead(request: HttpRequest, lead_id: Path[int]) -> JsonResponse:
    _check_id(lead_id)
    user = caller(request)
    try:
        lead = claimable_lead_for(user, lead_id)
    except Lead.DoesNotExist:
        raise not_found(f"No lead {lead_id}.") from None
    try:
        lead = actions.claim_lead(lead=lead, user=user)
    except actions.AlreadyTaken as taken:
        raise ApiError(409, "already_taken", str(taken)) from None
    except actions.TrackingMode as error:
        raise ApiError(409, error.code, str(error)) from None
    except actions.DistributionError as error:
        raise ApiError(409, "not_claimable", str(error)) from None
    return _lead_json(lead)


@router.post(
    "/leads/{lead_id}/assign",
    response={200: LeadOut, **ERRORS},
    summary="Allocate or reassign a lead (admins and managers of its dealership)",
)
def assign_lead(request: HttpRequest, lead_id: Path[int], payload: AssignIn) -> JsonResponse:
    _check_id(lead_id)
    user = caller(request)
    try:
        lead = lead_for(user, lead_id)
    except Lead.DoesNotExist:
        raise not_found(f"No lead {lead_id}.") from None
    if not may_allocate(actor=user, dealership=lead.dealership):
        raise ApiError(403, "forbidden", "Only admins and managers of the lead's dealership assign leads.")
    to = allocatable_users(lead).filter(email=payload.user.strip().lower()).first()
    if to is None:
        raise invalid(
            "user", f"Nobody who can be assigned leads at {lead.dealership.name} has the email {payload.user}."
        )
    try:
        lead = actions.allocate(lead=lead, to=to, actor=user, note=payload.note)
    except actions.TrackingMode as error:
        raise ApiError(409, error.code, str(error)) from None
    except actions.DistributionError as error:
        raise ApiError(409, "conflict", str(error)) from None
    return _lead_json(lead)

"""`GET`/`POST /api/v1/leads/{id}/appointments` and `POST /api/v1/appointments/{id}` (CONTRACT §4).

Thin: the lead through `api.access.visible_lead` (404 for one the caller may not see), the
appointment through `appointments.queries`, every write through `appointments.actions`.
"""

from __future__ import annotations

from typing import Any, Literal

from django.http import HttpRequest, JsonResponse
from ninja import Path, Router, Schema
from pydantic import AwareDatetime, Field

from accounts.models import User
from api.access import caller, visible_lead
from api.errors import ApiError, invalid, not_found
from api.schemas import ErrorOut, Input
from api.serializers import iso
from appointments import actions
from appointments.models import Appointment
from appointments.queries import appointment_for, appointments_visible_to, with_details
from appointments.rules import BookingRefused

router = Router(tags=["appointments"])

ERRORS: dict[int, type[ErrorOut]] = {
    400: ErrorOut,
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    409: ErrorOut,
    422: ErrorOut,
}


class AppointmentIn(Input):
    starts_at: AwareDatetime = Field(description="ISO 8601 with offset, e.g. 2026-03-10T10:00:00-05:00.")
    ends_at: AwareDatetime | None = Field(
        None, description="Default: an hour after the start (15 minutes for a call back)."
    )
    user: str | None = Field(None, max_length=254, description="Email of who keeps it; default the lead's salesperson.")
    vehicle: int | None = Field(None, ge=1, description="Id of one of the lead's vehicles (`VehicleInterest`).")
    note: str = Field("", max_length=2000)
    kind: Literal["appointment", "test_drive", "delivery", "call_back", "other"] = "appointment"
    insist: bool = Field(False, description="Book outside opening hours anyway.")


class OutcomeIn(Input):
    outcome: Literal["kept", "no_show", "cancelled"]


class AppointmentOut(Schema):
    id: int
    starts_at: str
    ends_at: str
    user: str
    status: str
    kind: str
    lead: int | None
    vehicle: int | None
    note: str
    outside_hours: bool
    customer_notice: str | None


def appointment_to_dict(appointment: Appointment) -> dict[str, Any]:
    return {
        "id": appointment.pk,
        "starts_at": iso(appointment.starts_at),
        "ends_at": iso(appointment.ends_at),
        "user": appointment.user.email,
        "status": appointment.status,
        "kind": appointment.kind,
        "lead": appointment.lead_id,
        "vehicle": appointment.vehicle_id,
        "note": appointment.note,
        "outside_hours": appointment.outside_hours,
        "customer_notice": appointment.customer_notice or None,
    }


@router.get(
    "/leads/{lead_id}/appointments",
    response={200: list[AppointmentOut], **ERRORS},
    summary="The lead's appointments and events, earliest first",
)
def list_appointments(request: HttpRequest, lead_id: Path[int]) -> JsonResponse:
    lead = visible_lead(request, lead_id)
    rows = with_details(appointments_visible_to(caller(request)).filter(lead=lead)).order_by("starts_at", "pk")
    return JsonResponse([appointment_to_dict(a) for a in rows], safe=False)


@router.post(
    "/leads/{lead_id}/appointments",
    response={201: AppointmentOut, **ERRORS},
    summary="Book an appointment on the lead (inside opening hours unless `insist`)",
)
def book(request: HttpRequest, lead_id: Path[int], payload: AppointmentIn) -> JsonResponse:
    lead = visible_lead(request, lead_id)
    user = None
    if payload.user:
        user = User.objects.filter(email__iexact=payload.user, is_active=True).first()
        if user is None:
            raise invalid("user", f"Nobody active has the email {payload.user}.")
    vehicle = None
    if payload.vehicle is not None:
        vehicle = lead.vehicles.filter(pk=payload.vehicle).first()
        if vehicle is None:
            raise invalid("vehicle", f"Lead {lead.pk} has no vehicle {payload.vehicle}.")
    try:
        appointment = actions.book_appointment(
            dealership=lead.dealership,
            lead=lead,
            actor=caller(request),
            user=user,
            kind=payload.kind,
            starts_at=payload.starts_at,
            ends_at=payload.ends_at,
            vehicle=vehicle,
            note=payload.note,
            insist=payload.insist,
        )
    except BookingRefused as refusal:
        code = "outside_hours" if refusal.outside_hours else "invalid"
        raise ApiError(
            422, code, f"{refusal.field}: {refusal}", fields=[{"field": refusal.field, "message": str(refusal)}]
        ) from None
    return JsonResponse(appointment_to_dict(appointment), status=201)


@router.post(
    "/appointments/{appointment_id}",
    response={200: AppointmentOut, **ERRORS},
    summary="Mark an appointment kept, no-show or cancelled",
)
def mark(request: HttpRequest, appointment_id: Path[int], payload: OutcomeIn) -> JsonResponse:
    if not 0 < appointment_id < 2**63:
        raise not_found(f"No appointment {appointment_id}.")
    try:
        appointment = appointment_for(caller(request), appointment_id)
    except Appointment.DoesNotExist:
        raise not_found(f"No appointment {appointment_id}.") from None
    try:
        actions.mark_appointment(appointment=appointment, outcome=payload.outcome, actor=caller(request))
    except actions.AlreadyMarked as refusal:
        raise ApiError(409, "already_marked", str(refusal)) from None
    except ValueError as refusal:
        raise invalid("outcome", str(refusal)) from None
    return JsonResponse(appointment_to_dict(appointment), status=200)

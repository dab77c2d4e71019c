"""`POST /api/v1/customers/{id}/merge` and `POST /api/v1/customer-merges/{id}/undo` (docs/customers.md).

Thin: who may merge through `customers.queries` (404, never 403, for a customer the caller may
not merge), the work through `customers.actions`; a refusal is 409 `merge_refused`."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, JsonResponse
from ninja import Path, Router, Schema
from pydantic import ConfigDict, Field

from api.access import caller
from api.errors import ApiError, invalid, not_found
from api.schemas import ErrorOut
from api.serializers import iso
from customers.actions import MergeRefused, merge_customers, undo_merge
from customers.models import CustomerMerge
from customers.queries import merge_for, mergeable_customers, merging_dealerships
from dealerships.models import Dealership
from leads.models import Customer

router = Router(tags=["customers"])


class MergeIn(Schema):
    model_config = ConfigDict(extra="forbid")
    customer: int = Field(description="The customer merged into the one of the path, and removed.")


class MergeOut(Schema):
    id: int
    kept: int | None
    removed: int
    merged_at: str
    merged_by: str
    undone_at: str | None
    undone_by: str | None
    undo_summary: str


def _out(merge: CustomerMerge) -> dict[str, Any]:
    return {
        "id": merge.pk,
        "kept": merge.kept_id,
        "removed": merge.removed_id,
        "merged_at": iso(merge.merged_at),
        "merged_by": merge.merged_by.name if merge.merged_by else "",
        "undone_at": iso(merge.undone_at) if merge.undone_at else None,
        "undone_by": merge.undone_by.name if merge.undone_by else None,
        "undo_summary": merge.undo_summary,
    }


def _mergeable(request: HttpRequest, customer_id: int, field: str | None = None) -> tuple[Customer, Dealership]:
    """The customer and the first dealership the caller manages where it has a lead; 404
    (or 422 on a body field) for a customer the caller may not merge."""
    user = caller(request)
    missing = invalid(field, f"No customer {customer_id}.") if field else not_found(f"No customer {customer_id}.")
    if not 0 < customer_id < 2**63:
        raise missing
    customer = Customer.objects.filter(pk=customer_id).first()
    if customer is None or not mergeable_customers(user, customer.organization_id).filter(pk=customer_id).exists():
        raise missing
    dealership = (
        merging_dealerships(user)
        .filter(organization_id=customer.organization_id, leads__customer=customer)
        .order_by("pk")
        .first()
    ) or merging_dealerships(user).filter(organization_id=customer.organization_id).first()
    assert dealership is not None  # mergeable_customers found a dealership of theirs
    return customer, dealership


@router.post(
    "/customers/{customer_id}/merge",
    response={201: MergeOut, 401: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
    summary="Merge another customer into this one (admins and managers); 201 with the merge, to undo",
)
def merge(request: HttpRequest, customer_id: Path[int], body: MergeIn) -> JsonResponse:
    kept, dealership = _mergeable(request, customer_id)
    removed, _ = _mergeable(request, body.customer, "customer")
    if removed.organization_id != kept.organization_id:
        raise invalid("customer", f"No customer {body.customer}.")
    try:
        done = merge_customers(kept=kept, removed=removed, dealership=dealership, actor=caller(request))
    except MergeRefused as refusal:
        raise ApiError(409, "merge_refused", str(refusal)) from None
    return JsonResponse(_out(done), status=201)


@router.post(
    "/customer-merges/{merge_id}/undo",
    response={200: MergeOut, 401: ErrorOut, 404: ErrorOut, 409: ErrorOut},
    summary="Undo a merge: both customers as they were; 409 when it was already undone",
)
def undo(request: HttpRequest, merge_id: Path[int]) -> JsonResponse:
    if not 0 < merge_id < 2**63:
        raise not_found(f"No merge {merge_id}.")
    try:
        found = merge_for(caller(request), merge_id)
    except CustomerMerge.DoesNotExist:
        raise not_found(f"No merge {merge_id}.") from None
    try:
        done = undo_merge(merge=found, actor=caller(request))
    except MergeRefused as refusal:
        raise ApiError(409, "merge_refused", str(refusal)) from None
    return JsonResponse(_out(CustomerMerge.objects.select_related("merged_by", "undone_by").get(pk=done.pk)))

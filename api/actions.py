"""Writes the API makes beyond the lead actions themselves: choosing who a manual lead goes to."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from accounts.models import Membership, User
from accounts.queries import is_manager_of
from api.errors import ApiError, invalid
from api.schemas import CustomerIn, LeadIn
from dealerships.models import Dealership
from dealerships.modes import CODE, is_tracking, refusal
from forecourt.lib.phone import to_e164
from intake.door import take_in_lead
from leads import actions
from leads.models import Customer, Lead

# Leads the customer made (a visit, a text, a call, a chat, Messenger) or staff imported.
NOT_ANSWERED_KINDS = frozenset(
    {
        Lead.SourceKind.WALK_IN,
        Lead.SourceKind.TEXT,
        Lead.SourceKind.CALL,
        Lead.SourceKind.CHAT,
        Lead.SourceKind.MESSENGER,
        Lead.SourceKind.IMPORT,
    }
)


def create_manual_lead(*, dealership: Dealership, data: LeadIn, actor: User) -> Lead:
    """A lead entered by `actor` (who works at `dealership`), assigned as the request says.

    Who gets it: the `assigned_to` user; else a salesperson entering a lead for themselves
    (unless they name a CRM salesperson); else the dealership's distribution, which reads
    `crm_salesperson` when its method is crm_assign.
    """
    if data.assigned_to and is_tracking(dealership):
        raise ApiError(409, CODE, refusal(dealership, "assign leads"))
    assignee = _assignee(dealership, data.assigned_to) if data.assigned_to else None
    existing = _existing_customer(dealership, data.customer, "customer")
    co_existing = _existing_customer(dealership, data.co_customer, "co_customer") if data.co_customer else None
    source_name, source_kind = (
        (data.source, Lead.SourceKind.MANUAL) if isinstance(data.source, str) else (data.source.name, data.source.kind)
    )
    country = dealership.country
    # `actor` works at `dealership`: one who does not manage it is a salesperson.
    if assignee is None and not data.crm_salesperson and not is_manager_of(actor, dealership):
        assignee, reason = actor, "entered the lead themselves"
    else:
        reason = f"named by {actor.name} when entering it"
    with transaction.atomic():
        if existing is not None:
            actions.add_customer_contacts(
                customer=existing, data=_customer_data(data.customer, country), country=country
            )
        lead = take_in_lead(
            dealership=dealership,
            customer=_customer_data(data.customer, country),
            existing_customer=existing,
            co_customer=_customer_data(data.co_customer, country) if data.co_customer and not co_existing else None,
            source_name=source_name,
            source_kind=source_kind,
            source_ref=data.source_ref or "",
            department=data.department,
            vehicles=[v.model_dump() for v in data.vehicles],
            trades=[t.model_dump() for t in data.trades],
            comments=data.comments or "",
            actor=actor,
            assigned_to=assignee,
            assign_reason=reason,
            crm_salesperson=str(data.crm_salesperson or ""),
            # A lead handed over from elsewhere (no one named): its customer gets the autoresponder,
            # unless its kind says the customer came in person or wrote to us themselves.
            autorespond=not data.assigned_to and source_kind not in NOT_ANSWERED_KINDS,
        )
        if co_existing is not None:
            actions.set_co_customer(lead=lead, customer=co_existing, actor=actor)
    return lead


def _assignee(dealership: Dealership, email: str) -> User:
    membership = (
        Membership.objects.select_related("user")
        .filter(dealership=dealership, user__email=email.lower(), user__is_active=True)
        .first()
    )
    if membership is None:
        raise invalid("assigned_to", f"Nobody active at {dealership.name} has the email {email}.")
    if not membership.can_be_assigned:
        raise invalid("assigned_to", f"{membership.user.name} cannot be assigned leads at {dealership.name}.")
    return membership.user


def _existing_customer(dealership: Dealership, customer: CustomerIn | None, field: str) -> Customer | None:
    if customer is None or customer.id is None:
        return None
    # Customers are shared by the rooftops of one group, and by nobody else.
    found = Customer.objects.filter(pk=customer.id, organization_id=dealership.organization_id).first()
    if found is None:
        raise ApiError(
            422,
            "invalid",
            f"{field}.id: no customer {customer.id} at {dealership.name}'s group.",
            fields=[{"field": f"{field}.id", "message": "No such customer."}],
        )
    return found


def _customer_data(customer: CustomerIn, country: str) -> dict[str, Any]:
    data = customer.model_dump(exclude={"id", "phones"})
    # The number is read here, with the dealership's country, so that nothing unreadable is
    # ever stored as a number: it is kept as written in `raw` instead.
    data["phones"] = [
        {"number": to_e164(p.number or p.raw or "", country), "raw": p.number or p.raw or "", "type": p.type}
        for p in customer.phones
    ]
    return data

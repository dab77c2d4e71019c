"""Finding leads: the search box (name, phone in any format, email, VIN, stock) and the filters.

Each kind of query is answered from an index: phones are compared in E.164, emails exactly,
names by prefix of the upper-cased name, VIN and stock exactly.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet

from forecourt.lib.phone import to_e164
from leads.models import CustomerEmail, CustomerPhone, Lead, VehicleInterest

VIN_PATTERN = re.compile(r"^[A-HJ-NPR-Z0-9]{17}$", re.IGNORECASE)
PHONE_PATTERN = re.compile(r"^[\d\s().+\-]{7,}$")


@dataclass(frozen=True)
class LeadFilters:
    """What a leads list or API call asks for; every field optional."""

    q: str = ""
    status: str = ""
    source: str = ""
    assigned_to: str = ""  # an email, or "none" for unassigned leads
    department: str = ""
    dealership: str = ""  # a slug
    has_search_vehicle: bool | None = None


def search(leads: QuerySet[Lead], q: str, *, country: str = "US") -> QuerySet[Lead]:
    """Leads whose customer or vehicle matches `q`; `leads` is already scoped to the user."""
    q = q.strip()
    if not q:
        return leads
    customer_ids: QuerySet[Any, Any] | None = None
    if "@" in q:
        customer_ids = CustomerEmail.objects.filter(email=q.lower()).values("customer_id")
    elif PHONE_PATTERN.match(q) and (number := to_e164(q, country)):
        customer_ids = CustomerPhone.objects.filter(number=number).values("customer_id")
    if customer_ids is not None:
        return leads.filter(Q(customer_id__in=customer_ids) | Q(co_customer_id__in=customer_ids))
    vehicles = VehicleInterest.objects.filter(lead_id=OuterRef("pk"))
    if VIN_PATTERN.match(q):
        return leads.filter(Exists(vehicles.filter(vin=q.upper())))
    by_stock = Exists(vehicles.filter(stock=q)) | Exists(vehicles.filter(stock=q.upper()))
    return leads.filter(_name_matches(q) | by_stock)


def _name_matches(q: str) -> Q:
    """Every word of `q` starts the customer's first, last or business name."""
    condition = Q()
    for word in q.upper().split()[:4]:
        condition &= (
            Q(customer__first_name__upper__startswith=word)
            | Q(customer__last_name__upper__startswith=word)
            | Q(customer__business_name__upper__startswith=word)
        )
    return condition


def apply_filters(leads: QuerySet[Lead], filters: LeadFilters, *, country: str = "US") -> QuerySet[Lead]:
    if filters.status:
        leads = leads.filter(status=filters.status)
    if filters.source:
        leads = leads.filter(source_name=filters.source)
    if filters.assigned_to == "none":
        leads = leads.filter(assigned_to__isnull=True)
    elif filters.assigned_to:
        leads = leads.filter(assigned_to__email=filters.assigned_to.lower())
    if filters.department:
        leads = leads.filter(department=filters.department)
    if filters.dealership:
        leads = leads.filter(dealership__slug=filters.dealership)
    if filters.has_search_vehicle is not None:
        with_search = Exists(VehicleInterest.objects.filter(lead_id=OuterRef("pk"), search_vehicle=True))
        leads = leads.filter(with_search if filters.has_search_vehicle else ~with_search)
    return search(leads, filters.q, country=country)


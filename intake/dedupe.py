"""Recognising a lead we already hold, and what to do with a repeat customer's new request.
(Recognising the customer is `leads.matching`'s.)"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from dealerships.models import Dealership
from leads.models import Customer, Lead

# ADF `<id>`s name many things besides the lead (the lead type, the dealer's code, a score).
# Only values that look like a lead's own identifier are used to recognise a second delivery.
_NOT_A_LEAD_ID = re.compile(r"code|dealer|program|type|score|partner|media|campaign|promotion", re.IGNORECASE)
_PLACEHOLDER = re.compile(r"^(0+|n/?a|none|null|unknown|not ?available|\W*)$", re.IGNORECASE)


def open_lead_for(*, customer: Customer, dealership: Dealership, department: str) -> Lead | None:
    """The customer's most recent open lead in this department at this dealership."""
    return (
        Lead.objects.filter(
            customer=customer, dealership=dealership, department=department, status__in=Lead.OPEN_STATUSES
        )
        .select_related("assigned_to")
        .order_by("-received_at", "-id")
        .first()
    )


def distributes_existing_customers(dealership: Dealership, department: str) -> bool:
    """True when the dealership wants a known customer's new request distributed as a new lead."""
    config = (dealership.distribution or {}).get(department) or {}
    return config.get("existing_customers") == "distribute"


def lead_id_keys(ids: Iterable[Mapping[str, Any]], *, default_source: str) -> list[tuple[str, str]]:
    """(source, value) pairs of the ADF ids that identify the lead itself."""
    keys = []
    for entry in ids:
        value = str(entry.get("value") or "").strip()
        source = str(entry.get("source") or default_source or "").strip()
        if len(value) < 4 or len(value) > 200 or _PLACEHOLDER.match(value) or not re.search(r"\d", value):
            continue
        if _NOT_A_LEAD_ID.search(source):
            continue
        keys.append((source.lower()[:100], value))
    return list(dict.fromkeys(keys))

"""Leads as JSON, in the shape of CONTRACT §4. Plain functions, so commands such as
`ingest_adf` print exactly what the API answers.

Empty text is `null`, never `""`, so a client tests one thing for "not given".
Datetimes are ISO 8601 in UTC with the offset written out. A list of leads should come from
`with_lead_details(queryset)` so that serialising it does not query once per lead.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import QuerySet

from accounts.models import User
from leads.models import Activity, Customer, Lead, Trade, VehicleInterest


def with_lead_details(leads: QuerySet[Lead]) -> QuerySet[Lead]:
    """Everything `lead_to_dict` reads, fetched in a fixed number of queries for any number of leads."""
    return leads.select_related("dealership", "customer", "co_customer", "assigned_to", "sla").prefetch_related(
        "customer__emails",
        "customer__phones",
        "co_customer__emails",
        "co_customer__phones",
        "vehicles",
        "trades",
        "collaborators",
    )


def lead_to_dict(lead: Lead) -> dict[str, Any]:
    return {
        "id": lead.pk,
        "dealership": lead.dealership.slug,
        "department": lead.department,
        "status": lead.status,
        "source": {"name": lead.source_name, "kind": lead.source_kind},
        "source_ref": _text(lead.source_ref),
        "received_at": iso(lead.received_at),
        "customer": customer_to_dict(lead.customer),
        "co_customer": customer_to_dict(lead.co_customer) if lead.co_customer else None,
        "vehicles": [vehicle_to_dict(v) for v in lead.vehicles.all()],
        "trades": [trade_to_dict(t) for t in lead.trades.all()],
        "comments": _text(lead.comments),
        "timeframe": lead.timeframe or None,
        "assigned_to": user_to_dict(lead.assigned_to) if lead.assigned_to else None,
        "collaborators": [user_to_dict(u) for u in lead.collaborators.all()],
        "first_response_at": iso(lead.first_response_at),
        "sla": lead_sla(lead),
        "url": f"{settings.BASE_URL}/leads/{lead.pk}/",
    }


def lead_sla(lead: Lead) -> dict[str, Any]:
    """The lead's reply deadlines and where it stands: `running`, `met`, `stage1`, `stage2`, `none`."""
    from escalations.queries import sla_dict

    return sla_dict(lead)


def customer_to_dict(customer: Customer) -> dict[str, Any]:
    return {
        "id": customer.pk,
        "first_name": _text(customer.first_name),
        "last_name": _text(customer.last_name),
        "business_name": _text(customer.business_name),
        "emails": [e.email for e in customer.emails.all()],
        "phones": [
            {"number": p.number, "type": p.type} if p.number else {"number": None, "type": p.type, "raw": p.raw}
            for p in customer.phones.all()
        ],
        "address": {
            "street": list(customer.street or []),
            "city": _text(customer.city),
            "region": _text(customer.region),
            "postal_code": _text(customer.postal_code),
            "country": _text(customer.country),
        },
    }


def vehicle_to_dict(vehicle: VehicleInterest) -> dict[str, Any]:
    return {
        "interest": vehicle.interest,
        "condition": _text(vehicle.condition),
        "year": vehicle.year,
        "make": _text(vehicle.make),
        "model": _text(vehicle.model),
        "trim": _text(vehicle.trim),
        "vin": _text(vehicle.vin),
        "stock": _text(vehicle.stock),
        "price": money(vehicle.price),
        "odometer": vehicle.odometer,
        "preferred": vehicle.preferred,
        "search_vehicle": vehicle.search_vehicle,
    }


def trade_to_dict(trade: Trade) -> dict[str, Any]:
    return {
        "year": trade.year,
        "make": _text(trade.make),
        "model": _text(trade.model),
        "vin": _text(trade.vin),
        "odometer": trade.odometer,
    }


def user_to_dict(user: User) -> dict[str, str]:
    return {"email": user.email, "name": user.name}


def activity_to_dict(activity: Activity) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "at": iso(activity.at),
        "kind": activity.kind,
        "actor": activity.actor.email if activity.actor else None,
        "text": activity.text,
    }
    # Only where there is something: every other entry keeps exactly the contract's four keys.
    if also_sent := (activity.data or {}).get("also_sent"):
        entry["also_sent"] = [{"what": what, "value": value} for what, value in also_sent]
    return entry


def iso(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).isoformat() if moment else None


def money(amount: Decimal | None) -> str | None:
    # A string, not a float: 34995.10 must not come back as 34995.1 or 34995.099999.
    return f"{amount:.2f}" if amount is not None else None


def _text(value: str | None) -> str | None:
    return value or None

"""A known customer asking again while their lead is still open: the request joins that lead."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.conf import settings

from dealerships.modes import is_tracking
from leads.actions import record_activity
from leads.models import Activity, Lead, Trade, VehicleInterest
from notifications.actions import queue_email


def _same_vehicle(known: VehicleInterest, new: Mapping[str, Any]) -> bool:
    if new.get("vin") and known.vin:
        return bool(known.vin.upper() == new["vin"].upper())
    if new.get("stock") and known.stock:
        return bool(known.stock.lower() == new["stock"].lower())
    return (known.year, known.make.lower(), known.model.lower()) == (
        new.get("year"),
        (new.get("make") or "").lower(),
        (new.get("model") or "").lower(),
    )


def _describe(vehicle: Mapping[str, Any]) -> str:
    words = [str(vehicle[f]) for f in ("year", "make", "model", "trim") if vehicle.get(f)]
    if vehicle.get("stock"):
        words.append(f"(stock #{vehicle['stock']})")
    return " ".join(words) or "a vehicle"


def add_resubmission(
    *,
    lead: Lead,
    source_name: str,
    comments: str,
    vehicles: Iterable[Mapping[str, Any]],
    trades: Iterable[Mapping[str, Any]] = (),
    also_sent: Sequence[tuple[str, str]] = (),
) -> Activity:
    """Log the new request on the open lead, add vehicles it did not have, tell its salesperson.
    `also_sent` as for `leads.actions.create_lead`.

    Runs inside the caller's transaction; the notice is sent by the worker after commit.
    """
    known = list(lead.vehicles.all())
    added = []
    for vehicle in vehicles:
        if any(_same_vehicle(k, vehicle) for k in known):
            continue
        values = {k: v for k, v in vehicle.items() if k != "preferred"}
        known.append(VehicleInterest.objects.create(lead=lead, preferred=False, **values))
        added.append(_describe(vehicle))
    for trade in trades:
        if trade.get("make") or trade.get("model") or trade.get("vin"):
            Trade.objects.create(lead=lead, **trade)
    lines = [f"The customer sent another request through {source_name}."]
    if comments:
        lines.append(f"Comments: {comments}")
    if added:
        lines.append("New vehicles: " + "; ".join(added))
    activity = record_activity(
        lead=lead,
        kind=Activity.Kind.RESUBMISSION,
        actor=None,
        text="\n".join(lines),
        data={
            "source": source_name,
            "comments": comments,
            "vehicles": [_describe(v) for v in vehicles],
            **({"also_sent": [list(pair) for pair in also_sent]} if also_sent else {}),
        },
    )
    Lead.objects.filter(pk=lead.pk).update(updated_at=activity.at)
    # In lead tracking mode the other CRM tells its people (the lead went there too): we keep quiet.
    if lead.assigned_to is not None and lead.assigned_to.is_active and not is_tracking(lead.dealership):
        customer = lead.customer.display_name
        queue_email(
            to=[lead.assigned_to.email],
            subject=f"{customer} sent another request ({lead.dealership.name})",
            body="\n\n".join([*lines, f"Open the lead: {settings.BASE_URL}/leads/{lead.pk}/"]),
            purpose="lead_resubmission",
        )
    return activity

"""What distribution needs to know about a lead: what groups match on, where its vehicle
stands, and who already looks after its customer."""

from __future__ import annotations

from datetime import date

from django.db.models import Q

from accounts.models import Membership, User
from dealerships.models import Dealership
from distribution.assign import LeadFacts, short_date
from forecourt.lib.held import forget_rows
from inventory.models import Vehicle
from leads import actions as lead_actions
from leads.models import Activity, Lead, VehicleInterest


def lead_facts(lead: Lead, *, after_hours: bool) -> LeadFacts:
    vehicles = list(lead.vehicles.all())  # with their stock units: prefetched, or held by create_lead
    makes = {v.make or (v.inventory_vehicle.make if v.inventory_vehicle else "") for v in vehicles}
    conditions = {v.condition or (v.inventory_vehicle.condition if v.inventory_vehicle else "") for v in vehicles}
    return LeadFacts(
        source=lead.source_name,
        department=lead.department,
        makes=frozenset(m.lower() for m in makes if m),
        conditions=frozenset(c.lower() for c in conditions if c),
        locations=frozenset(v.dealership.slug for v in held_vehicles(lead, vehicles).values()),
        after_hours=after_hours,
    )


def held_vehicles(lead: Lead, vehicles: list[VehicleInterest] | None = None) -> dict[int, Vehicle]:
    """The stock vehicles of the dealer group that the lead's vehicles are, by interest id.

    A VIN identifies a vehicle anywhere; a stock number only when exactly one rooftop of the
    group uses it (stock numbers are per rooftop and may repeat).
    """
    vehicles = vehicles if vehicles is not None else list(lead.vehicles.select_related("inventory_vehicle"))
    group = Vehicle.objects.filter(
        dealership__organization_id=lead.dealership.organization_id, status=Vehicle.Status.IN_STOCK
    ).select_related("dealership")
    found: dict[int, Vehicle] = {}
    for interest in vehicles:
        if interest.inventory_vehicle is not None:
            found[interest.pk] = interest.inventory_vehicle
            continue
        query = Q(vin=interest.vin) if interest.vin else Q(stock=interest.stock) if interest.stock else None
        if query is None:
            continue
        matches = list(group.filter(query)[:2])
        if len(matches) == 1:
            found[interest.pk] = matches[0]
    return found


def move_to_vehicle_location(*, lead: Lead, actor: User | None) -> Dealership | None:
    """With "use vehicle location": a lead whose preferred vehicle stands at another rooftop of
    the group moves to that rooftop (its settings, its people). Returns the new rooftop."""
    vehicles = list(lead.vehicles.select_related("inventory_vehicle__dealership").order_by("-preferred", "id"))
    held = held_vehicles(lead, vehicles)
    for interest in vehicles:
        stock = held.get(interest.pk)
        if stock is None:
            continue
        if stock.dealership_id == lead.dealership_id:
            return None
        before = lead.dealership
        Lead.objects.filter(pk=lead.pk).update(dealership=stock.dealership)
        VehicleInterest.objects.filter(pk=interest.pk).update(inventory_vehicle=stock)
        forget_rows(lead, "vehicles")
        lead.dealership = stock.dealership
        lead_actions.record_activity(
            lead=lead,
            kind=Activity.Kind.EDITED,
            actor=actor,
            text=f"Moved from {before.name} to {stock.dealership.name}: stock #{stock.stock} ({stock}) is held there",
            data={"moved_from": before.slug, "moved_to": stock.dealership.slug, "stock": stock.stock},
        )
        return stock.dealership
    return None


def previous_salesperson(*, lead: Lead, today: date) -> tuple[User | None, str]:
    """The salesperson of the customer's latest earlier lead here, if they may take this one.

    Returns (user, reason) when they may; (None, why not) when there is one who may not;
    (None, "") for a customer new to this department.
    """
    earlier = (
        Lead.objects.filter(
            customer_id=lead.customer_id,
            dealership_id=lead.dealership_id,
            department=lead.department,
            assigned_to__isnull=False,
        )
        .exclude(pk=lead.pk)
        .select_related("assigned_to")
        .order_by("-received_at", "-id")
        .first()
    )
    if earlier is None or earlier.assigned_to is None:
        return None, ""
    person = earlier.assigned_to
    customer = lead.customer.display_name
    membership = Membership.objects.filter(user=person, dealership_id=lead.dealership_id).first()
    if not person.is_active or membership is None:
        why = "is deactivated" if not person.is_active else "no longer works here"
    elif not membership.can_be_assigned:
        why = "cannot be assigned leads"
    elif membership.is_absent_on(today):
        until = membership.absent_until
        why = f"is absent until {short_date(until, today)}" if until else "is absent"
    else:
        return person, f"existing customer: {person.name} is {customer}'s salesperson (lead {earlier.pk})"
    return None, f"existing customer: their salesperson {person.name} {why}"

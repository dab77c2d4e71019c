"""Template helpers for stock vehicles on the lead page."""

from __future__ import annotations

from django import template

from inventory.models import Vehicle
from leads.models import Lead

register = template.Library()


@register.simple_tag
def listed_units(lead: Lead) -> list[Vehicle]:
    """The lead's stock vehicles that have a listing page, preferred vehicle first."""
    ids = [v.inventory_vehicle_id for v in lead.vehicles.all() if v.inventory_vehicle_id]
    units = {unit.pk: unit for unit in Vehicle.objects.filter(pk__in=ids).exclude(listing_url="")}
    return [units[pk] for pk in dict.fromkeys(ids) if pk in units]

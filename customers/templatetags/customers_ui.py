"""The lead page's notice of a likely twin, and the menu's link to Possible duplicates."""

from __future__ import annotations

from typing import Any

from django import template

from accounts.models import Membership, User
from customers.duplicates import twins_of
from customers.queries import may_merge_at, mergeable_customers, merging_dealerships
from leads.models import Lead

register = template.Library()


@register.inclusion_tag("customers/_twin_notice.html", takes_context=True)
def twin_notice(context: dict[str, Any], lead: Lead) -> dict[str, Any]:
    """Shown to admins and managers of the lead's dealership when its customer has a likely twin."""
    user = getattr(context.get("request"), "user", None)
    if not isinstance(user, User) or not may_merge_at(user, lead.dealership):
        return {"twins": []}
    among = mergeable_customers(user, lead.dealership.organization_id)
    twins = twins_of(lead.customer, among=among, country=lead.dealership.country or "US")
    return {"lead": lead, "twins": twins[:3], "more": max(len(twins) - 3, 0)}


@register.simple_tag(takes_context=True)
def may_merge_customers(context: dict[str, Any]) -> bool:
    """Whether the menu offers Possible duplicates: from the memberships the page already read
    (accounts.context_processors), so the menu costs no query of its own."""
    if "my_memberships" in context:
        return any(m.role in Membership.MANAGING_ROLES for m in context["my_memberships"])
    user = getattr(context.get("request"), "user", None)
    return isinstance(user, User) and merging_dealerships(user).exists()

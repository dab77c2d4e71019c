"""Template helpers for pages of other apps that show distribution's parts (lead page, dashboard)."""

from __future__ import annotations

from typing import Any

from django import template

from accounts.models import User
from distribution.models import Offer
from distribution.queries import may_allocate, may_claim, open_offers_for
from leads.models import Lead

register = template.Library()


@register.simple_tag(takes_context=True)
def lead_distribution(context: template.Context, lead: Lead) -> dict[str, Any]:
    """{offer, can_claim, can_allocate} for the signed-in user and this lead."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if not isinstance(user, User):
        return {"offer": None, "can_claim": False, "can_allocate": False}
    offer = Offer.objects.filter(lead_id=lead.pk, claimed_at__isnull=True).first()
    return {
        "offer": offer,
        "can_claim": bool(offer and lead.assigned_to_id is None and may_claim(user=user, offer=offer)),
        "can_allocate": may_allocate(actor=user, dealership=lead.dealership),
    }


@register.simple_tag(takes_context=True)
def claimable_for_me(context: template.Context) -> list[Offer]:
    """Open offers the signed-in user may claim, oldest first (at most 50)."""
    user = getattr(context.get("request"), "user", None)
    return list(open_offers_for(user)[:50]) if isinstance(user, User) else []

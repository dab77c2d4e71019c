"""Claiming an offered lead (first available or pool): exactly one of any number of claims wins.

The claim is `UPDATE lead SET assigned_to = me WHERE assigned_to IS NULL`, whose row count
decides; who may claim is `distribution.queries.may_claim`.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from dealerships.modes import is_tracking, refusal
from distribution.actions.errors import AlreadyTaken, NotOffered, TrackingMode
from distribution.models import Offer
from distribution.queries import may_claim
from leads import actions as lead_actions
from leads.models import Lead


def oldest_in_pool(*, dealership_id: int, department: str) -> Offer | None:
    return (
        Offer.objects.filter(
            kind=Offer.Kind.POOL,
            claimed_at__isnull=True,
            lead__dealership_id=dealership_id,
            lead__assigned_to__isnull=True,
            department=department,
        )
        .select_related("lead")
        .order_by("lead__received_at", "lead_id")
        .first()
    )


def claim_lead(*, lead: Lead, user: User, now: datetime | None = None) -> Lead:
    """Take an offered lead. Exactly one of any number of simultaneous claims wins; everyone
    else gets AlreadyTaken naming the winner."""
    now = now or timezone.now()
    if is_tracking(lead.dealership):
        raise TrackingMode(refusal(lead.dealership, "let anyone claim leads"))
    offer = Offer.objects.select_related("lead").filter(lead_id=lead.pk).first()
    with transaction.atomic():
        # The conditional UPDATE decides; the checks below only choose the error message.
        if offer is not None and may_claim(user=user, offer=offer) and _oldest_ok(offer):
            won = Lead.objects.filter(pk=lead.pk, assigned_to__isnull=True).update(assigned_to=user, updated_at=now)
        else:
            won = 0
        if not won:
            current = Lead.objects.select_related("assigned_to").get(pk=lead.pk)
            if current.assigned_to is not None:
                raise AlreadyTaken(current.assigned_to)
            if offer is None:
                raise NotOffered("This lead is not up for claiming.")
            if not may_claim(user=user, offer=offer):
                raise NotOffered("This lead was not offered to you.")
            oldest = oldest_in_pool(dealership_id=lead.dealership_id, department=offer.department)
            raise NotOffered(f"Take the oldest lead in the pool first (lead {oldest.lead_id if oldest else '?'}).")
        Offer.objects.filter(pk=offer.pk).update(claimed_by=user, claimed_at=now)  # type: ignore[union-attr]
        fresh = Lead.objects.select_related("dealership", "customer").get(pk=lead.pk)
        fresh.assigned_to = None  # so the timeline reads "Assigned to", not "Reassigned from"
        assert offer is not None
        count = fresh.offered_to.count()
        how = "from the pool" if offer.kind == Offer.Kind.POOL else f"first of {count} offered"
        lead_actions.assign_lead(lead=fresh, to=user, actor=user, reason=f"claimed it {how}")
        fresh.assigned_to = user
    return fresh


def _oldest_ok(offer: Offer) -> bool:
    if offer.kind != Offer.Kind.POOL or not offer.oldest_first:
        return True
    oldest = oldest_in_pool(dealership_id=offer.lead.dealership_id, department=offer.department)
    return oldest is None or oldest.pk == offer.pk

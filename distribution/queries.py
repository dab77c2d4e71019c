"""Reads of distribution that depend on who asks: what they may claim, allocate and configure.

`may_allocate` and `may_claim` are the one answer to those questions, for views, the API and
the template tags alike."""

from __future__ import annotations

from functools import reduce
from operator import or_

from django.db.models import Q, QuerySet

from accounts.models import Membership, User
from accounts.queries import dealerships_administered_by, dealerships_seen_whole_by, is_manager_of
from dealerships.models import Dealership
from distribution.models import Offer
from leads.models import Lead
from leads.queries import leads_offered_to, leads_visible_to


def may_allocate(*, actor: User, dealership: Dealership) -> bool:
    """Admins and managers of the lead's dealership allocate and reassign leads."""
    return is_manager_of(actor, dealership)


def may_claim(*, user: User, offer: Offer) -> bool:
    """Offered users may claim a first-available lead; anyone who can be assigned leads in its
    department may take one from the pool."""
    if not user.is_active:
        return False
    membership = Membership.objects.filter(user=user, dealership_id=offer.lead.dealership_id).first()
    if membership is None or not membership.can_be_assigned:
        return False
    if offer.kind == Offer.Kind.POOL:
        return offer.department in (membership.departments or [])
    return offer.lead.offered_to.filter(pk=user.pk).exists()


def open_offers_for(user: User) -> QuerySet[Offer]:
    """Unclaimed offers the user may claim: first-available leads offered to them, and pool
    leads of the departments where they can be assigned leads."""
    if not user.is_authenticated or not user.is_active:
        return Offer.objects.none()
    memberships = Membership.objects.filter(user=user, can_be_assigned=True)
    pool = [
        Q(kind=Offer.Kind.POOL, lead__dealership_id=m.dealership_id, department__in=m.departments or [])
        for m in memberships
    ]
    mine = Q(
        kind=Offer.Kind.FIRST_AVAILABLE,
        lead__offered_to=user,
        lead__dealership_id__in=[m.dealership_id for m in memberships],
    )
    return (
        Offer.objects.filter(reduce(or_, pool, mine), claimed_at__isnull=True, lead__assigned_to__isnull=True)
        .select_related("lead__customer", "lead__dealership")
        .distinct()
        .order_by("lead__received_at", "lead_id")
    )


def claimable_lead_for(user: User, lead_id: int) -> Lead:
    """A lead the user may see, one offered to them (claimed or not, so that a late claim
    learns who took it), or one in a pool of their departments. Lead.DoesNotExist otherwise
    (404, never 403)."""
    if not user.is_authenticated or not user.is_active:
        raise Lead.DoesNotExist
    memberships = Membership.objects.filter(user=user, can_be_assigned=True)
    pool = [
        Q(offer__kind=Offer.Kind.POOL, dealership_id=m.dealership_id, offer__department__in=m.departments or [])
        for m in memberships
    ]
    pooled = Lead.objects.filter(reduce(or_, pool)) if pool else Lead.objects.none()
    lead = (
        (leads_visible_to(user) | leads_offered_to(user) | pooled)
        .filter(pk=lead_id)
        .select_related("dealership", "customer", "assigned_to")
        .distinct()
        .first()
    )
    if lead is None:
        raise Lead.DoesNotExist
    return lead


def unassigned_leads_for(user: User) -> QuerySet[Lead]:
    """Open leads nobody owns at the dealerships the user manages (offered, pooled or stuck)."""
    return (
        Lead.objects.filter(
            dealership__in=dealerships_seen_whole_by(user), assigned_to__isnull=True, status__in=Lead.OPEN_STATUSES
        )
        .select_related("customer", "dealership")
        .order_by("received_at", "id")
    )


def allocatable_users(lead: Lead, query: str = "") -> QuerySet[User]:
    """People the lead may be given to, searched by the start of their first or last name."""
    users = User.objects.filter(
        is_active=True, memberships__dealership_id=lead.dealership_id, memberships__can_be_assigned=True
    )
    for word in query.split()[:3]:
        users = users.filter(Q(name__istartswith=word) | Q(name__icontains=f" {word}") | Q(email__istartswith=word))
    return users.order_by("name").distinct()


def administered_dealership(user: User, slug: str) -> Dealership:
    """A dealership the user administers, or Dealership.DoesNotExist (404)."""
    return dealerships_administered_by(user).select_related("organization").get(slug=slug)

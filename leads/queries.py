"""Reads of leads scoped to who asks. Every page and API route goes through `leads_visible_to`."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from accounts.models import Membership, User
from leads.models import Customer, Lead

# Up to this many leads a salesperson helps on are written into the visibility query as ids.
COLLABORATIONS_INLINE = 1000


def leads_visible_to(user: User) -> QuerySet[Lead]:
    """The leads `user` may see.

    Admins and managers see every lead of their dealerships; a salesperson sees the leads
    assigned to them or on which they collaborate, only at dealerships they work at.
    Nobody sees another dealership's leads; an inactive user sees nothing.
    """
    if not user.is_authenticated or not user.is_active:
        return Lead.objects.none()
    # Dealership and collaboration ids are read first (two tiny queries) and written into the
    # query as constants. Behind subqueries PostgreSQL cannot tell how many leads match (it guessed
    # 625,000 of a million for a salesperson who sees 18,000) and walks every lead; with constants
    # it reads a salesperson's leads through the assignee and primary-key indexes.
    whole: list[int] = []
    partial: list[int] = []
    for dealership_id, role in Membership.objects.filter(user=user).values_list("dealership_id", "role"):
        (whole if role in Membership.MANAGING_ROLES else partial).append(dealership_id)
    visible = Q(dealership_id__in=whole)
    if partial:
        collaborating = Lead.collaborators.through.objects.filter(user_id=user.pk).values_list("lead_id", flat=True)
        lead_ids = list(collaborating[: COLLABORATIONS_INLINE + 1])
        helped = lead_ids if len(lead_ids) <= COLLABORATIONS_INLINE else collaborating
        visible |= Q(dealership_id__in=partial) & (Q(assigned_to_id=user.pk) | Q(pk__in=helped))
    return Lead.objects.filter(visible)


def leads_assigned_to(user: User) -> QuerySet[Lead]:
    """The leads assigned to `user` at dealerships they work at: the visible leads that are theirs.

    Without the collaborator branch of `leads_visible_to`, PostgreSQL can read them newest first
    from the assignee index and stop after a page, instead of fetching every one and sorting.
    """
    if not user.is_authenticated or not user.is_active:
        return Lead.objects.none()
    own = Membership.objects.filter(user=user).values_list("dealership_id", flat=True)
    return Lead.objects.filter(assigned_to_id=user.pk, dealership_id__in=list(own))


def lead_for(user: User, lead_id: int) -> Lead:
    """One lead the user may see, or Lead.DoesNotExist (404, never 403, so ids leak nothing)."""
    return leads_visible_to(user).select_related("dealership", "customer", "co_customer", "assigned_to").get(pk=lead_id)


def leads_offered_to(user: User) -> QuerySet[Lead]:
    """Leads offered to `user` ("first available": the first to claim one gets it) at dealerships
    where they work, whoever owns them now; `leads_open_to` opens those nobody owns yet."""
    if not user.is_authenticated or not user.is_active:
        return Lead.objects.none()
    mine = list(Membership.objects.filter(user=user).values_list("dealership_id", flat=True))
    offered = Lead.offered_to.through.objects.filter(user_id=user.pk).values_list("lead_id", flat=True)
    return Lead.objects.filter(pk__in=offered, dealership_id__in=mine)


def leads_open_to(user: User) -> QuerySet[Lead]:
    """The leads `user` may open: those they see (`leads_visible_to`), and the leads offered to
    them while nobody owns one.

    An offered lead is read-only until it is claimed: every write still goes through
    `leads_visible_to`, where it is not. Once someone owns it, the others lose sight of it.
    """
    return leads_visible_to(user) | leads_offered_to(user).filter(assigned_to__isnull=True)


def lead_open_to(user: User, lead_id: int) -> tuple[Lead, bool]:
    """One lead the user may open, and whether they may work on it (False: offered to them,
    read-only until they claim it); Lead.DoesNotExist otherwise (404, never 403)."""
    try:
        return lead_for(user, lead_id), True
    except Lead.DoesNotExist:
        lead = (
            leads_open_to(user).select_related("dealership", "customer", "co_customer", "assigned_to").get(pk=lead_id)
        )
        return lead, False


def customers_visible_to(user: User) -> QuerySet[Customer]:
    """Customers of the user's organisations, for the new-lead customer search."""
    if not user.is_authenticated or not user.is_active:
        return Customer.objects.none()
    orgs = Membership.objects.filter(user=user).values("dealership__organization_id")
    return Customer.objects.filter(organization_id__in=orgs)


def customer_for(user: User, customer_id: int) -> Customer:
    """A customer of a lead the user may see (as customer or co-customer), or Customer.DoesNotExist
    (404, never 403, as for leads)."""
    visible = leads_visible_to(user)
    return (
        Customer.objects.filter(pk=customer_id)
        .filter(Q(pk__in=visible.values("customer_id")) | Q(pk__in=visible.values("co_customer_id")))
        .get()
    )

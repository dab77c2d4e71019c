"""Reads of leads scoped to who asks. Every page and API route goes through `leads_visible_to`."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet

from accounts.models import Membership, User
from leads.models import Customer, Lead


def leads_visible_to(user: User) -> QuerySet[Lead]:
    """The leads `user` may see.

    Admins and managers see every lead of their dealerships; a salesperson sees the leads
    assigned to them or on which they collaborate, only at dealerships they work at.
    Nobody sees another dealership's leads; an inactive user sees nothing.
    """
    if not user.is_authenticated or not user.is_active:
        return Lead.objects.none()
    memberships = Membership.objects.filter(user=user)
    whole = memberships.filter(role__in=(Membership.Role.ADMIN, Membership.Role.MANAGER)).values("dealership_id")
    own = memberships.values("dealership_id")
    collaborating = Lead.collaborators.through.objects.filter(lead_id=OuterRef("pk"), user_id=user.pk)
    return Lead.objects.filter(
        Q(dealership_id__in=whole) | (Q(dealership_id__in=own) & (Q(assigned_to_id=user.pk) | Exists(collaborating)))
    )


def lead_for(user: User, lead_id: int) -> Lead:
    """One lead the user may see, or Lead.DoesNotExist (404, never 403, so ids leak nothing)."""
    return leads_visible_to(user).select_related("dealership", "customer", "co_customer", "assigned_to").get(pk=lead_id)


def customers_visible_to(user: User) -> QuerySet[Customer]:
    """Customers of the user's organisations, for the new-lead customer search."""
    if not user.is_authenticated or not user.is_active:
        return Customer.objects.none()
    orgs = Membership.objects.filter(user=user).values("dealership__organization_id")
    return Customer.objects.filter(organization_id__in=orgs)

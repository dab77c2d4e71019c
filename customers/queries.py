"""Who may see possible duplicates and merge customers: admins and managers, over the customers
of the dealerships they manage. Everything else answers 404, as for leads."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from accounts.models import User
from accounts.queries import dealerships_seen_whole_by, is_manager_of
from customers.models import CustomerMerge
from dealerships.models import Dealership
from leads.models import Customer, Lead


def merging_dealerships(user: User) -> QuerySet[Dealership]:
    """The dealerships whose customers the user may merge: where they are an admin or a manager."""
    return dealerships_seen_whole_by(user).order_by("name", "pk")


def may_merge_at(user: User, dealership: Dealership) -> bool:
    return is_manager_of(user, dealership)


def mergeable_customers(user: User, organization_id: int) -> QuerySet[Customer]:
    """Customers of the organisation the user may merge: each has a lead (as customer or
    co-customer) at a dealership the user manages, so the user sees everything being merged."""
    dealerships = list(merging_dealerships(user).filter(organization_id=organization_id).values_list("pk", flat=True))
    if not dealerships:
        return Customer.objects.none()
    leads = Lead.objects.filter(dealership_id__in=dealerships)
    return Customer.objects.filter(organization_id=organization_id).filter(
        Q(pk__in=leads.values("customer_id")) | Q(pk__in=leads.values("co_customer_id"))
    )


def merge_dealership_for(user: User, dealership_id: int) -> Dealership:
    """A dealership the user may merge customers at, or Dealership.DoesNotExist (404)."""
    return merging_dealerships(user).get(pk=dealership_id)


def merge_for(user: User, merge_id: int) -> CustomerMerge:
    """A merge done at a dealership the user manages, or CustomerMerge.DoesNotExist (404)."""
    return CustomerMerge.objects.select_related("kept", "merged_by", "undone_by", "dealership").get(
        pk=merge_id, dealership__in=merging_dealerships(user)
    )

"""Reads of lead intake scoped to who asks: only admins of a dealership see its inbound mail."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from accounts.models import User
from accounts.queries import dealerships_administered_by
from dealerships.models import Dealership
from intake.models import InboundEmail, SourceRule


def inbound_visible_to(user: User) -> QuerySet[InboundEmail]:
    return InboundEmail.objects.filter(dealership__in=dealerships_administered_by(user)).select_related("dealership")


def inbound_for(user: User, inbound_id: int) -> InboundEmail:
    """One inbound delivery of a dealership the user administers, or InboundEmail.DoesNotExist."""
    return inbound_visible_to(user).get(pk=inbound_id)


def administered_dealership(user: User, slug: str) -> Dealership:
    return dealerships_administered_by(user).select_related("organization").get(slug=slug)


def rules_visible_to(user: User) -> QuerySet[SourceRule]:
    """Rules of the user's administered dealerships and their organisations, and the built-in ones."""
    dealerships = dealerships_administered_by(user)
    return SourceRule.objects.filter(
        Q(dealership__in=dealerships)
        | Q(organization__in=dealerships.values("organization"))
        | Q(dealership__isnull=True, organization__isnull=True)
    ).select_related("dealership", "organization")


def rules_editable_by(user: User) -> QuerySet[SourceRule]:
    """Built-in rules are shown but not edited; a dealership rule overrides one."""
    return rules_visible_to(user).exclude(dealership__isnull=True, organization__isnull=True)

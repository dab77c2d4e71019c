"""Reads about staff that depend on who asks."""

from __future__ import annotations

from django.db.models import QuerySet

from accounts.models import Membership, User
from dealerships.models import Dealership


def memberships_of(user: User) -> QuerySet[Membership]:
    if not user.is_authenticated or not user.is_active:
        return Membership.objects.none()
    return Membership.objects.filter(user=user).select_related("dealership")


def dealerships_of(user: User) -> QuerySet[Dealership]:
    """Every dealership the user works at."""
    return Dealership.objects.filter(memberships__user=user, memberships__user__is_active=True).distinct()


def is_manager_of(user: User, dealership: Dealership | int) -> bool:
    """Whether the user is an active admin or manager of this dealership: the one answer to
    "may they see all its leads, allocate and reassign them" (`Membership.is_manager`)."""
    dealership_id = dealership if isinstance(dealership, int) else dealership.pk
    return (
        user.is_authenticated
        and user.is_active
        and Membership.objects.filter(
            user=user, dealership_id=dealership_id, role__in=Membership.MANAGING_ROLES
        ).exists()
    )


def dealerships_seen_whole_by(user: User) -> QuerySet[Dealership]:
    """Dealerships whose every lead the user sees: where they are a manager or an admin."""
    return dealerships_of(user).filter(memberships__user=user, memberships__role__in=Membership.MANAGING_ROLES)


def dealerships_administered_by(user: User) -> QuerySet[Dealership]:
    return dealerships_of(user).filter(memberships__user=user, memberships__role=Membership.Role.ADMIN)


def is_admin_anywhere(user: User) -> bool:
    return memberships_of(user).filter(role=Membership.Role.ADMIN).exists()


def users_administered_by(user: User) -> QuerySet[User]:
    """Everyone with a membership at a dealership the user administers (active or not)."""
    return User.objects.filter(memberships__dealership__in=dealerships_administered_by(user)).distinct()


def dealerships_outside_admin_of(actor: User, user: User) -> QuerySet[Dealership]:
    """Dealerships where `user` works that `actor` does not administer.

    While there are any, the account is shared with other admins: `actor` may edit only the
    memberships at their own dealerships, not the login itself (email, deactivation).
    """
    return (
        Dealership.objects.filter(memberships__user=user)
        .exclude(pk__in=dealerships_administered_by(actor).values("pk"))
        .distinct()
    )

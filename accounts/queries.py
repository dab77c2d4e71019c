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


def dealerships_seen_whole_by(user: User) -> QuerySet[Dealership]:
    """Dealerships whose every lead the user sees: where they are a manager or an admin."""
    return dealerships_of(user).filter(memberships__user=user, memberships__role__in=_WHOLE_VIEW_ROLES)


def dealerships_administered_by(user: User) -> QuerySet[Dealership]:
    return dealerships_of(user).filter(memberships__user=user, memberships__role=Membership.Role.ADMIN)


def is_admin_anywhere(user: User) -> bool:
    return memberships_of(user).filter(role=Membership.Role.ADMIN).exists()


def users_administered_by(user: User) -> QuerySet[User]:
    """Everyone with a membership at a dealership the user administers (active or not)."""
    return User.objects.filter(memberships__dealership__in=dealerships_administered_by(user)).distinct()


_WHOLE_VIEW_ROLES = (Membership.Role.ADMIN, Membership.Role.MANAGER)


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

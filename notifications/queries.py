"""Reads of a user's own notifications (nobody sees anyone else's)."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import User
from notifications.models import Notification


def notifications_of(user: User) -> QuerySet[Notification]:
    """The user's in-app notifications, newest first."""
    if not user.is_authenticated or not user.is_active:
        return Notification.objects.none()
    # A notification held until the dealership opens (`notifications.actions.hold_until`) shows from then.
    return Notification.objects.filter(user=user, in_app=True, created_at__lte=timezone.now()).select_related("lead")


def unread_count(user: User) -> int:
    return notifications_of(user).filter(read_at__isnull=True).count()

"""`{% notification_bell %}`: the bell with the signed-in user's unread count, for the top bar."""

from __future__ import annotations

from typing import Any

from django import template

from accounts.models import User
from notifications.queries import unread_count

register = template.Library()


@register.inclusion_tag("notifications/_bell.html", takes_context=True)
def notification_bell(context: template.Context) -> dict[str, Any]:
    user = context["request"].user
    return {"unread": unread_count(user) if isinstance(user, User) else 0}

"""Template tags other screens use to link to conversation screens without importing them."""

from __future__ import annotations

from typing import Any

from django import template

from accounts.models import User
from conversations.simulator import simulator_on

register = template.Library()


@register.simple_tag(takes_context=True)
def customer_simulator_on(context: dict[str, Any]) -> bool:
    """Whether the signed-in user may open the customer simulator (admins, console provider)."""
    user = context["request"].user
    return isinstance(user, User) and simulator_on(user)

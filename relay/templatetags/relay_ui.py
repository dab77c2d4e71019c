"""`{% copies_me user %}`: whether the person gets a copy of every email they send (the "Copy me" form)."""

from __future__ import annotations

from django import template

from accounts.models import User
from relay.preferences import copies_me as _copies_me

register = template.Library()


@register.simple_tag
def copies_me(user: User) -> bool:
    return isinstance(user, User) and _copies_me(user)

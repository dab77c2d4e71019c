from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from accounts.queries import memberships_of


def memberships(request: HttpRequest) -> dict[str, Any]:
    """The signed-in user's memberships, for the navigation (admin links, dealership names)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    rows = list(memberships_of(user))
    return {"my_memberships": rows, "is_admin": any(m.role == "admin" for m in rows)}

"""Who is calling an API route, and the lead they name when they may see it (404 otherwise)."""

from __future__ import annotations

from django.http import HttpRequest

from accounts.models import User
from api.errors import not_found
from leads.models import Lead
from leads.queries import lead_for


def caller(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)  # set by api.auth.BearerToken for every route
    return user


def visible_lead(request: HttpRequest, lead_id: int) -> Lead:
    """The caller's lead `lead_id`: 404, never 403, for one they may not see (or no such lead)."""
    # Ids beyond a bigint are nobody's lead; PostgreSQL would refuse to compare them.
    if not 0 < lead_id < 2**63:
        raise not_found(f"No lead {lead_id}.")
    try:
        return lead_for(caller(request), lead_id)
    except Lead.DoesNotExist:
        raise not_found(f"No lead {lead_id}.") from None

"""Reads of follow-up tasks, scoped through the lead the user may see."""

from __future__ import annotations

from django.db.models import QuerySet

from accounts.models import User
from followups.models import FollowUp
from leads.models import Lead


def followups_of(lead: Lead) -> QuerySet[FollowUp]:
    """The lead's tasks, open ones first by due time, then the done ones, latest first."""
    return lead.followups.select_related("assignee", "completed_by").order_by(
        "completed_at", "due_at", "id"
    )  # NULLs (open) sort first on SQLite and last on PostgreSQL: the template splits them.


def colleagues_at(lead: Lead) -> QuerySet[User]:
    return User.objects.filter(memberships__dealership=lead.dealership, is_active=True).order_by("name").distinct()

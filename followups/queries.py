"""Reads of follow-up tasks, scoped through the lead the user may see."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Q, QuerySet

from accounts.models import User
from accounts.queries import dealerships_of, dealerships_seen_whole_by
from followups.models import FollowUp
from leads.models import Lead
from leads.queries import leads_visible_to

# The Follow-ups page's tabs: overdue (due by now), the rest of today, and later.
WHEN = ("overdue", "today", "upcoming")


def followups_of(lead: Lead) -> QuerySet[FollowUp]:
    """The lead's tasks, open ones first by due time, then the done ones, latest first."""
    return lead.followups.select_related("assignee", "completed_by").order_by(
        "completed_at", "due_at", "id"
    )  # NULLs (open) sort first on SQLite and last on PostgreSQL: the template splits them.


def colleagues_at(lead: Lead) -> QuerySet[User]:
    return User.objects.filter(memberships__dealership=lead.dealership, is_active=True).order_by("name").distinct()


def sees_team_followups(user: User) -> bool:
    """Managers and admins may list everyone's follow-ups at their dealerships, not only their own."""
    return dealerships_seen_whole_by(user).exists()


def open_followups_for(user: User, *, team: bool = False) -> QuerySet[FollowUp]:
    """Open follow-ups on leads the user sees: their own (assigned to them, or unassigned on their
    lead), and with `team` also everyone's at the dealerships they manage. Not those of lost
    leads: nobody is chased about them any more (escalations.firing.moot)."""
    mine = Q(assignee=user) | Q(assignee__isnull=True, lead__assigned_to=user)
    whose = mine | Q(lead__dealership__in=dealerships_seen_whole_by(user)) if team else mine
    return (
        FollowUp.objects.filter(lead__in=leads_visible_to(user), completed_at__isnull=True)
        .exclude(lead__status=Lead.Status.LOST)
        .filter(whose)
        .select_related("lead__customer", "lead__dealership", "lead__assigned_to", "assignee")
        .order_by("due_at", "pk")
    )


def _end_of_today(zone: str, now: datetime) -> datetime:
    local = now.astimezone(ZoneInfo(zone))
    return datetime.combine(local.date() + timedelta(days=1), time(), tzinfo=local.tzinfo)


def followups_when(tasks: QuerySet[FollowUp], user: User, when: str, now: datetime) -> QuerySet[FollowUp]:
    """`tasks` due by `now` (overdue), later on each dealership's own today, or after it (upcoming)."""
    if when == "overdue":
        return tasks.filter(due_at__lte=now)
    # "Today" ends at midnight where the lead's dealership is, not where the server is.
    later_today = Q()
    for dealership_id, zone in dealerships_of(user).values_list("pk", "timezone"):
        later_today |= Q(lead__dealership_id=dealership_id, due_at__lt=_end_of_today(zone, now))
    if when == "today":
        return tasks.filter(due_at__gt=now).filter(later_today) if later_today else tasks.none()
    return tasks.filter(due_at__gt=now).exclude(later_today) if later_today else tasks.filter(due_at__gt=now)

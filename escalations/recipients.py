"""Who hears about a lead: the person working it, and above them their supervisor."""

from __future__ import annotations

from accounts.models import Membership, User
from leads.models import Lead


def managers_of(lead: Lead, *, besides: User | None = None) -> list[User]:
    """The lead's dealership's active managers, or its admins when it has no manager."""
    for role in (Membership.Role.MANAGER, Membership.Role.ADMIN):
        found = User.objects.filter(
            memberships__dealership_id=lead.dealership_id, memberships__role=role, is_active=True
        ).order_by("name", "pk")
        if besides is not None:
            found = found.exclude(pk=besides.pk)
        people = list(found.distinct())
        if people:
            return people
    return []


def workers_of(lead: Lead, *, assignee: User | None = None) -> list[User]:
    """Who must answer: `assignee` (default: the lead's salesperson), else the managers."""
    person = assignee if assignee is not None else lead.assigned_to
    if person is not None and person.is_active:
        return [person]
    return managers_of(lead)


def supervisors_of(lead: Lead, *, assignee: User | None = None) -> list[User]:
    """The supervisor of the person working the lead (their membership's), else the managers."""
    person = assignee if assignee is not None else lead.assigned_to
    if person is None:
        return managers_of(lead)
    membership = (
        Membership.objects.filter(user=person, dealership_id=lead.dealership_id).select_related("supervisor").first()
    )
    boss = membership.supervisor if membership else None
    if boss is not None and boss.is_active and boss.pk != person.pk:
        return [boss]
    return managers_of(lead, besides=person)

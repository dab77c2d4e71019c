"""How a dealership's distribution is set up, seen from its people: who is in which group, and
where leads would reach nobody (a department or a distribution group with nobody who receives
leads, everyone in it absent today, a pool that alerts nobody).

The rooftop screen (`accounts.rooftop`) shows it; the user form, the rooftop screen and
deactivating or erasing someone compare it before and after a change (`new_gaps`) to warn about
the gaps that change opens. It reads the settings the way `distribution.actions` acts on them:
a department's own method reaches those who receive leads there (the pool: those who may be
assigned leads), a group its members who receive leads; nobody reached means the fallback user,
then the first present admin.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date

from django.utils import timezone

from accounts.models import Membership
from dealerships.models import Dealership
from distribution.assign import CRM_ASSIGN, POOL
from distribution.policy import DEPARTMENTS, Policy
from distribution.store import load_policy, local_day, memberships_of


@dataclass(frozen=True)
class Gap:
    """One place where leads reach nobody; `key` tells the same gap apart before and after."""

    key: tuple[str, str]
    text: str


@dataclass(frozen=True)
class Setup:
    """A dealership's people and distribution, as the rooftop screen shows them."""

    dealership: Dealership
    memberships: tuple[Membership, ...]
    """Active people, by name."""
    groups_of: dict[int, tuple[tuple[int, str], ...]]
    """user id -> (position, name) of each distribution group they are in."""
    gaps: tuple[Gap, ...]
    today: date


def setup_of(dealership: Dealership, *, leaving: Collection[int] = (), changed: Membership | None = None) -> Setup:
    """The dealership as it is, or as it would be with the users `leaving` gone (deactivated or
    erased) and one membership `changed` (unsaved) in place of its row."""
    today = local_day(dealership, timezone.now())
    people = [
        changed if changed is not None and m.pk == changed.pk else m
        for m in memberships_of(dealership.pk)
        if m.user.is_active and m.user_id not in leaving
    ]
    policy = load_policy(dealership)
    groups_of: dict[int, list[tuple[int, str]]] = {}
    by_email = {m.user.email: m for m in people}
    for position, group in enumerate(policy.groups):
        for email, _weight in group.members:
            if email in by_email:
                groups_of.setdefault(by_email[email].user_id, []).append((position, group.name))
    left = {m.user.email for m in memberships_of(dealership.pk) if m.user_id in leaving}
    return Setup(
        dealership=dealership,
        memberships=tuple(sorted(people, key=lambda m: (m.user.name.lower(), m.pk))),
        groups_of={uid: tuple(groups) for uid, groups in groups_of.items()},
        gaps=tuple(gaps(policy, people, today=today, leaving=left)),
        today=today,
    )


def new_gaps(before: Setup, after: Setup) -> list[str]:
    """The gaps `after` has that `before` had not, in words."""
    known = {gap.key for gap in before.gaps}
    return [gap.text for gap in after.gaps if gap.key not in known]


def gaps(policy: Policy, people: Sequence[Membership], *, today: date, leaving: Collection[str] = ()) -> list[Gap]:
    """Every department, group and pool whose leads reach nobody, and where they go instead.

    `leaving`: emails of people being taken out, whose groups left with nobody else are removed
    (`distribution.departure`), so they are not a gap."""
    result = []
    for name in DEPARTMENTS:
        department = policy.department(name)
        label = name.capitalize()
        if department.method == CRM_ASSIGN:
            continue
        pool = department.method == POOL
        reached = [
            m
            for m in people
            if name in (m.departments or [])
            and m.can_be_assigned
            and (pool or (m.receives_leads and department.weights.get(m.user.email, 1) > 0))
        ]
        who = _instead(policy, people, [name], today)
        if not reached:
            verb = "may be assigned" if pool else "receives"
            result.append(Gap(("department", name), f"Nobody in {label} {verb} leads: new {label} leads go to {who}."))
        elif all(m.is_absent_on(today) for m in reached):
            result.append(
                Gap(
                    ("department-absent", name),
                    f"Everyone who receives {label} leads is absent today: new {label} leads go to {who}.",
                )
            )
        if pool and not any(m.pool_alerts for m in reached):
            result.append(
                Gap(
                    ("pool", name),
                    f"Nobody is alerted when a lead lands in the {label} pool: leads wait there until someone "
                    "opens the pool. Turn on “Pool alerts” for the people who should be told.",
                )
            )
    for group in policy.groups:
        members = {email for email, weight in group.members if weight > 0}
        if members and members <= set(leaving):
            continue  # taken out with its last member: departure removes it and says so
        reached = [m for m in people if m.user.email in members and m.receives_leads and m.can_be_assigned]
        if group.method == CRM_ASSIGN:
            continue
        departments = [group.match.department] if group.match.department else list(DEPARTMENTS)
        who = _instead(policy, people, departments, today)
        if not reached:
            result.append(
                Gap(
                    ("group", group.name),
                    f"Nobody in the distribution group “{group.name}” receives leads: the leads it takes "
                    f"({group.match.describe()}) go to {who}.",
                )
            )
        elif all(m.is_absent_on(today) for m in reached):
            result.append(
                Gap(
                    ("group-absent", group.name),
                    f"Everyone who receives leads in the distribution group “{group.name}” is absent today: "
                    f"its leads go to {who}.",
                )
            )
    return result


def _instead(policy: Policy, people: Sequence[Membership], departments: Sequence[str], today: date) -> str:
    """Who gets a department's leads when its rule reaches nobody (`distribution.actions._fallback`)."""
    answers = []
    for name in departments:
        fallback = policy.department(name).fallback
        person = next((m for m in people if m.user.email == fallback), None) if fallback else None
        if person is not None and person.can_be_assigned and not person.is_absent_on(today):
            who = f"{person.user.name}, the fallback user"
        else:
            admins = [m for m in people if m.role == Membership.Role.ADMIN]
            present = [m for m in admins if not m.is_absent_on(today)] or admins
            who = f"{present[0].user.name}, the admin" if present else "nobody: the dealership has no active admin"
        answers.append((name, who))
    if len({who for _, who in answers}) == 1:
        return answers[0][1]
    return "; ".join(f"{who} for {name.capitalize()} leads" for name, who in answers)

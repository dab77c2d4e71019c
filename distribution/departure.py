"""What deactivating someone changes in distribution, said before it is done and after.

A deactivated person cannot be named in the settings (`policy.check` refuses anyone who does not
work there), so they leave them at once: they are taken out of every distribution group, and a
group left with nobody is removed, since a group without members sends every lead it matches to
the fallback user instead of the department's rule; the dealership's record keeps the group as it
was, so it can be set up again. They stop being a fallback user, an alert recipient, a double
turn and anybody's supervisor (escalations then go to the managers). A department left with
nobody to receive its leads is warned about.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from django.db import transaction

from accounts.models import Membership, User
from dealerships.models import Dealership, DealershipChange
from distribution.models import DepartmentSettings, DistributionGroup, GroupMember, Rotation
from distribution.policy import DEPARTMENTS, Policy, Staff, nobody_receives, to_document
from distribution.store import load_policy, staff_of


@dataclass(frozen=True)
class Change:
    """One thing changed in a dealership's settings, in the shape of its `DealershipChange` rows
    ({"path", "old", "new"}) plus the sentence people read."""

    path: str
    old: Any
    new: Any
    text: str

    def record(self) -> dict[str, Any]:
        return {"path": self.path, "old": self.old, "new": self.new, "text": self.text}


@dataclass(frozen=True)
class Leaving:
    """What a person's leaving changes at one dealership, and what it leaves without anybody."""

    dealership: Dealership
    changes: tuple[Change, ...]
    warnings: tuple[str, ...]


def without(policy: Policy, *, email: str, name: str) -> tuple[Policy, list[Change]]:
    """`policy` with the person whose email this is taken out of it, and what that changed."""
    changes = []
    departments = {}
    for key in DEPARTMENTS:
        department, label = policy.department(key), key.capitalize()
        if department.fallback == email:
            department = replace(department, fallback=None)
            changes.append(
                Change(
                    f"distribution.{key}.fallback",
                    email,
                    None,
                    f"{name} is no longer the {label} fallback user: {label} leads nobody else can take go to "
                    "the admins.",
                )
            )
        if email in department.alert_recipients:
            rest = tuple(e for e in department.alert_recipients if e != email)
            department = replace(department, alert_recipients=rest)
            changes.append(
                Change(
                    f"distribution.{key}.alert_recipients",
                    [*rest, email],
                    list(rest),
                    f"{name} no longer gets the {label} new-lead alert email.",
                )
            )
        if email in department.weights:
            weights = {e: w for e, w in department.weights.items() if e != email}
            department = replace(department, weights=weights)
            changes.append(
                Change(
                    f"distribution.{key}.weights",
                    email,
                    None,
                    f"{name} no longer counts twice in the {label} round robin.",
                )
            )
        departments[key] = department
    groups = []
    documents = to_document(policy)["groups"]
    for group, document in zip(policy.groups, documents, strict=True):
        if email not in dict(group.members):
            groups.append(group)
            continue
        others = tuple((e, w) for e, w in group.members if e != email)
        path = f"distribution.groups.{group.name}"
        if others:
            groups.append(replace(group, members=others))
            text = f"{name} was taken out of the distribution group “{group.name}”."
            changes.append(Change(f"{path}.members", email, None, text))
        else:
            text = (
                f"The distribution group “{group.name}” had nobody else in it and was removed: the leads it "
                f"took ({group.match.describe()}) follow their department's rule again."
            )
            changes.append(Change(path, document, None, text))
    return Policy(departments=departments, groups=tuple(groups)), changes


def _staff_without(staff: Staff, email: str) -> Staff:
    return replace(
        staff,
        departments={e: d for e, d in staff.departments.items() if e != email},
        receivers=staff.receivers - {email},
        admins=tuple(e for e in staff.admins if e != email),
        assignable=None if staff.assignable is None else staff.assignable - {email},
    )


def _dealerships_of(user: User) -> list[Dealership]:
    ids = set(Membership.objects.filter(user=user).values_list("dealership_id", flat=True))
    ids |= set(GroupMember.objects.filter(user=user).values_list("group__dealership_id", flat=True))
    return list(Dealership.objects.filter(pk__in=ids).order_by("name"))


def _supervising(dealership: Dealership, user: User) -> list[Change]:
    """The people `user` supervises at `dealership`: a deactivated supervisor could no longer be
    chosen on their user form, which would then not save as it stands, so they lose them."""
    supervised = Membership.objects.filter(dealership=dealership, supervisor=user).select_related("user")
    return [
        Change(
            f"memberships.{m.user.email}.supervisor",
            user.email,
            None,
            f"{user.name} no longer supervises {m.user.name}: {m.user.name}'s escalations go to the managers.",
        )
        for m in supervised.order_by("user__name")
    ]


def _newly_without_anybody(before: tuple[Policy, Staff], after: tuple[Policy, Staff]) -> list[tuple[str, str]]:
    """Departments that have someone to receive their leads now and would have nobody after."""
    already = {key for key, _ in nobody_receives(*before)}
    return [(key, who) for key, who in nobody_receives(*after) if key not in already]


def preview(user: User) -> list[Leaving]:
    """What deactivating `user` will change, per dealership, for the confirmation page."""
    return _leave(user, actor=None, write=False)


def leave_distribution(*, user: User, actor: User | None) -> list[Leaving]:
    """Take `user` (being deactivated, still active) out of every dealership's distribution
    settings; each dealership's record of setting changes says what changed and why."""
    with transaction.atomic():
        return _leave(user, actor=actor, write=True)


def _leave(user: User, *, actor: User | None, write: bool) -> list[Leaving]:
    result = []
    places = _dealerships_of(user)
    for dealership in places:
        # Someone at several dealerships is told which one each line is about.
        at = f" at {dealership.name}" if len(places) > 1 else ""
        policy, staff = load_policy(dealership), staff_of(dealership)
        after, changes = without(policy, email=user.email, name=user.name)
        changes = [*changes, *_supervising(dealership, user)]
        if write and changes:
            _write(dealership, before=policy, after=after, email=user.email)
            DealershipChange.objects.create(
                dealership=dealership,
                actor=actor,
                source=DealershipChange.Source.SETTINGS,
                changes=[
                    {
                        **change.record(),
                        "text": f"{user.name} was deactivated. {change.text}" if n == 0 else change.text,
                    }
                    for n, change in enumerate(changes)
                ],
            )
        if at:
            changes = [replace(change, text=f"{dealership.name}: {change.text}") for change in changes]
        gaps = _newly_without_anybody((policy, staff), (after, _staff_without(staff, user.email)))
        if write:
            said = "Nobody in {d}{at} receives leads: new {d} leads go to {who}."
        else:
            said = "Nobody in {d}{at} will receive leads: new {d} leads will go to {who}."
        warnings = tuple(said.format(d=key.capitalize(), at=at, who=who) for key, who in gaps)
        if changes or warnings:
            result.append(Leaving(dealership, tuple(changes), warnings))
    return result


def _write(dealership: Dealership, *, before: Policy, after: Policy, email: str) -> None:
    """Only what changed, row by row: the groups others keep keep their ids and order."""
    GroupMember.objects.filter(group__dealership=dealership, user__email=email).delete()
    Membership.objects.filter(dealership=dealership, supervisor__email=email).update(supervisor=None)
    kept = {group.name for group in after.groups}
    removed = [group.name for group in before.groups if group.name not in kept]
    DistributionGroup.objects.filter(dealership=dealership, name__in=removed, members__isnull=True).delete()
    # Where a removed group's round robin stood means nothing any more (the settings screen lists it).
    Rotation.objects.filter(key__in=[f"{dealership.pk}:group:{name}" for name in removed]).delete()
    contract = dict(dealership.distribution or {})
    for key in DEPARTMENTS:
        department = after.department(key)
        if (contract.get(key) or {}).get("fallback") == email:
            contract[key] = {**contract[key], "fallback": None}
        DepartmentSettings.objects.filter(dealership=dealership, department=key).update(
            alert_recipients=list(department.alert_recipients), weights=dict(department.weights)
        )
    if contract != (dealership.distribution or {}):
        Dealership.objects.filter(pk=dealership.pk).update(distribution=contract)

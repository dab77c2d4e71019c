"""Reading and writing a dealership's distribution policy, and the candidates it distributes to.

The three keys CONTRACT §3 defines (method, fallback, existing_customers) live in
`Dealership.distribution`; everything else in this app's models. `load_policy` joins both into
one `Policy`; `save_policy` writes both back, with a `DealershipChange` row for the former.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import Any

from django.db import transaction
from django.db.models import Count

from accounts.models import Membership, User
from dealerships.models import Dealership, DealershipChange
from distribution import assign
from distribution.models import DepartmentSettings, DistributionGroup, GroupMember
from distribution.policy import DEPARTMENTS, DepartmentPolicy, GroupPolicy, Policy, Staff, to_document
from forecourt.lib.batch import read_settled
from leads.models import Lead

CONTRACT_KEYS = ("method", "fallback", "existing_customers")


def staff_of(dealership: Dealership) -> Staff:
    memberships = list(
        Membership.objects.filter(dealership=dealership, user__is_active=True).select_related("user").order_by("pk")
    )
    return Staff(
        departments={m.user.email: frozenset(m.departments or []) for m in memberships},
        receivers=frozenset(m.user.email for m in memberships if m.receives_leads),
        rooftops=frozenset(
            Dealership.objects.filter(organization_id=dealership.organization_id).values_list("slug", flat=True)
        ),
        names={m.user.email: m.user.name for m in memberships},
        admins=tuple(m.user.email for m in memberships if m.role == Membership.Role.ADMIN),
        assignable=frozenset(m.user.email for m in memberships if m.can_be_assigned),
    )


def load_policy(dealership: Dealership) -> Policy:
    """The dealership's distribution policy (in intake, kept while the settings stay as they are:
    forecourt/lib/batch.py, `read_settled`)."""
    return read_settled(("distribution.policy", dealership.pk), lambda: _load_policy(dealership))


def _load_policy(dealership: Dealership) -> Policy:
    rows = {row.department: row for row in DepartmentSettings.objects.filter(dealership=dealership)}
    departments = {}
    for name in DEPARTMENTS:
        base = (dealership.distribution or {}).get(name) or {}
        row = rows.get(name)
        departments[name] = DepartmentPolicy(
            method=base.get("method") or ("round_robin" if name == "sales" else "first_available"),
            fallback=base.get("fallback") or None,
            existing_customers=base.get("existing_customers") or "assigned_user",
            **(_row_values(row) if row else {}),
        )
    groups = []
    for group in DistributionGroup.objects.filter(dealership=dealership).prefetch_related("members__user"):
        groups.append(
            GroupPolicy(
                name=group.name,
                match=assign.Match(
                    sources=tuple(group.sources),
                    department=group.department,
                    makes=tuple(group.makes),
                    condition=group.condition,
                    locations=tuple(group.locations),
                    hours=group.hours,
                ),
                method=group.method,
                cap=group.open_lead_cap,
                members=tuple((m.user.email, m.weight) for m in group.members.all()),
            )
        )
    return Policy(departments=departments, groups=tuple(groups))


def _row_values(row: DepartmentSettings) -> dict[str, Any]:
    return {
        "after_hours_method": row.after_hours_method or None,
        "on_shift_only": row.on_shift_only,
        "cap": row.open_lead_cap,
        "pool_oldest_first": row.pool_oldest_first,
        "use_vehicle_location": row.use_vehicle_location,
        "alert_recipients": tuple(row.alert_recipients or ()),
        "weights": dict(row.weights or {}),
        "reply_template": row.reply_template,
    }


def policy_document(dealership: Dealership) -> dict[str, Any]:
    return to_document(load_policy(dealership))


def save_policy(*, dealership: Dealership, policy: Policy, actor: User | None) -> list[str]:
    """Store a checked policy, replacing groups and settings; returns what changed, in words."""
    before = to_document(load_policy(dealership))
    after = to_document(policy)
    with transaction.atomic():
        contract = {}
        changes = []
        for name in DEPARTMENTS:
            department = policy.department(name)
            current = dict((dealership.distribution or {}).get(name) or {})
            wanted = {**current, **{key: getattr(department, key) for key in CONTRACT_KEYS}}
            for key in CONTRACT_KEYS:
                if current.get(key) != wanted[key]:
                    changes.append({"path": f"distribution.{name}.{key}", "old": current.get(key), "new": wanted[key]})
            contract[name] = wanted
            DepartmentSettings.objects.update_or_create(
                dealership=dealership,
                department=name,
                defaults={
                    "after_hours_method": department.after_hours_method or "",
                    "on_shift_only": department.on_shift_only,
                    "open_lead_cap": department.cap,
                    "pool_oldest_first": department.pool_oldest_first,
                    "use_vehicle_location": department.use_vehicle_location,
                    "alert_recipients": list(department.alert_recipients),
                    "weights": dict(department.weights),
                    "reply_template": department.reply_template,
                },
            )
        if changes:
            dealership.distribution = {**(dealership.distribution or {}), **contract}
            dealership.save(update_fields=["distribution", "updated_at"])
            DealershipChange.objects.create(
                dealership=dealership, actor=actor, source=DealershipChange.Source.SETTINGS, changes=changes
            )
        _replace_groups(dealership, policy.groups)
    return describe_changes(before, after)


def _replace_groups(dealership: Dealership, groups: Sequence[GroupPolicy]) -> None:
    DistributionGroup.objects.filter(dealership=dealership).delete()
    users = dict(User.objects.filter(email__in={e for g in groups for e, _ in g.members}).values_list("email", "pk"))
    for position, group in enumerate(groups):
        row = DistributionGroup.objects.create(
            dealership=dealership,
            position=position,
            name=group.name,
            sources=list(group.match.sources),
            department=group.match.department,
            makes=list(group.match.makes),
            condition=group.match.condition,
            locations=list(group.match.locations),
            hours=group.match.hours,
            method=group.method,
            open_lead_cap=group.cap,
        )
        GroupMember.objects.bulk_create(
            GroupMember(group=row, user_id=users[email], weight=weight) for email, weight in group.members
        )


def describe_changes(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[str]:
    lines = []
    for name in DEPARTMENTS:
        old, new = before.get(name) or {}, after.get(name) or {}
        for key in sorted(set(old) | set(new)):
            if old.get(key) != new.get(key):
                lines.append(f"{name}.{key}: {old.get(key)!r} → {new.get(key)!r}")
    if before.get("groups") != after.get("groups"):
        lines.append("groups changed")
    return lines


# Candidates -----------------------------------------------------------------------------------


def local_day(dealership: Dealership, at: datetime) -> date:
    from zoneinfo import ZoneInfo

    return at.astimezone(ZoneInfo(dealership.timezone)).date()


def is_after_hours(dealership: Dealership, at: datetime) -> bool:
    try:
        return not dealership.calendar().is_open(at)
    except ValueError:  # a dealership without valid hours counts as always open
        return False


def open_lead_counts(dealership: Dealership, user_ids: Iterable[int]) -> dict[int, int]:
    rows = (
        Lead.objects.filter(dealership=dealership, status__in=Lead.OPEN_STATUSES, assigned_to_id__in=list(user_ids))
        .values("assigned_to_id")
        .annotate(n=Count("id"))
    )
    return {row["assigned_to_id"]: row["n"] for row in rows}


def memberships_of(dealership_id: int) -> list[Membership]:
    """Everyone who works at the dealership, with their users, in rotation order (membership id);
    in intake, kept while the settings stay as they are (forecourt/lib/batch.py, `read_settled`)."""
    return list(
        read_settled(
            ("distribution.memberships", dealership_id),
            lambda: list(Membership.objects.filter(dealership_id=dealership_id).select_related("user").order_by("pk")),
        )
    )


def candidates(
    dealership: Dealership,
    department: str,
    *,
    at: datetime,
    on_shift_only: bool = False,
    weights: Mapping[str, int] | None = None,
    members: Sequence[tuple[int, int]] | None = None,
    count_open_leads: bool = True,
    users: dict[int, User] | None = None,
    staff: Sequence[Membership] | None = None,
) -> list[assign.Candidate]:
    """Everyone at `dealership` who might get a `department` lead at `at`, with their flags.

    Without `members` that is every membership of the dealership (weights by email); with
    `members` ((user id, weight) of a group) exactly those users, flagged when they no longer
    work there. The rotation order is the membership's id, which never changes. `users`, if
    given, is filled with the User rows read, by id. `staff` is `memberships_of(dealership)`
    when the caller has read it already.
    """
    memberships = {m.user_id: m for m in (memberships_of(dealership.pk) if staff is None else staff)}
    wanted: list[tuple[int, int]]
    if members is None:
        wanted = [(uid, (weights or {}).get(m.user.email, 1)) for uid, m in memberships.items()]
    else:
        wanted = list(members)
    missing = [uid for uid, _ in wanted if uid not in memberships]
    strangers = {u.pk: u for u in User.objects.filter(pk__in=missing)} if missing else {}
    counts = open_lead_counts(dealership, [uid for uid, _ in wanted]) if count_open_leads else {}
    today = local_day(dealership, at)
    on_shift = True
    if on_shift_only:
        on_shift = not is_after_hours(dealership, at)
    result = []
    for user_id, weight in wanted:
        membership = memberships.get(user_id)
        if membership is None:
            stranger = strangers.get(user_id)
            if stranger is not None:
                result.append(
                    assign.Candidate(user_id, stranger.name, order=2**62 + user_id, member=False, weight=weight)
                )
            continue
        user = membership.user
        if users is not None:
            users[user_id] = user
        absent = membership.is_absent_on(today)
        result.append(
            assign.Candidate(
                user_id=user_id,
                name=user.name,
                order=membership.pk,
                weight=weight,
                active=user.is_active,
                in_department=department in (membership.departments or []),
                receives_leads=membership.receives_leads,
                can_be_assigned=membership.can_be_assigned,
                absent=absent,
                absent_until=membership.absent_until if absent else None,
                on_shift=on_shift,
                open_leads=counts.get(user_id, 0),
                crm_id=membership.crm_id,
            )
        )
    return result

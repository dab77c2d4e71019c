"""Distributing a lead: deciding who gets it, writing the reason on its timeline, telling them.

Who decides what (see docs/distribution.md):
1. the vehicle's rooftop, with "use vehicle location": the lead moves there first;
   then a marketplace redirect to a person (intake.forwarding), if that person may take it;
2. a known customer's salesperson, with `existing_customers: assigned_user`;
3. the first distribution group that matches, by its method;
4. the dealership department's method (business-hours or after-hours);
5. the fallback user, then the dealership's admins: a lead never ends up owned by nobody.

Races are settled by UPDATEs (never select_for_update, which SQLite ignores): a round-robin
turn locks its rotation's row with an UPDATE before reading where the rotation stands, and a
claim is `UPDATE lead SET assigned_to = me WHERE assigned_to IS NULL`, whose row count decides.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from accounts.models import Membership, User
from dealerships.models import Dealership
from dealerships.modes import is_tracking
from distribution import alerts, assign
from distribution.facts import lead_facts, move_to_vehicle_location, previous_salesperson
from distribution.models import Offer
from distribution.policy import DepartmentPolicy, GroupPolicy, Policy
from distribution.rotation import take_turn
from distribution.store import candidates, is_after_hours, load_policy, local_day, memberships_of
from forecourt.lib import batch
from forecourt.lib.batch import taking_many, write_pending
from leads import actions as lead_actions
from leads.models import Activity, Lead
from notifications.actions import notify
from notifications.models import Kind

log = logging.getLogger(__name__)


@dataclass
class Outcome:
    """What distribution did with a lead: assigned it, offered it to some people, or pooled it."""

    lead: Lead
    assigned_to: User | None = None
    offered_to: list[User] = field(default_factory=list)
    pooled: bool = False
    reason: str = ""


@dataclass(frozen=True)
class Redirect:
    """A person a new lead goes to outside the rules (a marketplace redirect, intake.forwarding),
    if they may take it; `rule` names the redirect in the timeline's words."""

    user: User
    rule: str


def distribute_lead(
    *,
    lead: Lead,
    actor: User | None = None,
    alert: bool = True,
    crm_salesperson: str = "",
    now: datetime | None = None,
) -> Outcome:
    """Decide who gets a new lead, write the reason on its timeline, and tell them.

    A lead that already has an owner or an open offer is left alone, so calling this twice
    never distributes a lead twice. `alert=False` (bulk imports) sends no new-lead alert email;
    the assignee is still told.
    """
    with transaction.atomic(savepoint=False):
        lead = (
            Lead.objects.select_related("dealership__organization", "customer", "assigned_to")
            .prefetch_related("vehicles__inventory_vehicle", "customer__emails", "customer__phones")
            .annotate(has_offer=Exists(Offer.objects.filter(lead_id=OuterRef("pk"))))
            .get(pk=lead.pk)
        )
        if lead.assigned_to_id is not None or lead.has_offer:
            return Outcome(lead=lead, assigned_to=lead.assigned_to, reason="already distributed")
        if is_tracking(lead.dealership):
            # Handed on from someone deactivated, say: it waits, unassigned, like every tracked lead.
            return Outcome(lead=lead, reason="lead tracking mode: nobody is assigned")
        # Distributed again (a handover): whoever it was offered to before no longer may open it.
        lead.offered_to.clear()
        policy = load_policy(lead.dealership)
        if policy.department(lead.department).use_vehicle_location:
            moved = move_to_vehicle_location(lead=lead, actor=actor)
            if moved is not None:
                policy = load_policy(moved)
        return _distribute(lead, policy, actor=actor, alert=alert, crm_salesperson=crm_salesperson, now=now)


def _distribute(
    lead: Lead,
    policy: Policy,
    *,
    actor: User | None,
    alert: bool,
    crm_salesperson: str,
    now: datetime | None,
    customer_is_new: bool = False,
    redirect: Redirect | None = None,
) -> Outcome:
    department = policy.department(lead.department)
    prepared = staff = None
    if alert and department.alert_recipients:
        # The alert's allocation links and the candidates are drawn from the same people.
        staff = memberships_of(lead.dealership_id)
        prepared = alerts.prepare_new_lead_alert(lead=lead, recipients=department.alert_recipients, memberships=staff)
    outcome = _decide(
        lead,
        policy,
        actor=actor,
        crm_salesperson=crm_salesperson,
        now=now or timezone.now(),
        customer_is_new=customer_is_new,
        staff=staff,
        redirect=redirect,
    )
    if prepared is not None:
        prepared.queue(outcome=outcome.reason)
    return outcome


def place_new_lead(*, lead: Lead, actor: User | None) -> Policy:
    """With "use vehicle location", move a lead just made to the rooftop holding its vehicle;
    returns the policy that distributes it there (`distribute_new_lead`)."""
    policy = load_policy(lead.dealership)
    if not policy.department(lead.department).use_vehicle_location:
        return policy
    write_pending()  # the move changes the lead's rows: in a batch of many, written first
    try:
        with transaction.atomic():
            moved = move_to_vehicle_location(lead=lead, actor=actor)
    except Exception:  # as in distribute_new_lead: the lead stays where it came in, and is still distributed
        log.exception("moving lead %s to its vehicle's rooftop failed", lead.pk)
        return policy
    return load_policy(moved) if moved is not None else policy


def distribute_new_lead(
    *,
    lead: Lead,
    actor: User | None,
    crm_salesperson: str,
    policy: Policy,
    customer_is_new: bool,
    redirect: Redirect | None = None,
) -> Outcome | None:
    """`distribute_lead` for a lead `leads.actions.create_lead` made in this transaction, placed
    by `place_new_lead` (whose `policy` this takes): nothing to read back, nobody else can see it.
    A customer made for this lead (`customer_is_new`) has no earlier salesperson to look for.
    A `redirect` names the person the lead goes to before any rule, if they may take it.

    A failure in distribution must never cost the lead itself, so it is logged and noted on the
    lead, which waits unassigned (and shows on the dashboard) instead of the whole intake rolling
    back. Updates `lead` in place."""
    try:
        with transaction.atomic(savepoint=not taking_many()):
            return _distribute(
                lead,
                policy,
                actor=actor,
                alert=True,
                crm_salesperson=crm_salesperson,
                now=None,
                customer_is_new=customer_is_new,
                redirect=redirect,
            )
    except Exception:
        if taking_many():
            raise  # the batch is taken in again lead by lead, each with the savepoint above
        log.exception("distributing lead %s failed", lead.pk)
        lead.assigned_to = None
        lead_actions.record_activity(
            lead=lead,
            kind=Activity.Kind.NOTE,
            actor=None,
            text="Not distributed: something went wrong; allocate this lead by hand.",
        )
        return None


def _decide(
    lead: Lead,
    policy: Policy,
    *,
    actor: User | None,
    crm_salesperson: str,
    now: datetime,
    customer_is_new: bool = False,
    staff: list[Membership] | None = None,
    redirect: Redirect | None = None,
) -> Outcome:
    dealership = lead.dealership
    department = policy.department(lead.department)
    after_hours = is_after_hours(dealership, now)
    notes: list[str] = []
    users: dict[int, User] = {}  # filled by `candidates`, so the chosen person needs no query of their own
    if redirect is not None:
        why = _why_not_redirected(lead, redirect.user, now=now, staff=staff)
        if why is None:
            return _assign(lead, redirect.user, f"{redirect.rule} to {redirect.user.name}", actor=actor)
        notes.append(f"{redirect.rule}: {redirect.user.name} {why}")
    if department.existing_customers == "assigned_user" and not customer_is_new:
        owner, why = previous_salesperson(lead=lead, today=local_day(dealership, now))
        if owner is not None:
            return _assign(lead, owner, why, actor=actor)
        if why:
            notes.append(why)
    group = _first_group(policy.groups, lead_facts(lead, after_hours=after_hours)) if policy.groups else None
    if group is not None:
        label = f'group "{group.name}" ({group.match.describe()})'
        members = _members(dealership, group)
        result = _run_method(
            lead,
            group.method,
            label=label,
            load=lambda: candidates(
                dealership,
                lead.department,
                at=now,
                on_shift_only=department.on_shift_only,
                members=members,
                count_open_leads=group.cap is not None,
                users=users,
                staff=staff,
            ),
            cap=group.cap,
            rotation=f"{dealership.pk}:group:{group.name}",
            crm_salesperson=crm_salesperson,
            actor=actor,
            notes=notes,
            now=now,
            users=users,
        )
        if result is not None:
            return result
        if group.method != assign.CRM_ASSIGN:
            return _fallback(lead, department, actor=actor, notes=notes, now=now, staff=staff)
    method = department.method_at(after_hours=after_hours)
    label = assign.METHOD_NAMES[method] + (" (after hours)" if after_hours and department.after_hours_method else "")
    result = _run_method(
        lead,
        method,
        label=label,
        load=lambda: candidates(
            dealership,
            lead.department,
            at=now,
            on_shift_only=department.on_shift_only,
            weights=department.weights,
            count_open_leads=department.cap is not None,
            users=users,
            staff=staff,
        ),
        cap=department.cap,
        rotation=f"{dealership.pk}:{lead.department}",
        crm_salesperson=crm_salesperson,
        actor=actor,
        notes=notes,
        now=now,
        oldest_first=department.pool_oldest_first,
        users=users,
    )
    if result is not None:
        return result
    return _fallback(lead, department, actor=actor, notes=notes, now=now, staff=staff)


def _why_not_redirected(lead: Lead, user: User, *, now: datetime, staff: list[Membership] | None) -> str | None:
    """Why a redirect's person may not take the lead (deactivated, absent, not receiving leads,
    not working at its rooftop); None when they may. Department and shift are the redirect's call."""
    dealership = lead.dealership
    found = candidates(dealership, lead.department, at=now, members=[(user.pk, 1)], count_open_leads=False, staff=staff)
    if not found or (found[0].active and not found[0].member):
        return f"does not work at {dealership.name}"
    candidate = replace(found[0], in_department=True, on_shift=True)
    return assign.why_not(candidate, department=lead.department, today=local_day(dealership, now))


def _first_group(groups: Sequence[GroupPolicy], facts: assign.LeadFacts) -> GroupPolicy | None:
    return next((g for g in groups if not g.match.failures(facts)), None)


def _members(dealership: Dealership, group: GroupPolicy) -> list[tuple[int, int]]:
    ids = dict(User.objects.filter(email__in=[e for e, _ in group.members]).values_list("email", "pk"))
    return [(ids[email], weight) for email, weight in group.members if email in ids]


def _run_method(
    lead: Lead,
    method: str,
    *,
    label: str,
    load: Callable[[], list[assign.Candidate]],
    cap: int | None,
    rotation: str,
    crm_salesperson: str,
    actor: User | None,
    notes: list[str],
    now: datetime,
    oldest_first: bool = False,
    users: dict[int, User] | None = None,
) -> Outcome | None:
    """Apply one method; None (with a note saying why) when it found nobody."""
    department = lead.department
    today = local_day(lead.dealership, now)
    if method == assign.ROUND_ROBIN:
        choice = take_turn(rotation, load, department=department, cap=cap, today=today, label=label)
        if choice.user_id is None:
            notes.append(choice.reason)
            return None
        return _assign(lead, _user(users, choice.user_id), _join(notes, choice.reason), actor=actor)
    if method == assign.CRM_ASSIGN:
        choice = assign.crm_match(load(), crm_salesperson, department=department, today=today)
        if choice.user_id is None:
            notes.append(f"{label}: {choice.reason.removeprefix('CRM assigned: ')}")
            return None
        reason = f"{label}: {choice.reason.removeprefix('CRM assigned: ')}"
        return _assign(lead, _user(users, choice.user_id), _join(notes, reason), actor=actor)
    needs = "can_be_assigned" if method == assign.POOL else "receives_leads"
    everyone = load()
    people, left_out = assign.eligible(everyone, department=department, cap=cap, needs=needs, today=today)
    if not people:
        notes.append(f"{label}: " + assign.nobody_eligible(everyone, department=department, cap=cap, needs=needs))
        return None
    offered = [_user(users, c.user_id) for c in people]
    return _offer(lead, method, offered, label=label, left_out=left_out, notes=notes, oldest_first=oldest_first)


def _user(users: dict[int, User] | None, user_id: int) -> User:
    return (users or {}).get(user_id) or User.objects.get(pk=user_id)


def _join(notes: Sequence[str], reason: str) -> str:
    return "; then ".join([*notes, reason]) if notes else reason


def _assign(lead: Lead, user: User, reason: str, *, actor: User | None) -> Outcome:
    now = timezone.now()
    made_here = batch.made_here(lead)
    if made_here:
        # Made by this batch of intake, seen by nobody else before it commits: its owner is
        # written with the batch's other changes (`forecourt.lib.batch.update`).
        won = lead.assigned_to_id is None
    else:
        # Conditional, so that a lead distributed twice at once is still owned once.
        won = bool(Lead.objects.filter(pk=lead.pk, assigned_to__isnull=True).update(assigned_to=user, updated_at=now))
        if not won:
            lead.refresh_from_db(fields=["assigned_to"])
    if not won:
        return Outcome(lead=lead, assigned_to=lead.assigned_to, reason="already distributed")
    lead.assigned_to, lead.updated_at = user, now
    if made_here:
        batch.update(lead, ["assigned_to", "updated_at"])
    lead_actions.log_assignment(lead=lead, to=user, previous=None, actor=actor, reason=reason)
    tell_assignee(lead, user, text=f"New lead for you: {alerts.lead_summary(lead)}")
    return Outcome(lead=lead, assigned_to=user, reason=reason)


def tell_assignee(lead: Lead, user: User, *, text: str, kind: str = Kind.NEW_LEAD) -> None:
    notify(user=user, kind=kind, lead=lead, text=text)


def _offer(
    lead: Lead,
    method: str,
    users: list[User],
    *,
    label: str,
    left_out: list[str],
    notes: list[str],
    oldest_first: bool,
) -> Outcome:
    Offer.objects.create(lead=lead, kind=method, department=lead.department, oldest_first=oldest_first)
    if method == assign.FIRST_AVAILABLE:
        # Kept on the lead, where its visibility rule lets them open it until one claims it.
        lead.offered_to.set(users)
    names = ", ".join(u.name for u in users)
    if method == assign.POOL:
        detail = f"in the pool for {len(users)} people who can take it" + (", oldest first" if oldest_first else "")
    else:
        detail = f"offered to {names}; the first to claim it gets it"
    reason = _join(notes, f"{label}: {detail}" + "".join(f"; {n}" for n in left_out))
    lead_actions.record_activity(
        lead=lead,
        kind=Activity.Kind.NOTE,
        actor=None,
        text=reason,
        data={"distribution": method, "offered_to": [u.email for u in users]},
    )
    if method == assign.FIRST_AVAILABLE:
        summary = alerts.lead_summary(lead)
        for user in users:
            notify(user=user, kind=Kind.NEW_LEAD, lead=lead, text=f"New lead up for grabs: {summary}. Claim it first.")
    else:
        # The pool tells nobody unless they asked to be told (pixelconcept: "a notification of the
        # users does not take place unless this is activated"): `Membership.pool_alerts`.
        summary = alerts.lead_summary(lead)
        for user in pool_alert_recipients(lead, users):
            notify(user=user, kind=Kind.NEW_LEAD, lead=lead, text=f"New lead in the pool: {summary}. Claim it there.")
    return Outcome(lead=lead, offered_to=users, pooled=method == assign.POOL, reason=reason)


def pool_alert_recipients(lead: Lead, users: Sequence[User]) -> list[User]:
    """Of the people who may claim a pooled lead, those who asked for pool alerts at its dealership."""
    wanted = set(
        Membership.objects.filter(
            dealership_id=lead.dealership_id, user__in=users, pool_alerts=True, user__is_active=True
        ).values_list("user_id", flat=True)
    )
    return [user for user in users if user.pk in wanted]


def _fallback(
    lead: Lead,
    department: DepartmentPolicy,
    *,
    actor: User | None,
    notes: list[str],
    now: datetime,
    staff: list[Membership] | None,
) -> Outcome:
    """Nobody eligible: the fallback user, then the dealership's admins (present ones first)."""
    dealership = lead.dealership
    today = local_day(dealership, now)
    everyone = candidates(dealership, lead.department, at=now, count_open_leads=False, staff=staff)
    people = {c.user_id: c for c in everyone}
    if department.fallback:
        user = User.objects.filter(email=department.fallback).first()
        candidate = people.get(user.pk) if user else None
        if user and candidate:
            why = assign.why_not(
                replace(candidate, in_department=True, on_shift=True),
                department=lead.department,
                needs="can_be_assigned",
                today=today,
            )
            if why is None:
                return _assign(lead, user, _join(notes, f"fallback user {user.name}"), actor=actor)
            notes.append(f"fallback user {user.name} {why}")
        else:
            notes.append(f"fallback user {department.fallback} does not work here")
    admins = list(
        Membership.objects.filter(dealership=dealership, role=Membership.Role.ADMIN, user__is_active=True)
        .select_related("user")
        .order_by("pk")
    )
    present = [m for m in admins if not m.is_absent_on(today)] or admins
    if present:
        admin = present[0].user
        return _assign(
            lead, admin, _join(notes, f"the last resort: {admin.name}, admin of {dealership.name}"), actor=actor
        )
    reason = _join(notes, f"nobody at {dealership.name} can take it: no active admin")
    lead_actions.record_activity(lead=lead, kind=Activity.Kind.NOTE, actor=None, text=f"Not distributed: {reason}")
    return Outcome(lead=lead, reason=reason)

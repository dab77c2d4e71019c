"""Replaying past leads under proposed distribution settings, before saving them.

The replay uses the same pure choosers as live distribution (`distribution.assign`) with a
rotation of its own that starts empty, the people of the dealership as they are today, their
absences on each lead's day, on-shift at each lead's moment, and open-lead counts made of the
replay's own assignments (leads are assumed to stay open during the replay). It writes nothing.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone

from accounts.models import Membership, User
from dealerships.models import Dealership
from distribution import assign
from distribution.facts import lead_facts
from distribution.policy import DepartmentPolicy, GroupPolicy, Policy
from distribution.store import candidates, is_after_hours, local_day
from leads.models import Lead

MAX_LEADS = 2000
CSV_COLUMNS = (
    "received_at",
    "source",
    "department",
    "make",
    "condition",
    "vehicle_location",
    "customer",
    "assigned_to",
)


@dataclass(frozen=True)
class PastLead:
    """One lead to replay: from the database, or a row of an uploaded CSV."""

    ref: str
    received_at: datetime
    facts_source: str
    department: str
    makes: frozenset[str] = frozenset()
    conditions: frozenset[str] = frozenset()
    locations: frozenset[str] = frozenset()
    customer: str = ""
    actual: str = ""
    """Who actually got it (name), "" for nobody."""


@dataclass
class Row:
    lead: PastLead
    proposed: str
    reason: str
    same: bool


@dataclass
class Replay:
    rows: list[Row] = field(default_factory=list)
    proposed_counts: Counter[str] = field(default_factory=Counter)
    actual_counts: Counter[str] = field(default_factory=Counter)

    @property
    def changed(self) -> int:
        return sum(not row.same for row in self.rows)

    def people(self) -> list[tuple[str, int, int]]:
        names = sorted(set(self.proposed_counts) | set(self.actual_counts))
        return [(n, self.actual_counts[n], self.proposed_counts[n]) for n in names]


def past_leads(dealership: Dealership, *, days: int, now: datetime | None = None) -> list[PastLead]:
    now = now or timezone.now()
    leads = (
        Lead.objects.filter(dealership=dealership, received_at__gte=now - timedelta(days=days), received_at__lte=now)
        .select_related("assigned_to", "customer", "dealership")
        .order_by("received_at", "id")[:MAX_LEADS]
    )
    result = []
    for lead in leads:
        facts = lead_facts(lead, after_hours=False)
        result.append(
            PastLead(
                ref=str(lead.pk),
                received_at=lead.received_at,
                facts_source=lead.source_name,
                department=lead.department,
                makes=facts.makes,
                conditions=facts.conditions,
                locations=facts.locations,
                customer=f"customer:{lead.customer_id}",
                actual=lead.assigned_to.name if lead.assigned_to else "",
            )
        )
    return result


class CsvError(ValueError):
    pass


def leads_from_csv(text: str, dealership: Dealership) -> list[PastLead]:
    """Rows with CSV_COLUMNS (only received_at is required); times without a zone are local."""
    reader = csv.DictReader(io.StringIO(text))
    if not reader.fieldnames or "received_at" not in reader.fieldnames:
        raise CsvError(f"The CSV needs a header row with at least received_at (columns: {', '.join(CSV_COLUMNS)}).")
    zone = ZoneInfo(dealership.timezone)
    result = []
    for number, row in enumerate(reader, start=2):
        if number > MAX_LEADS + 1:
            raise CsvError(f"Replay at most {MAX_LEADS} leads at a time.")
        raw = (row.get("received_at") or "").strip()
        try:
            moment = datetime.fromisoformat(raw)
        except ValueError:
            raise CsvError(f'line {number}: received_at "{raw}" is not a date and time (2026-03-16 14:05)') from None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=zone)
        department = (row.get("department") or "sales").strip().lower()
        if department not in ("sales", "service"):
            raise CsvError(f'line {number}: department "{department}" is not sales or service')
        words = {key: (row.get(key) or "").strip() for key in CSV_COLUMNS}
        result.append(
            PastLead(
                ref=f"line {number}",
                received_at=moment,
                facts_source=words["source"],
                department=department,
                makes=frozenset({words["make"].lower()} - {""}),
                conditions=frozenset({words["condition"].lower()} - {""}),
                locations=frozenset({words["vehicle_location"]} - {""}),
                customer=words["customer"].lower(),
                actual=words["assigned_to"],
            )
        )
    return sorted(result, key=lambda lead: lead.received_at)


def replay(dealership: Dealership, policy: Policy, leads: Sequence[PastLead]) -> Replay:
    """Who would have got each lead under `policy`, next to who did."""
    state = _State(dealership)
    outcome = Replay()
    for lead in leads:
        proposed, reason = state.decide(policy, lead)
        outcome.rows.append(Row(lead=lead, proposed=proposed, reason=reason, same=proposed == lead.actual))
        outcome.proposed_counts[proposed or "nobody (offered/pool)"] += 1
        outcome.actual_counts[lead.actual or "nobody (offered/pool)"] += 1
    return outcome


class _State:
    """The replay's rotation positions, open-lead counts and customers' salespeople."""

    def __init__(self, dealership: Dealership) -> None:
        self.dealership = dealership
        self.rotations: dict[str, tuple[assign.Position, str]] = {}
        self.open: Counter[int] = Counter()
        self.owner: dict[str, int] = {}
        self.users = {u.pk: u for u in User.objects.filter(memberships__dealership=dealership)}
        self.emails = {u.email: u.pk for u in self.users.values()}
        self.admins = list(
            Membership.objects.filter(dealership=dealership, role=Membership.Role.ADMIN, user__is_active=True)
            .order_by("pk")
            .values_list("user_id", flat=True)
        )

    def people(
        self, department: str, at: datetime, rule: DepartmentPolicy, members: Iterable[tuple[int, int]] | None
    ) -> list[assign.Candidate]:
        found = candidates(
            self.dealership,
            department,
            at=at,
            on_shift_only=rule.on_shift_only,
            weights=rule.weights,
            members=list(members) if members is not None else None,
            count_open_leads=False,
        )
        return [replace(c, open_leads=self.open[c.user_id]) for c in found]

    def decide(self, policy: Policy, lead: PastLead) -> tuple[str, str]:
        rule = policy.department(lead.department)
        after_hours = is_after_hours(self.dealership, lead.received_at)
        today = local_day(self.dealership, lead.received_at)
        if rule.existing_customers == "assigned_user" and lead.customer in self.owner:
            user_id = self.owner[lead.customer]
            everyone = {c.user_id: c for c in self.people(lead.department, lead.received_at, rule, None)}
            person = everyone.get(user_id)
            if (
                person
                and assign.why_not(
                    replace(person, in_department=True),
                    department=lead.department,
                    needs="can_be_assigned",
                    today=today,
                )
                is None
            ):
                return self._give(lead, user_id, f"existing customer: {person.name} is their salesperson")
        facts = assign.LeadFacts(
            source=lead.facts_source,
            department=lead.department,
            makes=lead.makes,
            conditions=lead.conditions,
            locations=lead.locations,
            after_hours=after_hours,
        )
        notes: list[str] = []
        group = next((g for g in policy.groups if not g.match.failures(facts)), None)
        if group is not None:
            result = self._method(
                lead,
                group.method,
                rule,
                self._members(group),
                group.cap,
                f"group:{group.name}",
                f'group "{group.name}"',
                notes,
                today,
            )
            if result is not None:
                return result
        if group is None or group.method == assign.CRM_ASSIGN:
            method = rule.method_at(after_hours=after_hours)
            result = self._method(
                lead, method, rule, None, rule.cap, lead.department, assign.METHOD_NAMES[method], notes, today
            )
            if result is not None:
                return result
        return self._fallback(lead, rule, notes, today)

    def _members(self, group: GroupPolicy) -> list[tuple[int, int]]:
        return [(self.emails[e], w) for e, w in group.members if e in self.emails]

    def _method(
        self,
        lead: PastLead,
        method: str,
        rule: DepartmentPolicy,
        members: list[tuple[int, int]] | None,
        cap: int | None,
        key: str,
        label: str,
        notes: list[str],
        today: object,
    ) -> tuple[str, str] | None:
        people = self.people(lead.department, lead.received_at, rule, members)
        if method == assign.ROUND_ROBIN:
            last = self.rotations.get(key)
            choice = assign.round_robin(
                people,
                last[0] if last else None,
                department=lead.department,
                cap=cap,
                last_name=last[1] if last else None,
                label=label,
            )
            if choice.user_id is None or choice.position is None:
                notes.append(choice.reason)
                return None
            self.rotations[key] = (choice.position, self.users[choice.user_id].name)
            return self._give(lead, choice.user_id, "; then ".join([*notes, choice.reason]))
        if method == assign.CRM_ASSIGN:
            notes.append(f"{label}: the replay has no CRM salesperson ids")
            return None
        needs = "can_be_assigned" if method == assign.POOL else "receives_leads"
        chosen, _ = assign.eligible(people, department=lead.department, cap=cap, needs=needs)
        if not chosen:
            notes.append(f"{label}: nobody eligible")
            return None
        verb = "in the pool for" if method == assign.POOL else "offered to"
        return "", f"{label}: {verb} " + ", ".join(c.name for c in chosen)

    def _fallback(self, lead: PastLead, rule: DepartmentPolicy, notes: list[str], today: object) -> tuple[str, str]:
        if rule.fallback and rule.fallback in self.emails:
            return self._give(lead, self.emails[rule.fallback], "; then ".join([*notes, "fallback user"]))
        if self.admins:
            return self._give(lead, self.admins[0], "; then ".join([*notes, "the last resort: the admin"]))
        return "", "; then ".join([*notes, "nobody"])

    def _give(self, lead: PastLead, user_id: int, reason: str) -> tuple[str, str]:
        self.open[user_id] += 1
        if lead.customer:
            self.owner.setdefault(lead.customer, user_id)
        return self.users[user_id].name, reason

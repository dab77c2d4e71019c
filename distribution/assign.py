"""Choosing who gets a lead, and saying why. Pure Python: no Django, no database.

Everything here takes plain values (the candidates with their flags and open-lead counts, the
rotation's last position, the groups and the lead's facts) and returns a decision with its
reason in words a sales manager reads on the lead's timeline, for example
"round robin: after Dave Seller; Erin Lane absent until 28 Dec; Frank Ortiz not receiving leads".
`distribution.actions` loads the values and writes the result; `distribution.simulate` replays
history through the very same functions.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date

FIRST_AVAILABLE = "first_available"
ROUND_ROBIN = "round_robin"
CRM_ASSIGN = "crm_assign"
POOL = "pool"
METHODS = (FIRST_AVAILABLE, ROUND_ROBIN, CRM_ASSIGN, POOL)
METHOD_NAMES = {
    FIRST_AVAILABLE: "first available",
    ROUND_ROBIN: "round robin",
    CRM_ASSIGN: "CRM assigned",
    POOL: "pool",
}

ANY_HOURS = "any"
BUSINESS_HOURS = "business"
AFTER_HOURS = "after_hours"
HOURS = (ANY_HOURS, BUSINESS_HOURS, AFTER_HOURS)


@dataclass(frozen=True)
class Candidate:
    """Someone who might get the lead, with everything that decides whether they may.

    `order` is their persisted place in the rotation (it never changes while they stay);
    `weight` is how many turns they get per round (0: none). `absent` is for the lead's
    day in the dealership's time zone; `on_shift` is True unless on-shift distribution is on
    and they are not working at the lead's moment.
    """

    user_id: int
    name: str
    order: int
    weight: int = 1
    active: bool = True
    member: bool = True
    in_department: bool = True
    receives_leads: bool = True
    can_be_assigned: bool = True
    absent: bool = False
    absent_until: date | None = None
    on_shift: bool = True
    open_leads: int = 0
    crm_id: str = ""


def short_date(day: date, today: date | None = None) -> str:
    """28 Dec, or 28 Dec 2027 when the year is not the current one."""
    text = f"{day.day} {day:%b}"
    return text if today is None or day.year == today.year else f"{text} {day.year}"


def why_not(
    candidate: Candidate,
    *,
    department: str,
    cap: int | None = None,
    needs: str = "receives_leads",
    today: date | None = None,
) -> str | None:
    """Why `candidate` may not get this lead, in a few words; None when they may.

    `needs` is the flag the method requires: `receives_leads` for round robin and first
    available, `can_be_assigned` for the pool, CRM assignment, the fallback and allocation.
    """
    if not candidate.active:
        return "deactivated"
    if not candidate.member:
        return "no longer works here"
    if not candidate.in_department:
        return f"not in {department}"
    if needs == "receives_leads" and not candidate.receives_leads:
        return "not receiving leads"
    if not candidate.can_be_assigned:
        return "cannot be assigned leads"
    if candidate.absent:
        return f"absent until {short_date(candidate.absent_until, today)}" if candidate.absent_until else "absent"
    if not candidate.on_shift:
        return "off shift"
    if cap is not None and candidate.open_leads >= cap:
        return f"at the cap of {cap} open leads"
    return None


@dataclass(frozen=True, order=True)
class Position:
    """A turn in the rotation: the round (0 for everyone, 1 for weights of 2 or more, …)
    and the candidate's persisted order."""

    round: int
    order: int


@dataclass(frozen=True)
class Choice:
    """The outcome of one method: who (None: nobody), why, and the rotation's new position."""

    user_id: int | None
    reason: str
    position: Position | None = None
    skipped: tuple[str, ...] = field(default=(), compare=False)


def _slots(candidates: Sequence[Candidate]) -> list[tuple[Position, Candidate]]:
    """Every turn of one full round of the rotation, in order. A weight of 2 gives a second
    turn after everyone has had their first, so heavy users are spread out, not bunched."""
    ordered = sorted(candidates, key=lambda c: c.order)
    rounds = max((c.weight for c in ordered), default=0)
    return [(Position(r, c.order), c) for r in range(rounds) for c in ordered if c.weight > r]


def _join(parts: Iterable[str]) -> str:
    return "; ".join(p for p in parts if p)


def round_robin(
    candidates: Sequence[Candidate],
    last: Position | None,
    *,
    department: str,
    cap: int | None = None,
    last_name: str | None = None,
    today: date | None = None,
    label: str = "round robin",
) -> Choice:
    """The next eligible candidate after `last` in the rotation, and who was skipped and why.

    Over any stretch in which nobody's eligibility changes, each eligible candidate gets
    exactly `weight` leads per `sum(weights)` leads: the rotation only ever moves past a turn.
    """
    slots = _slots(candidates)
    start = 0 if last is None else next((i for i, (p, _) in enumerate(slots) if p > last), 0)
    skipped: dict[int, str] = {}
    after = f"after {last_name}" if last_name else ("first in the rotation" if last is None else "")
    for step in range(len(slots)):
        position, candidate = slots[(start + step) % len(slots)]
        problem = why_not(candidate, department=department, cap=cap, today=today)
        if problem is None:
            notes = [f"{name} {why}" for name, why in _named(candidates, skipped)]
            return Choice(candidate.user_id, f"{label}: " + _join([after, *notes]), position, tuple(notes))
        skipped.setdefault(candidate.user_id, problem)
    return Choice(None, f"{label}: " + nobody_eligible(candidates, department=department, cap=cap, today=today))


def _named(candidates: Sequence[Candidate], problems: dict[int, str]) -> list[tuple[str, str]]:
    names = {c.user_id: c.name for c in candidates}
    return [(names[user_id], why) for user_id, why in problems.items()]


def nobody_eligible(
    candidates: Sequence[Candidate],
    *,
    department: str,
    cap: int | None = None,
    needs: str = "receives_leads",
    today: date | None = None,
) -> str:
    """ "nobody eligible (Carol Seller absent until 28 Dec; Dave Seller off shift)"."""
    if not candidates:
        return "nobody to distribute to"
    reasons = []
    for c in sorted(candidates, key=lambda c: c.order):
        why = why_not(c, department=department, cap=cap, needs=needs, today=today)
        if why and f"{c.name} {why}" not in reasons:
            reasons.append(f"{c.name} {why}")
    return f"nobody eligible ({_join(reasons)})"


def eligible(
    candidates: Sequence[Candidate],
    *,
    department: str,
    cap: int | None = None,
    needs: str = "receives_leads",
    today: date | None = None,
) -> tuple[list[Candidate], list[str]]:
    """Everyone who may take the lead (first available, pool), and why each other one may not."""
    chosen: dict[int, Candidate] = {}
    left_out: list[str] = []
    for c in sorted(candidates, key=lambda c: c.order):
        if c.user_id in chosen or c.weight <= 0:
            continue
        why = why_not(c, department=department, cap=cap, needs=needs, today=today)
        if why is None:
            chosen[c.user_id] = c
        elif f"{c.name} {why}" not in left_out:
            left_out.append(f"{c.name} {why}")
    return list(chosen.values()), left_out


def crm_match(candidates: Sequence[Candidate], crm_id: str, *, department: str, today: date | None = None) -> Choice:
    """The candidate whose CRM id the sender named; None (with why) when nobody may take it."""
    crm_id = (crm_id or "").strip()
    if not crm_id:
        return Choice(None, "CRM assigned: the sender named no salesperson")
    named = [c for c in candidates if c.crm_id and c.crm_id == crm_id]
    if not named:
        return Choice(None, f"CRM assigned: salesperson {crm_id} matches nobody here")
    person = named[0]
    # The CRM names one person on purpose: their department and "receives leads" do not matter,
    # but a deactivated, absent or unassignable person cannot work it.
    why = why_not(replace(person, in_department=True), department=department, needs="can_be_assigned", today=today)
    if why is not None:
        return Choice(None, f"CRM assigned: salesperson {crm_id} is {person.name}, {why}")
    return Choice(person.user_id, f"CRM assigned: the sender named salesperson {crm_id}")


# Groups ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LeadFacts:
    """What distribution groups match on. Strings are compared case-insensitively."""

    source: str
    department: str
    makes: frozenset[str] = frozenset()
    conditions: frozenset[str] = frozenset()
    locations: frozenset[str] = frozenset()
    """Slugs of the rooftops holding the stock vehicles the lead asks about."""
    after_hours: bool = False


@dataclass(frozen=True)
class Match:
    """A group's conditions; an empty one matches anything."""

    sources: tuple[str, ...] = ()
    department: str = ""
    makes: tuple[str, ...] = ()
    condition: str = ""
    locations: tuple[str, ...] = ()
    hours: str = ANY_HOURS

    def failures(self, facts: LeadFacts) -> list[str]:
        """What about the lead does not fit; [] means the group matches."""
        misses = []
        if self.sources and facts.source.strip().lower() not in {s.lower() for s in self.sources}:
            misses.append("source")
        if self.department and self.department != facts.department:
            misses.append("department")
        if self.makes and not ({m.lower() for m in self.makes} & {m.lower() for m in facts.makes}):
            misses.append("make")
        if self.condition and self.condition not in {c.lower() for c in facts.conditions}:
            misses.append("new/used")
        if self.locations and not (set(self.locations) & set(facts.locations)):
            misses.append("vehicle location")
        if self.hours == BUSINESS_HOURS and facts.after_hours:
            misses.append("hours")
        if self.hours == AFTER_HOURS and not facts.after_hours:
            misses.append("hours")
        return misses

    def describe(self) -> str:
        parts = []
        if self.sources:
            parts.append("source " + " or ".join(self.sources))
        if self.department:
            parts.append(self.department)
        if self.makes:
            parts.append("make " + " or ".join(self.makes))
        if self.condition:
            parts.append(self.condition)
        if self.locations:
            parts.append("vehicle at " + " or ".join(self.locations))
        if self.hours != ANY_HOURS:
            parts.append("business hours" if self.hours == BUSINESS_HOURS else "after hours")
        return ", ".join(parts) or "every lead"


@dataclass(frozen=True)
class GroupRule:
    """A distribution group: its conditions, method, cap and members as (user id, weight)."""

    key: str
    name: str
    match: Match
    method: str = ROUND_ROBIN
    members: tuple[tuple[int, int], ...] = ()
    cap: int | None = None


def first_match(groups: Sequence[GroupRule], facts: LeadFacts) -> GroupRule | None:
    """The first group, in order, whose every condition the lead meets."""
    return next((g for g in groups if not g.match.failures(facts)), None)

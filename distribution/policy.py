"""A dealership's whole distribution set-up as plain data, and its YAML/JSON document form.

The settings screen, the simulator and `manage.py distribution` all read and write this one
shape, and validate it here (pure: what the database knows comes in as a `Staff`). Errors carry
the path of the offending key, as the provisioning YAML's do; warnings do not block saving.

    sales:
      method: round_robin            # first_available | round_robin | crm_assign | pool
      fallback: alice@example.com
      existing_customers: assigned_user
      after_hours_method: first_available
      on_shift_only: true
      cap: 15
      weights: {carol@example.com: 2}
      alert_recipients: [bob@example.com]
      use_vehicle_location: true
    service: {method: pool, pool_oldest_first: true}
    groups:
      - name: Used Hondas after hours
        match: {sources: [CarGurus], department: sales, makes: [Honda], condition: used,
                vehicle_location: [lakeside-honda], hours: after_hours}
        method: first_available
        members: [carol@example.com, {user: dave@example.com, weight: 2}]
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from distribution.assign import CRM_ASSIGN, HOURS, METHODS, POOL, Match
from distribution.wording import in_words

DEPARTMENTS = ("sales", "service")
EXISTING_CUSTOMERS = ("assigned_user", "distribute")
CONDITIONS = ("new", "used")
DEPARTMENT_KEYS = (
    "method",
    "fallback",
    "existing_customers",
    "after_hours_method",
    "on_shift_only",
    "cap",
    "pool_oldest_first",
    "use_vehicle_location",
    "alert_recipients",
    "weights",
    "reply_template",
)
GROUP_KEYS = ("name", "match", "method", "cap", "members")
MATCH_KEYS = ("sources", "department", "makes", "condition", "vehicle_location", "hours")
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
MAX_WEIGHT = 10
MAX_CAP = 10_000
DEFAULT_REPLY = (
    "Hi {customer_first_name},\n\nThank you for your interest in the {vehicle}. I'd be glad to help: "
    "when would be a good time to talk?\n\n{salesperson}\n{dealership}"
)


@dataclass(frozen=True)
class DepartmentPolicy:
    """How one department's leads are distributed when no group matches."""

    method: str = "round_robin"
    fallback: str | None = None
    existing_customers: str = "assigned_user"
    after_hours_method: str | None = None
    on_shift_only: bool = False
    cap: int | None = None
    pool_oldest_first: bool = False
    use_vehicle_location: bool = False
    alert_recipients: tuple[str, ...] = ()
    weights: Mapping[str, int] = field(default_factory=dict, hash=False)
    reply_template: str = ""

    def method_at(self, *, after_hours: bool) -> str:
        return (self.after_hours_method or self.method) if after_hours else self.method


@dataclass(frozen=True)
class GroupPolicy:
    """A distribution group as written in the document (members by email)."""

    name: str
    match: Match
    method: str = "round_robin"
    cap: int | None = None
    members: tuple[tuple[str, int], ...] = ()


@dataclass(frozen=True)
class Policy:
    departments: Mapping[str, DepartmentPolicy] = field(hash=False)
    groups: tuple[GroupPolicy, ...] = ()

    def department(self, name: str) -> DepartmentPolicy:
        return self.departments.get(name) or DepartmentPolicy()


@dataclass(frozen=True)
class Staff:
    """What the database knows about a dealership's people, for validation and warnings."""

    departments: Mapping[str, frozenset[str]] = field(default_factory=dict, hash=False)
    """email -> departments of their membership (active users only)."""
    receivers: frozenset[str] = frozenset()
    """emails of those with `receives_leads` on."""
    rooftops: frozenset[str] = frozenset()
    """slugs of the rooftops of the dealer group."""
    names: Mapping[str, str] = field(default_factory=dict, hash=False)
    """email -> the person's name, for messages."""
    admins: tuple[str, ...] = ()
    """emails of the active admins, in the order the last resort picks them (membership order)."""
    assignable: frozenset[str] | None = None
    """emails of those who may be assigned leads (None: not known, everyone)."""

    def name(self, email: str) -> str:
        return self.names.get(email) or email

    def may_be_assigned(self, email: str) -> bool:
        return email in self.departments and (self.assignable is None or email in self.assignable)


@dataclass
class Checked:
    policy: Policy | None
    errors: list[str]
    warnings: list[str]


def _describe(value: Any) -> str:
    if isinstance(value, str):
        return f'"{value}"'
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    return "a mapping" if isinstance(value, dict) else "a list" if isinstance(value, list) else str(value)


class _Reader:
    """Reads a document, noting each problem with the path of its key ("groups[0].members"),
    which `check` then says in the screen's words ("Group “Used Hondas”, members")."""

    def __init__(self, staff: Staff) -> None:
        self.staff = staff
        self.errors: list[tuple[str, str]] = []
        self.warnings: list[tuple[str, str]] = []

    def error(self, path: str, message: str) -> None:
        self.errors.append((path, message))

    def warn(self, path: str, message: str) -> None:
        self.warnings.append((path, message))

    def mapping(self, value: Any, path: str, allowed: tuple[str, ...]) -> dict[str, Any]:
        if value is None:
            return {}
        if not isinstance(value, dict):
            self.error(path, f"expected a mapping of keys, not {_describe(value)}")
            return {}
        for key in value:
            if key not in allowed:
                close = difflib.get_close_matches(str(key), allowed, n=1)
                hint = f' (did you mean "{close[0]}"?)' if close else f" (known keys: {', '.join(allowed)})"
                self.error(f"{path}.{key}" if path else str(key), f"unknown key{hint}")
        return {k: v for k, v in value.items() if k in allowed}

    def choice(self, value: Any, path: str, choices: tuple[str, ...]) -> str | None:
        if value not in choices:
            self.error(path, f"{_describe(value)} is not one of {' | '.join(choices)}")
            return None
        return str(value)

    def flag(self, value: Any, path: str) -> bool:
        if not isinstance(value, bool):
            self.error(path, f"expected true or false, not {_describe(value)}")
            return False
        return value

    def number(self, value: Any, path: str, low: int, high: int) -> int | None:
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            self.error(path, f"{_describe(value)} is not a whole number from {low} to {high}")
            return None
        return value

    def person(self, value: Any, path: str, department: str | None = None) -> str | None:
        if not isinstance(value, str) or not EMAIL.fullmatch(value.strip()):
            self.error(path, f"{_describe(value)} is not an email address")
            return None
        email = value.strip().lower()
        if email not in self.staff.departments:
            self.error(path, f'"{email}" does not work here (or is deactivated)')
            return None
        if department and department not in self.staff.departments[email]:
            self.warn(path, f"{self.staff.name(email)} is not in {department}")
        return email

    def texts(self, value: Any, path: str) -> tuple[str, ...]:
        if value is None:
            return ()
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str | int) and str(v).strip() for v in value):
            self.error(path, "expected a list of names")
            return ()
        return tuple(dict.fromkeys(str(v).strip() for v in value))


def check(document: Any, staff: Staff) -> Checked:
    """Validate a whole distribution document; every error is listed with its path."""
    reader = _Reader(staff)
    top = reader.mapping(document, "", (*DEPARTMENTS, "groups"))
    departments = {name: _department(reader, top.get(name), name) for name in DEPARTMENTS}
    groups = []
    raw_groups = top.get("groups")
    if raw_groups is not None and not isinstance(raw_groups, list):
        reader.error("groups", f"expected a list, not {_describe(raw_groups)}")
        raw_groups = []
    for index, raw in enumerate(raw_groups or []):
        group = _group(reader, raw, f"groups[{index}]")
        if group is not None:
            groups.append(group)
    for name, department in departments.items():
        if department.method == POOL and any(g.match.department in ("", name) for g in groups):
            reader.error(f"{name}.method", "a pool cannot be combined with distribution groups")
        if department.after_hours_method == POOL and department.method != POOL:
            reader.error(f"{name}.after_hours_method", "a pool cannot be an after-hours method only")
    _warn_about_solo_distributions(reader, departments, groups)
    policy = Policy(departments=departments, groups=tuple(groups))
    for name, who in nobody_receives(policy, staff):
        reader.warn("", f"Nobody in {name.capitalize()} receives leads: new {name.capitalize()} leads go to {who}.")
    names = [raw.get("name") if isinstance(raw, dict) else None for raw in raw_groups or []]
    errors = [in_words(path, message, names) for path, message in reader.errors]
    warnings = [in_words(path, message, names) for path, message in reader.warnings]
    return Checked(None if errors else policy, errors, warnings)


def _department(reader: _Reader, raw: Any, path: str) -> DepartmentPolicy:
    given = reader.mapping(raw, path, DEPARTMENT_KEYS)
    values: dict[str, Any] = {}
    if "method" in given:
        values["method"] = reader.choice(given["method"], f"{path}.method", METHODS) or "round_robin"
    if given.get("fallback") is not None:
        values["fallback"] = reader.person(given["fallback"], f"{path}.fallback")
    if "existing_customers" in given:
        values["existing_customers"] = (
            reader.choice(given["existing_customers"], f"{path}.existing_customers", EXISTING_CUSTOMERS)
            or "assigned_user"
        )
    if given.get("after_hours_method") not in (None, ""):
        values["after_hours_method"] = reader.choice(given["after_hours_method"], f"{path}.after_hours_method", METHODS)
    for key in ("on_shift_only", "pool_oldest_first", "use_vehicle_location"):
        if key in given:
            values[key] = reader.flag(given[key], f"{path}.{key}")
    if "cap" in given:
        values["cap"] = reader.number(given["cap"], f"{path}.cap", 1, MAX_CAP)
    if "alert_recipients" in given:
        recipients = given["alert_recipients"] or []
        if not isinstance(recipients, list):
            reader.error(f"{path}.alert_recipients", "expected a list of emails")
            recipients = []
        people = (reader.person(r, f"{path}.alert_recipients[{i}]") for i, r in enumerate(recipients))
        values["alert_recipients"] = tuple(dict.fromkeys(p for p in people if p))
    if "weights" in given:
        weights = reader.mapping(given["weights"], f"{path}.weights", tuple(reader.staff.departments))
        values["weights"] = {
            email: w
            for email, raw_weight in weights.items()
            if (w := reader.number(raw_weight, f"{path}.weights.{email}", 0, MAX_WEIGHT)) is not None
        }
    if "reply_template" in given:
        template = given["reply_template"]
        if template is not None and not isinstance(template, str):
            reader.error(f"{path}.reply_template", "expected text")
        values["reply_template"] = (template or "").strip() if isinstance(template, str | None) else ""
    return DepartmentPolicy(**values)


def _group(reader: _Reader, raw: Any, path: str) -> GroupPolicy | None:
    if not isinstance(raw, dict):
        reader.error(path, f"expected a mapping of keys, not {_describe(raw)}")
        return None
    given = reader.mapping(raw, path, GROUP_KEYS)
    name = given.get("name")
    if not isinstance(name, str) or not name.strip():
        reader.error(f"{path}.name", "is required")
        name = ""
    match_given = reader.mapping(given.get("match"), f"{path}.match", MATCH_KEYS)
    department = ""
    if match_given.get("department") not in (None, ""):
        department = reader.choice(match_given["department"], f"{path}.match.department", DEPARTMENTS) or ""
    condition = ""
    if match_given.get("condition") not in (None, ""):
        condition = reader.choice(match_given["condition"], f"{path}.match.condition", CONDITIONS) or ""
    locations = reader.texts(match_given.get("vehicle_location"), f"{path}.match.vehicle_location")
    for slug in locations:
        if slug not in reader.staff.rooftops:
            reader.error(f"{path}.match.vehicle_location", f'"{slug}" is not a rooftop of this dealer group')
    hours = "any"
    if match_given.get("hours") not in (None, ""):
        hours = reader.choice(match_given["hours"], f"{path}.match.hours", HOURS) or "any"
    match = Match(
        sources=reader.texts(match_given.get("sources"), f"{path}.match.sources"),
        department=department,
        makes=reader.texts(match_given.get("makes"), f"{path}.match.makes"),
        condition=condition,
        locations=locations,
        hours=hours,
    )
    method = "round_robin"
    if "method" in given:
        method = reader.choice(given["method"], f"{path}.method", METHODS) or method
        if method == POOL:
            reader.error(f"{path}.method", "a pool cannot be combined with distribution groups")
    members = _members(reader, given.get("members"), f"{path}.members", department or None)
    if not members:
        reader.error(f"{path}.members", "a group needs at least one member")
    cap = reader.number(given.get("cap"), f"{path}.cap", 1, MAX_CAP)
    return GroupPolicy(name=name.strip(), match=match, method=method, cap=cap, members=members)


def _members(reader: _Reader, raw: Any, path: str, department: str | None) -> tuple[tuple[str, int], ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        reader.error(path, "expected a list of emails or {user, weight}")
        return ()
    members: dict[str, int] = {}
    for index, item in enumerate(raw):
        where = f"{path}[{index}]"
        weight: int | None = 1
        if isinstance(item, dict):
            item = reader.mapping(item, where, ("user", "weight"))
            weight = reader.number(item.get("weight", 1), f"{where}.weight", 1, MAX_WEIGHT)
            item = item.get("user")
        email = reader.person(item, where, department)
        if email is None or weight is None:
            continue
        if email in members:
            reader.error(where, f'"{email}" is listed twice')
            continue
        members[email] = weight
    return tuple(members.items())


def _warn_about_solo_distributions(
    reader: _Reader, departments: Mapping[str, DepartmentPolicy], groups: list[GroupPolicy]
) -> None:
    """One-person distributions leave leads stranded when that person is away (pixelconcept
    warns against them too); say so, but let the admin decide."""
    for index, group in enumerate(groups):
        if len(group.members) == 1:
            reader.warn(
                f"groups[{index}]",
                "only one member; while they are away its leads go to the fallback user or the admins",
            )
    for name, department in departments.items():
        if department.method in ("round_robin", "first_available"):
            staff = reader.staff
            receivers = [
                e
                for e in staff.receivers
                if name in staff.departments.get(e, frozenset()) and department.weights.get(e, 1) > 0
            ]
            if len(receivers) == 1:
                reader.warn(
                    name,
                    f"only {staff.name(receivers[0])} receives leads; while they are away leads go to the "
                    "fallback user or the admins",
                )


def nobody_receives(policy: Policy, staff: Staff) -> list[tuple[str, str]]:
    """(department, who gets its leads instead) for each department whose own rule reaches nobody.

    Round robin and first available reach those who receive leads in the department (with a
    weight above 0); the pool those who may be assigned leads there; a CRM names its own people,
    so it is left out. Who gets the leads instead is what `distribution.actions` does when
    nobody is eligible: the fallback user if they may be assigned leads, then the first admin.
    """
    result = []
    for name in DEPARTMENTS:
        department = policy.department(name)
        if department.method == CRM_ASSIGN:
            continue
        people = [
            email
            for email, departments in staff.departments.items()
            if name in departments
            and staff.may_be_assigned(email)
            and (department.method == POOL or (email in staff.receivers and department.weights.get(email, 1) > 0))
        ]
        if people:
            continue
        if department.fallback and staff.may_be_assigned(department.fallback):
            who = f"{staff.name(department.fallback)}, the fallback user"
        elif staff.admins:
            who = f"{staff.name(staff.admins[0])}, the admin"
        else:
            who = "nobody: the dealership has no active admin"
        result.append((name, who))
    return result


def to_document(policy: Policy) -> dict[str, Any]:
    """The policy as a document `check` reads back to the same policy (keys at defaults left out)."""
    document: dict[str, Any] = {}
    defaults = DepartmentPolicy()
    for name in DEPARTMENTS:
        department = policy.department(name)
        entry: dict[str, Any] = {"method": department.method}
        for key in DEPARTMENT_KEYS[1:]:
            value = getattr(department, key)
            if value != getattr(defaults, key) or key in ("fallback", "existing_customers"):
                entry[key] = list(value) if isinstance(value, tuple) else dict(value) if key == "weights" else value
        document[name] = entry
    groups = []
    for group in policy.groups:
        match: dict[str, Any] = {}
        m = group.match
        for key, value in (
            ("sources", list(m.sources)),
            ("department", m.department),
            ("makes", list(m.makes)),
            ("condition", m.condition),
            ("vehicle_location", list(m.locations)),
            ("hours", m.hours if m.hours != "any" else ""),
        ):
            if value:
                match[key] = value
        entry = {"name": group.name, "match": match, "method": group.method}
        if group.cap is not None:
            entry["cap"] = group.cap
        entry["members"] = [
            email if weight == 1 else {"user": email, "weight": weight} for email, weight in group.members
        ]
        groups.append(entry)
    document["groups"] = groups
    return document

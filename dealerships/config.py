"""Validation and normalisation of dealership configuration (the provisioning YAML, CONTRACT §3).

Pure functions over the parsed document: no database. What the database knows (existing
dealerships, users, memberships, intake addresses) comes in as a `Known`, filled by
`dealerships.provisioning`. The settings screen builds the same document and runs the same
`validate`, so both ways of changing a dealership refuse exactly the same things.

Rules that shape everything below:
* every error is one string, "path: message", with the path of the key at fault, e.g.
  `dealerships[0].hours.sat[1]: "13:30-12:00" ends before it starts`; all errors are collected;
* a key left out keeps its current value (or the default, for a new dealership, user or
  membership); null, "" or [] clear it. `hours` is the exception: it is replaced as a whole,
  and a day left out is closed;
* values come back normalised (E.164 phones, "09:00-19:00" intervals, ISO dates, lower-case
  emails), so comparing normalised values tells exactly what a file would change.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any
from zoneinfo import available_timezones

from accounts.actions import read_date, validate_membership
from dealerships.calendar import WEEKDAYS, check_region
from dealerships.config_autoresponder import (
    autoresponder,
    check_autoresponder,
    default_autoresponder,
    staff_names,
)
from dealerships.config_forwarding import check_users, default_forwarding, read_forwarding, users_named
from dealerships.config_values import (
    Errors,
    a_date,
    a_list,
    a_text,
    amount,
    boolean,
    choice,
    describe,
    email_address,
    mapping,
    minutes,
    outbound_phone,
    phone,
    tax_rate,
    url,
    web_origin,
    week_hours,
)

DEPARTMENTS = ("sales", "service")
ROLES = ("admin", "manager", "salesperson")
METHODS = ("first_available", "round_robin", "crm_assign", "pool")
EXISTING_CUSTOMERS = ("assigned_user", "distribute")
LINKS = ("credit_application", "service_appointment", "trade_in_value")
PHONES = ("leads", "main", "calls_forwarding")
ESCALATION = ("stage1_minutes", "reminder_minutes", "stage2_minutes", "resubmission_stage2_minutes")
# Switches under `escalation` beside the minutes (booleans, not minutes).
ESCALATION_SWITCHES = ("resubmission_opening_hours",)
MODES = ("management", "tracking")

TOP_KEYS = ("organization", "dealerships", "users")
DEALERSHIP_KEYS = (
    "slug",
    "name",
    "timezone",
    "country",
    "subdivision",
    "public_holidays",
    "days_off",
    "hours",
    "phones",
    "email",
    "after_hours_sms",
    "staff_names",
    "autoresponder",
    "escalation",
    "distribution",
    "links",
    "mode",
    "worksheets",
    "chat",
    "messenger",
    "calls",
    "inventory",
    "forwarding",
)
WORKSHEET_KEYS = ("tax_rate", "doc_fee")
CHAT_KEYS = ("origins",)
MESSENGER_KEYS = ("page_id",)
PAGE_ID = re.compile(r"[0-9]{5,30}")
CALLS_KEYS = ("recordings",)
INVENTORY_KEYS = ("feed_url", "every_minutes")
FEED_MINUTES_AT_LEAST = 5
EMAIL_KEYS = ("intake", "from_name", "send_emails")
DEPARTMENT_KEYS = ("method", "fallback", "existing_customers")
USER_KEYS = ("email", "name", "mobile", "password", "outbound_phone", "forward_calls", "memberships")
MEMBERSHIP_KEYS = (
    "dealership",
    "role",
    "departments",
    "receives_leads",
    "can_be_assigned",
    "supervisor",
    "crm_id",
    "absent",
    "pool_alerts",
)

SLUG = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,58}[a-z0-9])?")
INTAKE = re.compile(r"[a-z0-9](?:[a-z0-9._+-]{0,62})")
MAX_SMS = 1000


@lru_cache(maxsize=1)
def time_zones() -> frozenset[str]:
    return frozenset(available_timezones())


def default_dealership(slug: str) -> dict[str, Any]:
    """A new dealership's settings before the file's own values are laid over them."""
    return {
        "slug": slug,
        "name": "",
        "timezone": "",
        "country": "US",
        "subdivision": None,
        "public_holidays": True,
        "days_off": [],
        "hours": {day: [] for day in WEEKDAYS},
        "phones": dict.fromkeys(PHONES, ""),
        "email": {"intake": slug, "from_name": None, "send_emails": True},
        "after_hours_sms": "",
        "staff_names": "full",
        "autoresponder": default_autoresponder(),
        "escalation": {
            "stage1_minutes": 30,
            "reminder_minutes": 10,
            "stage2_minutes": 60,
            "resubmission_stage2_minutes": 120,
            "resubmission_opening_hours": False,
        },
        "distribution": {
            "sales": {"method": "round_robin", "fallback": None, "existing_customers": "assigned_user"},
            "service": {"method": "first_available", "fallback": None, "existing_customers": "assigned_user"},
        },
        "links": dict.fromkeys(LINKS, ""),
        "mode": "management",
        "worksheets": {"tax_rate": "0", "doc_fee": "0.00"},
        "chat": {"origins": []},
        "messenger": {"page_id": ""},
        "calls": {"recordings": False},
        "inventory": {"feed_url": "", "every_minutes": 60},
        "forwarding": default_forwarding(),
    }


@dataclass(frozen=True)
class Known:
    """What the database holds that a document may refer to (all emails lower-case)."""

    dealerships: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    """slug -> current settings in document shape, plus "organization" (its name)."""
    users: frozenset[str] = frozenset()
    memberships: frozenset[tuple[str, str]] = frozenset()
    """(email, slug) pairs."""
    intake_owners: Mapping[str, str] = field(default_factory=dict)
    """intake address -> slug of the dealership that has it."""
    page_owners: Mapping[str, str] = field(default_factory=dict)
    """Facebook page id -> slug of the dealership that connected it."""
    erased: frozenset[str] = frozenset()
    """Emails (placeholders) of users whose personal data was erased: they are not changed."""


@dataclass
class Validated:
    """A checked document: `config` is normalised when `errors` is empty."""

    config: dict[str, Any]
    errors: list[str]

    @property
    def ok(self) -> bool:
        return not self.errors


# Dealerships -------------------------------------------------------------------------------


def _dealership(raw: Any, path: str, known: Known, errors: Errors) -> dict[str, Any] | None:
    given = mapping(raw, path, DEALERSHIP_KEYS, errors)
    if given is None:
        return None
    slug = a_text(given.get("slug"), f"{path}.slug", errors, required=True, max_length=60)
    if slug is None:
        return None
    if not SLUG.fullmatch(slug):
        errors.add(f"{path}.slug", f'"{slug}" is not a slug (lower-case letters, digits and "-")')
        return None
    current = known.dealerships.get(slug)
    merged = copy.deepcopy(dict(current)) if current else default_dealership(slug)
    merged.pop("organization", None)
    if current is None:
        for key in ("name", "timezone"):
            if key not in given:
                errors.add(f"{path}.{key}", "is required for a new dealership")

    if "name" in given:
        merged["name"] = a_text(given["name"], f"{path}.name", errors, required=True) or merged["name"]
    if "timezone" in given:
        zone = a_text(given["timezone"], f"{path}.timezone", errors, required=True, max_length=64)
        if zone is not None and zone not in time_zones():
            errors.add(f"{path}.timezone", f'unknown time zone "{zone}" (use a name like "America/Chicago")')
        elif zone is not None:
            merged["timezone"] = zone
    _region(given, merged, path, errors)
    if "public_holidays" in given:
        merged["public_holidays"] = boolean(given["public_holidays"], f"{path}.public_holidays", errors)
    if merged["public_holidays"] and not merged["country"]:
        errors.add(f"{path}.public_holidays", "public holidays need a country")
    if "days_off" in given:
        days = (
            a_date(d, f"{path}.days_off[{i}]", errors)
            for i, d in enumerate(a_list(given["days_off"], f"{path}.days_off", errors))
        )
        merged["days_off"] = sorted({d.isoformat() for d in days if d is not None})
    if "hours" in given:
        merged["hours"] = week_hours(given["hours"], f"{path}.hours", errors)
    if "phones" in given and (phones := mapping(given["phones"] or {}, f"{path}.phones", PHONES, errors)):
        for key, value in phones.items():
            merged["phones"][key] = phone(value, f"{path}.phones.{key}", merged["country"], errors)
    if "email" in given and (email := mapping(given["email"] or {}, f"{path}.email", EMAIL_KEYS, errors)):
        _email_settings(email, merged, f"{path}.email", errors)
    if "after_hours_sms" in given:
        merged["after_hours_sms"] = (
            a_text(given["after_hours_sms"], f"{path}.after_hours_sms", errors, max_length=MAX_SMS) or ""
        )
    if "escalation" in given and (
        escalation := mapping(given["escalation"] or {}, f"{path}.escalation", ESCALATION + ESCALATION_SWITCHES, errors)
    ):
        for key, value in escalation.items():
            check = boolean if key in ESCALATION_SWITCHES else minutes
            merged["escalation"][key] = check(value, f"{path}.escalation.{key}", errors)
    stage1, reminder = merged["escalation"]["stage1_minutes"], merged["escalation"]["reminder_minutes"]
    if stage1 and reminder and reminder >= stage1:
        errors.add(f"{path}.escalation.reminder_minutes", f"must be less than stage1_minutes ({stage1})")
    if "distribution" in given:
        _distribution(given["distribution"], merged, f"{path}.distribution", errors)
    if "mode" in given:
        merged["mode"] = choice(given["mode"], f"{path}.mode", MODES, errors) or merged["mode"]
    if "links" in given and (links := mapping(given["links"] or {}, f"{path}.links", LINKS, errors)):
        for key, value in links.items():
            merged["links"][key] = url(value, f"{path}.links.{key}", errors)
    if "worksheets" in given and (
        sheets := mapping(given["worksheets"] or {}, f"{path}.worksheets", WORKSHEET_KEYS, errors)
    ):
        if "tax_rate" in sheets:
            merged["worksheets"]["tax_rate"] = tax_rate(sheets["tax_rate"], f"{path}.worksheets.tax_rate", errors)
        if "doc_fee" in sheets:
            merged["worksheets"]["doc_fee"] = amount(sheets["doc_fee"], f"{path}.worksheets.doc_fee", errors)
    chat = mapping(given["chat"] or {}, f"{path}.chat", CHAT_KEYS, errors) if "chat" in given else None
    if chat and "origins" in chat:
        origins = a_list(chat["origins"], f"{path}.chat.origins", errors)
        read = (web_origin(o, f"{path}.chat.origins[{i}]", errors) for i, o in enumerate(origins))
        merged["chat"]["origins"] = list(dict.fromkeys(o for o in read if o))
    messenger = (
        mapping(given["messenger"] or {}, f"{path}.messenger", MESSENGER_KEYS, errors) if "messenger" in given else None
    )
    if messenger and "page_id" in messenger:
        merged["messenger"]["page_id"] = _page_id(messenger["page_id"], f"{path}.messenger.page_id", errors)
    calls = mapping(given["calls"] or {}, f"{path}.calls", CALLS_KEYS, errors) if "calls" in given else None
    if calls and "recordings" in calls:
        merged["calls"]["recordings"] = boolean(calls["recordings"], f"{path}.calls.recordings", errors)
    if "inventory" in given and (
        inventory := mapping(given["inventory"] or {}, f"{path}.inventory", INVENTORY_KEYS, errors)
    ):
        _inventory(inventory, merged, f"{path}.inventory", errors)
    if "forwarding" in given:
        merged["forwarding"] = read_forwarding(given["forwarding"], merged["forwarding"], f"{path}.forwarding", errors)
    if "staff_names" in given and (style := staff_names(given["staff_names"], f"{path}.staff_names", errors)):
        merged["staff_names"] = style
    if "autoresponder" in given:
        autoresponder(given["autoresponder"], merged, f"{path}.autoresponder", errors)
    check_autoresponder(merged, f"{path}.autoresponder", errors)
    if merged["email"]["from_name"] is None:
        merged["email"]["from_name"] = merged["name"]
    return merged


def _page_id(value: Any, path: str, errors: Errors) -> str:
    """A Facebook page id: its digits, as text (YAML may read an unquoted one as a number)."""
    page = a_text(value, path, errors, max_length=30)
    if page is not None and not PAGE_ID.fullmatch(page):
        errors.add(path, f'"{page}" is not a Facebook page id (its digits, as on the page\'s About section)')
        return ""
    return page or ""


def _region(given: dict[str, Any], merged: dict[str, Any], path: str, errors: Errors) -> None:
    if "country" in given:
        country = a_text(given["country"], f"{path}.country", errors, max_length=2)
        merged["country"] = country.upper() if country else None
    if "subdivision" in given:
        merged["subdivision"] = a_text(given["subdivision"], f"{path}.subdivision", errors, max_length=10)
    country, subdivision = merged["country"], merged["subdivision"]
    try:
        check_region(country, None)
    except ValueError as error:
        errors.add(f"{path}.country", str(error))
        return
    if subdivision and country:
        # Most subdivision codes are upper-case: accept "tx" for "TX", but keep codes that are not.
        for candidate in (subdivision, subdivision.upper()):
            try:
                check_region(country, candidate)
            except ValueError as error:
                problem = str(error)
                continue
            merged["subdivision"] = candidate
            return
        errors.add(f"{path}.subdivision", problem)
    elif subdivision:
        errors.add(f"{path}.subdivision", f'subdivision "{subdivision}" needs a country')


def _email_settings(email: dict[str, Any], merged: dict[str, Any], path: str, errors: Errors) -> None:
    if "intake" in email:
        intake = a_text(email["intake"], f"{path}.intake", errors, max_length=64)
        if intake is not None and not INTAKE.fullmatch(intake.lower()):
            errors.add(f"{path}.intake", f'"{intake}" is not an address part (letters, digits, ".", "_", "+", "-")')
        else:
            merged["email"]["intake"] = intake.lower() if intake else None
    if "from_name" in email:
        merged["email"]["from_name"] = a_text(email["from_name"], f"{path}.from_name", errors) or ""
    if "send_emails" in email:
        merged["email"]["send_emails"] = boolean(email["send_emails"], f"{path}.send_emails", errors)


def _inventory(given: dict[str, Any], merged: dict[str, Any], path: str, errors: Errors) -> None:
    """The inventory feed: a CSV address the worker fetches every `every_minutes` (docs/inventory.md)."""
    if "feed_url" in given:
        merged["inventory"]["feed_url"] = url(given["feed_url"], f"{path}.feed_url", errors)
    if "every_minutes" in given:
        every = minutes(given["every_minutes"], f"{path}.every_minutes", errors)
        if every is not None and every < FEED_MINUTES_AT_LEAST:
            errors.add(f"{path}.every_minutes", f"{every} is too often: a feed is fetched at most every 5 minutes")
        elif every is not None:
            merged["inventory"]["every_minutes"] = every


def _distribution(raw: Any, merged: dict[str, Any], path: str, errors: Errors) -> None:
    given = mapping(raw or {}, path, DEPARTMENTS, errors) or {}
    for department, settings in given.items():
        where = f"{path}.{department}"
        values = mapping(settings or {}, where, DEPARTMENT_KEYS, errors) or {}
        target = merged["distribution"][department]
        if "method" in values:
            target["method"] = choice(values["method"], f"{where}.method", METHODS, errors)
        if "fallback" in values:
            target["fallback"] = email_address(values["fallback"], f"{where}.fallback", errors)
        if "existing_customers" in values:
            target["existing_customers"] = choice(
                values["existing_customers"], f"{where}.existing_customers", EXISTING_CUSTOMERS, errors
            )


# Users -------------------------------------------------------------------------------------


def _user(
    raw: Any, path: str, countries: Mapping[str, str | None], known: Known, errors: Errors
) -> dict[str, Any] | None:
    given = mapping(raw, path, USER_KEYS, errors)
    if given is None:
        return None
    email = email_address(given.get("email"), f"{path}.email", errors)
    if email is None:
        if "email" not in given or given["email"] in (None, ""):
            errors.add(f"{path}.email", "is required")
        return None
    if email in known.erased:
        errors.add(f"{path}.email", f'"{email}" is a former user whose personal data was erased; leave them out')
        return None
    user: dict[str, Any] = {"email": email}
    if "name" in given:
        user["name"] = a_text(given["name"], f"{path}.name", errors, required=True, max_length=150)
    elif email not in known.users:
        errors.add(f"{path}.name", "is required for a new user")
    if "password" in given and given["password"] is not None:
        if not isinstance(given["password"], str) or not given["password"]:
            errors.add(f"{path}.password", "expected a non-empty text")
        else:
            user["password"] = given["password"]
    memberships = []
    raws: list[tuple[Any, str, dict[str, Any] | None]] = []
    seen: set[str] = set()
    for index, item in enumerate(a_list(given.get("memberships"), f"{path}.memberships", errors)):
        membership = _membership(item)
        raws.append((item, f"{path}.memberships[{index}]", membership))
        if membership is None:
            continue
        if membership["dealership"] in seen:
            errors.add(f"{path}.memberships[{index}].dealership", f'"{membership["dealership"]}" is listed twice')
            continue
        seen.add(membership["dealership"])
        memberships.append(membership)
    user["memberships"] = memberships
    user["given_memberships"] = raws
    if "mobile" in given:
        # A local number is read in the country of the user's first dealership.
        country = next((countries.get(m["dealership"]) for m in memberships if m["dealership"] in countries), "US")
        user["mobile"] = phone(given["mobile"], f"{path}.mobile", country, errors)
    if "outbound_phone" in given:
        country = next((countries.get(m["dealership"]) for m in memberships if m["dealership"] in countries), "US")
        user["outbound_phone"] = outbound_phone(given["outbound_phone"], f"{path}.outbound_phone", country, errors)
    if "forward_calls" in given:
        user["forward_calls"] = boolean(given["forward_calls"], f"{path}.forward_calls", errors)
    return user


def _membership(raw: Any) -> dict[str, Any] | None:
    """A membership normalised; its errors are reported by `accounts.actions.validate_membership`
    (the one definition of a valid membership, shared with the user screens) in `_check_references`."""
    if not isinstance(raw, dict) or not isinstance(raw.get("dealership"), str) or not raw["dealership"].strip():
        return None
    membership: dict[str, Any] = {"dealership": raw["dealership"].strip()}
    if raw.get("role") in ROLES:
        membership["role"] = raw["role"]
    if "departments" in raw and isinstance(raw["departments"], list | type(None)):
        membership["departments"] = [d for d in DEPARTMENTS if d in (raw["departments"] or [])]
    for key in ("receives_leads", "can_be_assigned", "pool_alerts"):
        if isinstance(raw.get(key), bool):
            membership[key] = raw[key]
    if "supervisor" in raw:
        supervisor = raw["supervisor"]
        membership["supervisor"] = supervisor.strip().lower() if isinstance(supervisor, str) and supervisor else None
    if "crm_id" in raw:
        membership["crm_id"] = "" if raw["crm_id"] is None else str(raw["crm_id"]).strip()
    if "absent" in raw:
        absent = raw["absent"] if isinstance(raw["absent"], dict) else {}
        first, last = read_date(absent.get("from")), read_date(absent.get("until"))
        membership["absent"] = (
            {"from": first.isoformat(), "until": last.isoformat() if last else None} if first else None
        )
    return membership


# The whole document ------------------------------------------------------------------------


def validate(data: Any, known: Known | None = None) -> Validated:
    """Check a whole document; every error is listed, with the path of the key at fault."""
    known = known or Known()
    errors = Errors()
    if not isinstance(data, dict):
        message = "expected a mapping with organization, dealerships and users"
        return Validated(config={}, errors=[f"document: {message}, not {describe(data)}"])
    top = mapping(data, "", TOP_KEYS, errors)
    assert top is not None
    organization = a_text(top.get("organization"), "organization", errors, required=True)
    dealerships: list[dict[str, Any]] = []
    slugs: dict[str, int] = {}
    for index, raw in enumerate(a_list(top.get("dealerships"), "dealerships", errors)):
        dealership = _dealership(raw, f"dealerships[{index}]", known, errors)
        if dealership is None:
            continue
        slug = dealership["slug"]
        if slug in slugs:
            errors.add(f"dealerships[{index}].slug", f'"{slug}" is already dealerships[{slugs[slug]}]')
            continue
        owner = (known.dealerships.get(slug) or {}).get("organization")
        if organization and owner and owner != organization:
            errors.add(f"dealerships[{index}].slug", f'"{slug}" belongs to another organization ("{owner}")')
        slugs[slug] = index
        dealerships.append(dealership)
    countries = {d["slug"]: d["country"] for d in dealerships} | {
        slug: d.get("country") for slug, d in known.dealerships.items() if slug not in slugs
    }
    users: list[dict[str, Any]] = []
    emails: dict[str, int] = {}
    for index, raw in enumerate(a_list(top.get("users"), "users", errors)):
        user = _user(raw, f"users[{index}]", countries, known, errors)
        if user is None:
            continue
        if user["email"] in emails:
            errors.add(f"users[{index}].email", f'"{user["email"]}" is already users[{emails[user["email"]]}]')
            continue
        emails[user["email"]] = index
        users.append(user)
    _check_references(dealerships, users, slugs, emails, known, errors)
    config = {"organization": organization, "dealerships": dealerships, "users": users}
    return Validated(config=config, errors=list(errors))


def _check_references(
    dealerships: list[dict[str, Any]],
    users: list[dict[str, Any]],
    slugs: Mapping[str, int],
    emails: Mapping[str, int],
    known: Known,
    errors: Errors,
) -> None:
    """Cross-references: every dealership, user and intake address named must make sense."""
    all_users = set(known.users) | set(emails)
    works_at = set(known.memberships) | {(u["email"], m["dealership"]) for u in users for m in u["memberships"]}
    intake_owners = {i: s for i, s in known.intake_owners.items() if s not in slugs}
    page_owners = {p: s for p, s in known.page_owners.items() if s not in slugs}
    for dealership in dealerships:
        path = f"dealerships[{slugs[dealership['slug']]}]"
        intake = dealership["email"]["intake"]
        if intake and intake in intake_owners:
            errors.add(f"{path}.email.intake", f'"{intake}" is already the intake address of {intake_owners[intake]}')
        elif intake:
            intake_owners[intake] = dealership["slug"]
        page = dealership["messenger"]["page_id"]
        if page and page in page_owners:
            errors.add(
                f"{path}.messenger.page_id", f'the Facebook page "{page}" is already connected to {page_owners[page]}'
            )
        elif page:
            page_owners[page] = dealership["slug"]
        for department, settings in dealership["distribution"].items():
            fallback = settings.get("fallback")
            where = f"{path}.distribution.{department}.fallback"
            if fallback and fallback not in all_users:
                errors.add(where, f'"{fallback}" is not a user in this file or in Forecourt')
            elif fallback and (fallback, dealership["slug"]) not in works_at:
                errors.add(where, f'"{fallback}" does not work at {dealership["slug"]}')
        errors.extend(
            check_users(
                dealership["forwarding"],
                path=f"{path}.forwarding",
                slug=dealership["slug"],
                users=all_users,
                works_at=works_at,
            )
        )
    staff: dict[str, set[str]] = {}
    for email, slug in works_at:
        staff.setdefault(slug, set()).add(email)
    for user in users:
        for raw, path, membership in user.pop("given_memberships"):
            problems = validate_membership(raw, path=path, staff=staff, email=user["email"])
            if membership is None:
                errors.extend(problems)
                continue
            slug = membership["dealership"]
            if slug not in slugs and slug not in known.dealerships:
                errors.add(f"{path}.dealership", f'"{slug}" is not a dealership in this file or in Forecourt')
            supervisor = membership.get("supervisor")
            if supervisor and supervisor not in all_users:
                # Say "unknown" rather than "does not work there" when there is nobody by that name.
                problems = [p for p in problems if not p.startswith(f"{path}.supervisor:")]
                errors.add(f"{path}.supervisor", f'"{supervisor}" is not a user in this file or in Forecourt')
            errors.extend(problems)


def referenced(data: Any) -> tuple[set[str], set[str]]:
    """The dealership slugs and user emails a (possibly invalid) document mentions, so that
    the caller can look exactly those up in the database before validating."""
    slugs: set[str] = set()
    emails: set[str] = set()
    if not isinstance(data, dict):
        return slugs, emails
    for dealership in data.get("dealerships") or []:
        if isinstance(dealership, dict):
            slugs.add(str(dealership.get("slug")))
            for settings in (
                (dealership.get("distribution") or {}) if isinstance(dealership.get("distribution"), dict) else {}
            ).values():
                if isinstance(settings, dict) and settings.get("fallback"):
                    emails.add(str(settings["fallback"]).strip().lower())
            emails |= users_named(dealership.get("forwarding"))
    for user in data.get("users") or []:
        if not isinstance(user, dict):
            continue
        emails.add(str(user.get("email")).strip().lower())
        for membership in user.get("memberships") or []:
            if isinstance(membership, dict):
                slugs.add(str(membership.get("dealership")).strip())
                if membership.get("supervisor"):
                    emails.add(str(membership["supervisor"]).strip().lower())
    return slugs, emails

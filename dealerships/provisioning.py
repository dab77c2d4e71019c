"""Applying and exporting dealership configuration (the provisioning YAML, CONTRACT §3).

`provision()` validates a whole document against the database (`dealerships.config`), and only
if nothing is wrong applies it in one transaction, returning one line per change. Applying the
same document twice changes nothing the second time. Nothing is ever deleted: users,
memberships and dealerships that a document leaves out are left alone.

`export()` gives a dealership's configuration back in the same shape, which `provision()` takes
unchanged (passwords are never exported).
"""

from __future__ import annotations

import re
from collections.abc import Hashable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import yaml
from django.db import transaction
from django.db.models import Q

from accounts import actions as accounts
from accounts.models import Membership, User
from calls.actions import set_call_settings
from dealerships import config
from dealerships.config_forwarding import default_forwarding
from dealerships.models import Dealership, DealershipChange, Organization
from intake.marketplaces import source_key
from intake.models import IntakeSettings, MarketplaceRedirect
from inventory.models import StockFeed

# Settings whose value is a mapping of named leaves; a change is reported per leaf
# (`escalation.stage1_minutes`, `hours.sat`, `distribution.sales.method`).
NESTED = (
    "hours",
    "phones",
    "email",
    "escalation",
    "distribution",
    "links",
    "worksheets",
    "chat",
    "messenger",
    "calls",
    "inventory",
    "forwarding",
    "autoresponder",
)


@dataclass
class Outcome:
    """What provisioning did: the changes made, or the errors that stopped it (and nothing changed)."""

    changes: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    settings_changed: dict[str, list[str]] = field(default_factory=dict)
    """slug -> paths of the dealership settings that changed (e.g. "hours.sat")."""

    @property
    def ok(self) -> bool:
        return not self.errors


# Reading YAML ----------------------------------------------------------------------------


class _Loader(yaml.SafeLoader):
    """YAML as people mean it in a config file.

    Only true/false are booleans (YAML 1.2): in YAML 1.1 `country: NO` is Norway read as false,
    and `yes`/`on` would silently be booleans too. A key written twice is an error, where
    PyYAML would quietly keep the last one.
    """

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Hashable, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if isinstance(key, Hashable) and key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f'the key "{key}" is written twice', key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)

    def construct_timestamp(self, node: yaml.ScalarNode) -> Any:
        # 2026-02-30 looks like a date but is not one: keep the text, so that validation
        # reports it with its path instead of the whole file failing to load.
        try:
            return self.construct_yaml_timestamp(node)
        except ValueError:
            return self.construct_scalar(node)


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_constructor("tag:yaml.org,2002:timestamp", _Loader.construct_timestamp)
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


class YamlError(ValueError):
    """A document that is not readable YAML; the message says where."""


def load_yaml(text: str) -> Any:
    try:
        return yaml.load(text, Loader=_Loader)  # noqa: S506 - _Loader is a SafeLoader
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        raise YamlError(f"{where}{error.problem or error.context}") from None
    except yaml.YAMLError as error:
        raise YamlError(str(error)) from None


# The database in document shape ------------------------------------------------------------


def dealership_settings(dealership: Dealership) -> dict[str, Any]:
    """A dealership's settings exactly as the document would write them (normalised)."""
    defaults = config.default_dealership(dealership.slug)
    distribution = {
        department: {**defaults["distribution"][department], **(dealership.distribution or {}).get(department, {})}
        for department in config.DEPARTMENTS
    }
    return {
        "slug": dealership.slug,
        "name": dealership.name,
        "timezone": dealership.timezone,
        "country": dealership.country or None,
        "subdivision": dealership.subdivision or None,
        "public_holidays": dealership.public_holidays,
        "days_off": sorted(dealership.days_off or []),
        "hours": {day: list((dealership.hours or {}).get(day) or []) for day in config.WEEKDAYS},
        "phones": {
            "leads": dealership.leads_phone,
            "main": dealership.main_phone,
            "calls_forwarding": dealership.calls_forwarding_phone,
        },
        "email": {
            "intake": dealership.intake_address or None,
            "from_name": dealership.email_from_name,
            "send_emails": dealership.send_emails,
        },
        "after_hours_sms": dealership.after_hours_sms,
        "staff_names": dealership.staff_names,
        "autoresponder": {**defaults["autoresponder"], **(dealership.autoresponder or {})},
        "escalation": {**defaults["escalation"], **(dealership.escalation or {})},
        "distribution": distribution,
        "links": {key: (dealership.links or {}).get(key, "") for key in config.LINKS},
        "mode": dealership.mode,
        "worksheets": {**defaults["worksheets"], **(dealership.worksheets or {})},
        "chat": {"origins": list(dealership.chat_origins or [])},
        # The page token is entered on the settings screen only: never in a document.
        "messenger": {"page_id": dealership.messenger_page_id},
        "calls": {"recordings": dealership.call_recordings},
        "inventory": feed_settings(dealership),
        "forwarding": forwarding_settings(dealership),
    }


def feed_settings(dealership: Dealership) -> dict[str, Any]:
    feed = StockFeed.objects.filter(dealership_id=dealership.pk).first() if dealership.pk else None
    if feed is None:
        return dict(config.default_dealership(dealership.slug)["inventory"])
    return {"feed_url": feed.url, "every_minutes": feed.every_minutes}


def forwarding_settings(dealership: Dealership) -> dict[str, Any]:
    """The dealership's forwarding rules (kept by intake: IntakeSettings, MarketplaceRedirect)."""
    found = default_forwarding()
    intake = IntakeSettings.objects.filter(dealership_id=dealership.pk).first() if dealership.pk else None
    if intake is not None:
        found["crm"] = intake.crm_email
        found["trade_in_cc"] = intake.trade_in_cc_email
        found["use_vehicle_location"] = intake.forward_by_vehicle_location
    if dealership.pk:
        found["marketplaces"] = [
            {"source": r.source, "user": r.user.email} if r.user is not None else {"source": r.source, "email": r.email}
            for r in MarketplaceRedirect.objects.filter(dealership_id=dealership.pk).select_related("user")
        ]
    return found


def write_forwarding(dealership: Dealership, forwarding: Mapping[str, Any]) -> None:
    """Store validated forwarding rules; the people they name exist by now."""
    if forwarding == forwarding_settings(dealership):
        return
    intake, _ = IntakeSettings.objects.get_or_create(dealership=dealership)
    intake.crm_email = forwarding["crm"]
    intake.trade_in_cc_email = forwarding["trade_in_cc"]
    intake.forward_by_vehicle_location = forwarding["use_vehicle_location"]
    intake.save(update_fields=["crm_email", "trade_in_cc_email", "forward_by_vehicle_location"])
    MarketplaceRedirect.objects.filter(dealership=dealership).delete()
    people = {u.email: u for u in User.objects.filter(email__in=[r.get("user") for r in forwarding["marketplaces"]])}
    MarketplaceRedirect.objects.bulk_create(
        MarketplaceRedirect(
            dealership=dealership,
            source=redirect["source"],
            source_key=source_key(redirect["source"]),
            user=people.get(redirect.get("user") or ""),
            email=redirect.get("email", ""),
            position=position,
        )
        for position, redirect in enumerate(forwarding["marketplaces"])
    )


def membership_settings(membership: Membership) -> dict[str, Any]:
    absent = None
    if membership.absent_from:
        until = membership.absent_until.isoformat() if membership.absent_until else None
        absent = {"from": membership.absent_from.isoformat(), "until": until}
    return {
        "dealership": membership.dealership.slug,
        "role": membership.role,
        "departments": [d for d in config.DEPARTMENTS if d in (membership.departments or [])],
        "receives_leads": membership.receives_leads,
        "can_be_assigned": membership.can_be_assigned,
        "supervisor": membership.supervisor.email if membership.supervisor else None,
        "crm_id": membership.crm_id,
        "absent": absent,
        "pool_alerts": membership.pool_alerts,
    }


def known_for(data: Any) -> config.Known:
    """What the database knows about the dealerships and users a document mentions."""
    slugs, emails = config.referenced(data)
    dealerships = {
        d.slug: {**dealership_settings(d), "organization": d.organization.name}
        for d in Dealership.objects.filter(slug__in=slugs).select_related("organization")
    }
    # Settings the document leaves out are checked too: their fallback users must be known.
    emails |= {
        settings["fallback"]
        for dealership in dealerships.values()
        for settings in dealership["distribution"].values()
        if settings.get("fallback")
    } | {
        redirect["user"]
        for dealership in dealerships.values()
        for redirect in dealership["forwarding"]["marketplaces"]
        if redirect.get("user")
    }
    memberships = Membership.objects.filter(Q(user__email__in=emails) | Q(dealership__slug__in=slugs))
    return config.Known(
        dealerships=dealerships,
        users=frozenset(User.objects.filter(email__in=emails).values_list("email", flat=True)),
        memberships=frozenset(memberships.values_list("user__email", "dealership__slug")),
        intake_owners=dict(
            Dealership.objects.exclude(intake_address=None).values_list("intake_address", "slug")  # type: ignore[arg-type]
        ),
        page_owners=dict(Dealership.objects.exclude(messenger_page_id="").values_list("messenger_page_id", "slug")),
        erased=frozenset(
            User.objects.filter(email__in=emails, erased_at__isnull=False).values_list("email", flat=True)
        ),
    )


def check(data: Any) -> config.Validated:
    return config.validate(data, known_for(data))


# Applying -------------------------------------------------------------------------------------


def provision(data: Any, *, actor: User | None = None, source: str = DealershipChange.Source.PROVISION) -> Outcome:
    """Validate the whole document, then apply all of it in one transaction, or none of it."""
    with transaction.atomic():
        # Validated inside the transaction so that what was checked is what gets changed.
        validated = check(data)
        if not validated.ok:
            return Outcome(errors=validated.errors)
        outcome = Outcome()
        _apply(validated.config, actor=actor, source=source, outcome=outcome)
    return outcome


def _leaves(settings: Mapping[str, Any]) -> Iterator[tuple[str, Any]]:
    for key, value in settings.items():
        if key == "distribution":
            for department, values in value.items():
                for name, leaf in values.items():
                    yield f"distribution.{department}.{name}", leaf
        elif key in NESTED:
            for name, leaf in value.items():
                yield f"{key}.{name}", leaf
        else:
            yield key, value


def settings_diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[dict[str, Any]]:
    """[{"path", "old", "new"}] for every setting that differs, in document order."""
    old = dict(_leaves(before))
    return [{"path": path, "old": old.get(path), "new": new} for path, new in _leaves(after) if old.get(path) != new]


def _write(dealership: Dealership, settings: Mapping[str, Any]) -> None:
    dealership.name = settings["name"]
    dealership.timezone = settings["timezone"]
    dealership.country = settings["country"] or ""
    dealership.subdivision = settings["subdivision"] or ""
    dealership.public_holidays = settings["public_holidays"]
    dealership.days_off = list(settings["days_off"])
    dealership.hours = dict(settings["hours"])
    dealership.leads_phone = settings["phones"]["leads"]
    dealership.main_phone = settings["phones"]["main"]
    dealership.calls_forwarding_phone = settings["phones"]["calls_forwarding"]
    dealership.intake_address = settings["email"]["intake"] or None
    dealership.email_from_name = settings["email"]["from_name"] or ""
    dealership.send_emails = settings["email"]["send_emails"]
    dealership.after_hours_sms = settings["after_hours_sms"]
    dealership.staff_names = settings["staff_names"]
    dealership.autoresponder = {key: text for key, text in settings["autoresponder"].items() if text}
    dealership.escalation = dict(settings["escalation"])
    dealership.distribution = {d: dict(v) for d, v in settings["distribution"].items()}
    dealership.links = {key: url for key, url in settings["links"].items() if url}
    dealership.mode = settings["mode"]
    dealership.worksheets = dict(settings["worksheets"])
    dealership.chat_origins = list(settings["chat"]["origins"])
    if dealership.messenger_page_id != settings["messenger"]["page_id"]:
        # Another page (or none): the old page's token cannot send for it.
        dealership.messenger_page_id = settings["messenger"]["page_id"]
        dealership.messenger_page_token = ""
    dealership.call_recordings = settings["calls"]["recordings"]
    dealership.save()
    inventory = settings.get("inventory")
    if inventory is not None and inventory != feed_settings(dealership):
        # A new address (or interval) is fetched at the worker's next pass.
        StockFeed.objects.update_or_create(
            dealership=dealership,
            defaults={"url": inventory["feed_url"], "every_minutes": inventory["every_minutes"], "next_poll_at": None},
        )


def _apply(document: Mapping[str, Any], *, actor: User | None, source: str, outcome: Outcome) -> None:
    changes = outcome.changes
    organization, created = Organization.objects.get_or_create(name=document["organization"])
    if created:
        changes.append(f"created organization {organization.name}")
    for settings in document["dealerships"]:
        changes.extend(_apply_dealership(organization, settings, actor=actor, source=source, outcome=outcome))
    users = {}
    for values in document["users"]:
        user, lines = _apply_user(values, actor=actor)
        users[user.email] = user
        changes.extend(lines)
    # Memberships after every user exists, since a supervisor may come later in the file.
    for values in document["users"]:
        for membership in values["memberships"]:
            changes.extend(_apply_membership(users[values["email"]], membership, actor=actor))
    # Forwarding last: a marketplace redirect may name a person this file creates.
    for settings in document["dealerships"]:
        write_forwarding(Dealership.objects.get(slug=settings["slug"]), settings["forwarding"])


def _apply_dealership(
    organization: Organization, settings: Mapping[str, Any], *, actor: User | None, source: str, outcome: Outcome
) -> list[str]:
    slug = settings["slug"]
    dealership = Dealership.objects.filter(slug=slug).first()
    if dealership is None:
        dealership = Dealership(organization=organization, slug=slug)
        _write(dealership, settings)
        DealershipChange.objects.create(
            dealership=dealership, actor=actor, source=source, changes=[{"path": "created", "old": None, "new": slug}]
        )
        return [f"created dealership {slug}"]
    diff = settings_diff(dealership_settings(dealership), settings)
    if not diff:
        return []
    _write(dealership, settings)
    DealershipChange.objects.create(dealership=dealership, actor=actor, source=source, changes=diff)
    outcome.settings_changed[slug] = [change["path"] for change in diff]
    return [f"updated dealership {slug}: {', '.join(change['path'] for change in diff)}"]


def _apply_user(values: Mapping[str, Any], *, actor: User | None) -> tuple[User, list[str]]:
    email = values["email"]
    user = User.objects.filter(email=email).first()
    if user is None:
        password = values.get("password")
        user = accounts.create_user(
            email=email,
            name=values["name"],
            actor=actor,
            memberships=[],
            mobile=values.get("mobile") or "",
            password=password,
        )
        set_call_settings(
            user=user,
            actor=actor,
            outbound_phone=values.get("outbound_phone"),
            forward_calls=values.get("forward_calls"),
        )
        lines = [f"created user {email}"]
        if not password:
            lines.append(f"queued password setup email to {email}")
        return user, lines
    changed = [key for key in ("name", "mobile") if key in values and getattr(user, key) != (values[key] or "")]
    if changed:
        accounts.update_user(
            user=user,
            actor=actor,
            email=user.email,
            name=values.get("name") or user.name,
            mobile=values.get("mobile", user.mobile),
        )
    changed += set_call_settings(
        user=user, actor=actor, outbound_phone=values.get("outbound_phone"), forward_calls=values.get("forward_calls")
    )
    if values.get("password") and not user.check_password(values["password"]):
        user.set_password(values["password"])
        user.save(update_fields=["password"])
        changed.append("password")
    return user, [f"updated user {email}: {', '.join(changed)}"] if changed else []


def _apply_membership(user: User, values: Mapping[str, Any], *, actor: User | None) -> list[str]:
    slug = values["dealership"]
    existing = Membership.objects.filter(user=user, dealership__slug=slug).select_related("supervisor").first()
    if existing is None:
        accounts.save_membership(user=user, data=values, actor=actor)
        return [f"created membership {user.email} @ {slug}"]
    current = membership_settings(existing)
    changed = [key for key, value in values.items() if current.get(key) != value]
    if not changed:
        return []
    accounts.save_membership(user=user, data={key: values[key] for key in ["dealership", *changed]}, actor=actor)
    return [f"updated membership {user.email} @ {slug}: {', '.join(changed)}"]


# Exporting -------------------------------------------------------------------------------------


def export(slug: str) -> dict[str, Any]:
    """One dealership's configuration as a document: its organisation, itself, and its people
    (each with only their membership there; erased former users left out). Raises
    Dealership.DoesNotExist."""
    dealership = Dealership.objects.select_related("organization").get(slug=slug)
    settings = dealership_settings(dealership)
    settings["days_off"] = [date.fromisoformat(day) for day in settings["days_off"]]
    users = []
    memberships = (
        # A former user whose personal data was erased has nothing left to configure.
        Membership.objects.filter(dealership=dealership, user__erased_at__isnull=True)
        .select_related("user", "supervisor", "dealership")
        .order_by("user__name", "user__email")
    )
    for membership in memberships:
        given = membership_settings(membership)
        if given["absent"]:
            given["absent"] = {k: date.fromisoformat(v) if v else None for k, v in given["absent"].items()}
        user = membership.user
        users.append(
            {
                "email": user.email,
                "name": user.name,
                "mobile": user.mobile,
                "outbound_phone": user.outbound_phone,
                "forward_calls": user.forward_calls,
                "memberships": [given],
            }
        )
    return {"organization": dealership.organization.name, "dealerships": [settings], "users": users}


def export_yaml(slug: str) -> str:
    return yaml.safe_dump(export(slug), sort_keys=False, allow_unicode=True, default_flow_style=None, width=120)

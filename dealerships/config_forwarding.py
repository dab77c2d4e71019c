"""The `forwarding` block of a dealership in the provisioning YAML (CONTRACT §3; docs/intake.md):

    forwarding:
      crm: leads@dms.example.com          # every new lead as ADF (the general forwarding)
      trade_in_cc: appraisals@riverside.example
      use_vehicle_location: false         # forward by the rules of the rooftop holding the vehicle
      marketplaces:                       # each: source and either user (a person here) or email
        - {source: Cars.com, user: carol@example.com}
        - {source: CarGurus, email: bdc@agency.example}

Pure validation, as the rest of `dealerships.config`; users named are checked against the
people of the document and the database by `check_users`.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from dealerships.config_values import Errors, a_list, a_text, boolean, email_address, mapping
from intake.marketplaces import marketplace_name, source_key

FORWARDING_KEYS = ("crm", "trade_in_cc", "use_vehicle_location", "marketplaces")
MARKETPLACE_KEYS = ("source", "user", "email")


def default_forwarding() -> dict[str, Any]:
    return {"crm": "", "trade_in_cc": "", "use_vehicle_location": False, "marketplaces": []}


def read_forwarding(raw: Any, current: dict[str, Any], path: str, errors: Errors) -> dict[str, Any]:
    """`current` with the keys `raw` gives laid over it (null or "" clear an address)."""
    merged = dict(current)
    given = mapping(raw or {}, path, FORWARDING_KEYS, errors) or {}
    for key in ("crm", "trade_in_cc"):
        if key in given:
            merged[key] = email_address(given[key], f"{path}.{key}", errors) or ""
    if "use_vehicle_location" in given:
        merged["use_vehicle_location"] = bool(
            boolean(given["use_vehicle_location"], f"{path}.use_vehicle_location", errors)
        )
    if "marketplaces" in given:
        merged["marketplaces"] = _marketplaces(given["marketplaces"], f"{path}.marketplaces", errors)
    return merged


def _marketplaces(raw: Any, path: str, errors: Errors) -> list[dict[str, str]]:
    read: list[dict[str, str]] = []
    seen: dict[str, int] = {}
    for index, item in enumerate(a_list(raw, path, errors)):
        where = f"{path}[{index}]"
        given = mapping(item, where, MARKETPLACE_KEYS, errors)
        if given is None:
            continue
        source = a_text(given.get("source"), f"{where}.source", errors, required=True, max_length=100)
        targets = [key for key in ("user", "email") if given.get(key) not in (None, "")]
        if len(targets) != 1:
            errors.add(
                where,
                "give either user (a person of this dealership) or email (an address), not both"
                if targets
                else "needs user (a person of this dealership) or email (an address) to send these leads to",
            )
            continue
        target = email_address(given[targets[0]], f"{where}.{targets[0]}", errors)
        if source is None or target is None:
            continue
        source = marketplace_name(source)
        key = source_key(source)
        if not key:
            errors.add(f"{where}.source", f'"{source}" names no source (it has no letters or digits)')
        elif key in seen:
            errors.add(f"{where}.source", f'"{source}" is already {path}[{seen[key]}]')
        else:
            seen[key] = index
            # "at" is where it was written, for `check_users`, which takes it off again.
            read.append({"source": source, targets[0]: target, "at": where})
    return read


def check_users(
    forwarding: dict[str, Any], *, path: str, slug: str, users: Collection[str], works_at: Collection[tuple[str, str]]
) -> list[str]:
    """Errors for redirects to people who are unknown or do not work at the dealership."""
    errors = Errors()
    for index, redirect in enumerate(forwarding["marketplaces"]):
        user = redirect.get("user")
        where = f"{redirect.pop('at', f'{path}.marketplaces[{index}]')}.user"
        if user and user not in users:
            errors.add(where, f'"{user}" is not a user in this file or in Forecourt')
        elif user and (user, slug) not in works_at:
            errors.add(where, f'"{user}" does not work at {slug}')
    return errors


def users_named(raw: Any) -> set[str]:
    """The emails of people a (possibly invalid) `forwarding` block names."""
    if not isinstance(raw, dict) or not isinstance(raw.get("marketplaces"), list):
        return set()
    return {
        str(item["user"]).strip().lower()
        for item in raw["marketplaces"]
        if isinstance(item, dict) and isinstance(item.get("user"), str) and item["user"].strip()
    }

"""Settings messages in a dealer's words. The policy checker names what is wrong by its place in
the YAML document ("groups[0].members", "sales.alert_recipients[1]"), which is right in the YAML
editor; the forms screen says "Group “Used Hondas” members" and "Sales alert recipients" instead."""

from __future__ import annotations

import re
from collections.abc import Sequence

from dealerships.models import Department

_GROUP = re.compile(r"^groups\[(\d+)\](?: \([^)]*\))?")
_DEPARTMENTS = dict(Department.choices)


def _place(path: str, group_names: Sequence[str]) -> str | None:
    """`path` in words, or None when it is not a settings path."""
    group = _GROUP.match(path)
    if group:
        index = int(group.group(1))
        name = group_names[index] if index < len(group_names) else ""
        head = f"Group “{name}”" if name else f"Group {index + 1}"
        rest = path[group.end() :].lstrip(".")
    else:
        first, _, rest = path.partition(".")
        if first not in _DEPARTMENTS:
            return None
        head = str(_DEPARTMENTS[first])
    key, _, detail = rest.partition(".")
    key = re.sub(r"\[\d+\]$", "", key).replace("_", " ")
    if key == "weights" and detail:
        return f"{head} weight of {detail}"
    return f"{head} {key}".strip()


def in_words(message: str, group_names: Sequence[str] = ()) -> str:
    """ "groups[0].members: …" → "Group “Used Hondas” members: …"; other messages unchanged."""
    path, colon, rest = message.partition(": ")
    place = _place(path, group_names) if colon else None
    return f"{place}: {rest}" if place else message

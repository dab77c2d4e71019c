"""Where a problem in the distribution settings is, in the words of the settings screen.

`distribution.policy.check` notes each problem with the path of its key in the document
("groups[0].members[1]"), which is how a program finds it; a person reads "Group “Used Hondas”,
members" instead, on the screen, in the YAML editor and from `manage.py distribution` alike.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

DEPARTMENT_WORDS = {
    "method": "method",
    "fallback": "fallback user",
    "existing_customers": "a known customer's new request",
    "after_hours_method": "after hours",
    "on_shift_only": "only people on shift",
    "cap": "cap on open leads",
    "pool_oldest_first": "pool oldest first",
    "use_vehicle_location": "use vehicle location",
    "alert_recipients": "new-lead alert email to",
    "weights": "counts twice in the round robin",
    "reply_template": "default reply",
}
GROUP_WORDS = {
    "name": "name",
    "match": "",
    "sources": "sources",
    "department": "department",
    "makes": "makes",
    "condition": "new or used",
    "vehicle_location": "vehicle held at",
    "hours": "hours",
    "method": "method",
    "cap": "cap on open leads",
    "members": "members",
    "user": "",
    "weight": "counts twice",
}
_PART = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def _parts(path: str) -> list[str | int]:
    return [int(index) if index else key for key, index in _PART.findall(path)]


def in_words(path: str, message: str, group_names: Sequence[object] = ()) -> str:
    """ "groups[0].members", "…" -> "Group “Used Hondas”, members: …"; a group without a name is
    "Group 1" (its place on the screen); a key nobody knows is quoted as it was typed.

    >>> in_words("sales.fallbak", 'unknown key (did you mean "fallback"?)')
    'Sales, “fallbak”: unknown key (did you mean "fallback"?)'
    """
    parts = _parts(path)
    unknown = message.startswith("unknown key")
    words: list[str] = []
    labels = GROUP_WORDS
    if parts and parts[0] in ("sales", "service"):
        words.append(str(parts.pop(0)).capitalize())
        labels = DEPARTMENT_WORDS
    elif parts[:1] == ["groups"] and len(parts) > 1 and isinstance(parts[1], int):
        index = parts[1]
        name = group_names[index] if index < len(group_names) else None
        words.append(f"Group “{name.strip()}”" if isinstance(name, str) and name.strip() else f"Group {index + 1}")
        parts = parts[2:]
    elif parts[:1] == ["groups"]:
        words.append("Groups")
        parts = parts[1:]
    for position, part in enumerate(parts):
        if isinstance(part, int):
            continue
        last = position == len(parts) - 1
        if unknown and last:
            words.append(f"“{part}”")
        elif labels is DEPARTMENT_WORDS and position > 0 and parts[0] == "weights":
            words.append(part)  # the email a weight belongs to
        else:
            label = labels.get(part, part)
            if label and label not in words:
                words.append(label)
    where = ", ".join(words)
    return f"{where}: {message}" if where else message[:1].upper() + message[1:]

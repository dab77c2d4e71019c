"""Reading what Meta posts to /hooks/messenger: the JSON body of a page subscription, each entry a
page and each `messaging` item one event (a message, an echo of one the page sent, a delivery or
read receipt). Pure functions over the body: nothing here touches the database.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

MAX_ATTACHMENTS = 10


@dataclass(frozen=True)
class Event:
    """One `messaging` item. `psid` is always the customer's page-scoped id: the sender of a
    message, the recipient of an echo."""

    kind: str  # "message", "echo", "delivery", "read" or "other"
    page_id: str
    psid: str
    mid: str = ""
    text: str = ""
    attachments: list[str] = field(default_factory=list)
    metadata: str = ""
    at: datetime | None = None
    mids: list[str] = field(default_factory=list)


def _text(value: Any) -> str:
    # PostgreSQL keeps no NUL character in text; a customer never meant one.
    return str(value).replace("\x00", "") if value is not None else ""


def _moment(value: Any) -> datetime | None:
    if isinstance(value, int | float) and not isinstance(value, bool) and value > 0:
        try:
            return datetime.fromtimestamp(value / 1000, tz=UTC)
        except (OverflowError, OSError, ValueError):
            return None
    return None


def load(body: bytes | str) -> dict[str, Any]:
    """The body as a mapping; ValueError, in words, when it is not JSON or not an object."""
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, ValueError) as exc:
        raise ValueError(f"The body is not JSON ({exc}).") from None
    if not isinstance(data, dict):
        raise ValueError("The body is JSON but not an object with `object` and `entry`.")
    return data


def page_ids(data: dict[str, Any]) -> list[str]:
    """The ids of the pages the entries are about, in order, each once."""
    entries = data.get("entry")
    found = [_text(e.get("id")) for e in entries if isinstance(e, dict)] if isinstance(entries, list) else []
    return list(dict.fromkeys(i for i in found if i))


def events(data: dict[str, Any]) -> list[Event]:
    """Every event of a page subscription body; ValueError when it is not one."""
    if data.get("object") != "page":
        raise ValueError(f"Only page events are taken; this one is about {data.get('object')!r}.")
    entries = data.get("entry")
    if not isinstance(entries, list):
        raise ValueError("A page event needs an `entry` list.")
    found: list[Event] = []
    for entry in entries:
        if not isinstance(entry, dict):
            continue
        page = _text(entry.get("id"))
        items = entry.get("messaging")
        for item in items if isinstance(items, list) else []:
            if isinstance(item, dict) and (event := _event(page, item)) is not None:
                found.append(event)
    return found


def _id(item: dict[str, Any], who: str) -> str:
    party = item.get(who)
    return _text(party.get("id")) if isinstance(party, dict) else ""


def _event(page: str, item: dict[str, Any]) -> Event | None:
    sender, recipient, at = _id(item, "sender"), _id(item, "recipient"), _moment(item.get("timestamp"))
    message = item.get("message")
    if isinstance(message, dict):
        echo = message.get("is_echo") is True
        urls = [
            _text(a["payload"]["url"])
            for a in (message.get("attachments") or [])[:MAX_ATTACHMENTS]
            if isinstance(a, dict) and isinstance(a.get("payload"), dict) and a["payload"].get("url")
        ]
        return Event(
            kind="echo" if echo else "message",
            page_id=page or (sender if echo else recipient),
            psid=recipient if echo else sender,
            mid=_text(message.get("mid")),
            text=_text(message.get("text")),
            attachments=urls,
            metadata=_text(message.get("metadata")),
            at=at,
        )
    for kind in ("delivery", "read"):
        receipt = item.get(kind)
        if isinstance(receipt, dict):
            mids = receipt.get("mids")
            return Event(
                kind=kind,
                page_id=page or recipient,
                psid=sender,
                at=_moment(receipt.get("watermark")) or at,
                mids=[_text(m) for m in mids if m] if isinstance(mids, list) else [],
            )
    return Event(kind="other", page_id=page or recipient, psid=sender, at=at)

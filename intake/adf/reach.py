"""Whether anyone could answer a prospect: a lead nobody can reach is not a lead. Pure Python.

A truncated email (`<adf><prospect>`) or a form sent empty reads as a prospect with no name and
no contact; made into a lead it would be distributed, alerted and put on a clock nobody can meet.

What counts as a way to reach the customer (or the co-buyer), decided to refuse only what truly
cannot be answered:
- a phone number, even one that could not be read (it is kept as written: a person may still
  make sense of it), or an email address, even a relay's;
- a name together with a postal address (real senders send leads with only these: a letter
  reaches them);
- a phone number or email address written in the comments or elsewhere in what was sent (a chat
  transcript: "call me on 512 555 0100").
A name alone is not enough: nobody could call, write or mail that customer.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

NOBODY_TO_REACH = (
    "No way to reach the customer: the lead has no phone number, no email address, and no name with a postal address."
)

# Something a person could dial or write to, typed in free text: an address, or seven digits or
# more with the separators people type. A date in the text may pass for a number; that only
# keeps a lead, never refuses one.
_EMAIL_IN_TEXT = re.compile(r"[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+")
_PHONE_IN_TEXT = re.compile(r"\+?\d(?:[\s().\-/]{0,3}\d){6,}")


def nobody_to_reach(prospect: Mapping[str, Any]) -> str | None:
    """Why nobody could answer `prospect` (a CONTRACT §4 prospect dict), or None when someone can."""
    people = [contact for contact in (prospect.get("customer"), prospect.get("co_customer")) if contact]
    if any(_has_phone_or_email(contact) for contact in people):
        return None
    if any(_has_name(contact) for contact in people) and any(_has_address(contact) for contact in people):
        return None
    if any(_EMAIL_IN_TEXT.search(text) or _PHONE_IN_TEXT.search(text) for text in _free_text(prospect)):
        return None
    return NOBODY_TO_REACH


def _has_phone_or_email(contact: Mapping[str, Any]) -> bool:
    phones = contact.get("phones") or []
    if any(phone.get("number") or re.search(r"\d", str(phone.get("raw") or "")) for phone in phones):
        return True
    return any("@" in str(email or "") for email in contact.get("emails") or [])


def _has_name(contact: Mapping[str, Any]) -> bool:
    names = (contact.get(key) for key in ("name", "first_name", "last_name", "business_name"))
    return any(str(name or "").strip() for name in names)


def _has_address(contact: Mapping[str, Any]) -> bool:
    address = contact.get("address") or {}
    parts = [*(address.get("street") or []), address.get("city"), address.get("postal_code")]
    return any(str(part or "").strip() for part in parts)


def _free_text(prospect: Mapping[str, Any]) -> Iterable[str]:
    yield str(prospect.get("comments") or "")
    for item in prospect.get("extra") or []:
        yield str(item.get("text") or "")

"""Phone numbers: everything is stored in E.164; the dealership's country reads local numbers."""

from __future__ import annotations

import phonenumbers


def to_e164(raw: str, country: str = "US") -> str | None:
    """`raw` as E.164 (+15125550100), or None when it is not a possible phone number."""
    text = (raw or "").strip()
    if not text or not any(ch.isdigit() for ch in text):
        return None
    try:
        parsed = phonenumbers.parse(text, country or "US")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(parsed):
        return None
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def display(number: str) -> str:
    """An E.164 number the way people write it in its own country: (512) 555-0100."""
    try:
        parsed = phonenumbers.parse(number, None)
    except phonenumbers.NumberParseException:
        return number
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.NATIONAL)

"""Which phone a call rings: a salesperson's outbound phone with its pauses and extension, and the
dealership's numbers. No Django here beyond reading the rows it is given."""

from __future__ import annotations

import re
from dataclasses import dataclass

import phonenumbers

from forecourt.lib.phone import to_e164

# Each comma is a one-second pause; Twilio's SendDigits pauses half a second per "w".
PAUSE = "ww"
_DIALLED = re.compile(r"[0-9*#,]*")


def _written_extension(text: str, country: str) -> bool:
    """Does `text` carry an extension in words or marks ("ext 42", "x42", "#42")?"""
    try:
        return bool(phonenumbers.parse(text, (country or "US").upper()).extension)
    except phonenumbers.NumberParseException:
        return False


@dataclass(frozen=True)
class OutboundPhone:
    """A phone to ring: the number (E.164) and the digits to press once it answers ("wwww42")."""

    number: str
    send_digits: str = ""


def read_outbound_phone(text: str, country: str = "US") -> OutboundPhone:
    """ "+15125550001,,,42" as the number and its extension dialled after three one-second pauses.

    ValueError, in words, for a number that is not one or anything but commas, digits, * and #
    after it.
    """
    number_part, comma, rest = text.strip().partition(",")
    if _written_extension(number_part, country):
        # "+15125550102 ext 42": the number alone would ring the switchboard and never the extension.
        raise ValueError("Write the extension after commas, a one-second pause each, not as “ext”: +15125550100,,,42.")
    number = to_e164(number_part, country)
    if number is None:
        raise ValueError(f"{number_part.strip() or text!r} is not a phone number.")
    after = comma + rest.replace(" ", "")
    if not _DIALLED.fullmatch(after):
        raise ValueError("After the number, write only commas (a one-second pause each) and the digits to dial.")
    digits = after.rstrip(",").replace(",", PAUSE)
    return OutboundPhone(number=number, send_digits=digits if any(c not in "w" for c in digits) else "")


def normalise_outbound_phone(text: str, country: str = "US") -> str:
    """The outbound phone as it is stored: E.164 then the commas and digits as written ("" stays "")."""
    if not text.strip():
        return ""
    phone = read_outbound_phone(text, country)
    _, comma, rest = text.strip().partition(",")
    return phone.number + (comma + rest.replace(" ", "")).rstrip(",") if phone.send_digits else phone.number

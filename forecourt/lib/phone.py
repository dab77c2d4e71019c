"""Phone numbers: everything is stored in E.164; the dealership's country reads local numbers."""

from __future__ import annotations

import re
from decimal import Decimal
from functools import lru_cache

import phonenumbers

# A number that went through a spreadsheet: "5125550100.0", "5.1255501E+09".
_SPREADSHEET_NUMBER = re.compile(r"\d{7,15}\.0+|\d\.\d{6,14}[eE]\+?\d{1,2}")


@lru_cache(maxsize=4096)
def to_e164(raw: str, country: str = "US") -> str | None:
    """`raw` as E.164 (+15125550100), or None when it is no real phone number.

    Remembered for the last few thousand numbers: taking one lead in reads each of its numbers
    five times (the ADF, the batch's look-ahead, matching, storing, the alert), at about 45 µs a parse.

    The one rule for every number Forecourt reads (ADF, API, forms, settings, search). Only
    numbers that can exist count: "999-999-9999", "123-456-7890" or a bare "555-1234" are what
    web forms get from people who won't give a number, and as E.164 they would merge strangers
    into one customer. Such a number is kept as it was written (a phone's `raw`) and matches nobody.
    """
    text = (raw or "").strip()
    if not text or not any(ch.isdigit() for ch in text):
        return None
    if _SPREADSHEET_NUMBER.fullmatch(text):
        text = _from_spreadsheet(text)
    try:
        parsed = phonenumbers.parse(text, (country or "US").upper())
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(parsed):
        return None
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def _from_spreadsheet(text: str) -> str:
    value = Decimal(text)  # `_SPREADSHEET_NUMBER` matched: always a decimal number
    return str(int(value)) if value == value.to_integral_value() else text


def display(number: str) -> str:
    """An E.164 number the way people write it in its own country: (512) 555-0100."""
    try:
        parsed = phonenumbers.parse(number, None)
    except phonenumbers.NumberParseException:
        return number
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.NATIONAL)


_NOT_A_DIGIT = re.compile(r"[^0-9]")


def digits_last_first(text: str) -> str:
    """The ASCII digits of `text`, last first: "(512) 555-0142" gives "2410555215".

    People read a number out from its end ("...0142", "555-0142"), with or without the area or
    country code; stored last first beside each phone, any such ending is a prefix of it, which an
    ordinary index answers on SQLite and PostgreSQL alike.
    """
    return _NOT_A_DIGIT.sub("", text)[::-1]

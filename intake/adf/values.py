"""Normalising single values the way a dealership reads them: names, e-mails, phones, money."""

from __future__ import annotations

import re
import textwrap
from decimal import Decimal, InvalidOperation

from forecourt.lib.phone import to_e164

from .model import Phone

# What web forms and generators put where a value should be ("1 Not Available" is Impel's default).
PLACEHOLDERS = frozenset(
    {
        "-",
        "--",
        ".",
        "?",
        "n/a",
        "na",
        "none",
        "null",
        "nil",
        "undefined",
        "unknown",
        "not available",
        "1 not available",
        "not provided",
        "not given",
    }
)
# For a vehicle, these say "no preference", which is the same as not saying.
VEHICLE_PLACEHOLDERS = PLACEHOLDERS | {"any", "all", "any/all", "any model", "all models", "other"}

# No pattern here starts with a run of spaces: tried at every position of a long run, such a
# pattern is quadratic. Spaces are trimmed per line in Python instead.
_LINE_BREAK_TAG = re.compile(r"<\s*+br\s*+/?\s*+>(?:[ \t]*+\r?\n)?", re.IGNORECASE)
_BLANK_LINES = re.compile(r"\n{3,}")
_EMAIL = re.compile(
    r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~\-]++@[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9\-]++)+\Z"
)
_EMAIL_DELIMITERS = re.compile(r"[\s<>()\[\],;:\"']+")
_URL = re.compile(r"https?://", re.IGNORECASE)
_NOT_AMOUNT = re.compile(r"[^\d.,\-]")
_AMOUNT = re.compile(r"-?\d[\d,]*(?:\.\d+)?|-?\d+(?:,\d{1,2})?")
_DECIMAL_COMMA = re.compile(r"-?\d+,\d{1,2}")
_WHOLE_NUMBER = re.compile(r"(\d{1,3}(?:[,\s]\d{3})+|\d{1,9})(?:\.\d*)?\s*[A-Za-z.]*")
_THOUSANDS = re.compile(r"[,\s]")

_PHONE_TYPES = {
    "voice": "voice",
    "fax": "fax",
    "cellphone": "cellphone",
    "pager": "pager",
    "mobile": "cellphone",
    "cell": "cellphone",
    "cellular": "cellphone",
    "cell phone": "cellphone",
    "mobile phone": "cellphone",
    "sms": "cellphone",
    "text": "cellphone",
    "facsimile": "fax",
}

_COUNTRIES = {
    "us": "US",
    "usa": "US",
    "u.s.": "US",
    "u.s.a.": "US",
    "united states": "US",
    "united states of america": "US",
    "ca": "CA",
    "can": "CA",
    "canada": "CA",
    "mx": "MX",
    "mex": "MX",
    "mexico": "MX",
    "méxico": "MX",
    "ar": "AR",
    "arg": "AR",
    "argentina": "AR",
    "uk": "GB",
    "gb": "GB",
    "united kingdom": "GB",
    "great britain": "GB",
}
_CENT = Decimal("0.01")


def one_line(text: str | None, placeholders: frozenset[str] = PLACEHOLDERS) -> str | None:
    """A short value: whitespace runs become one space; empty or a placeholder is None."""
    if text is None:
        return None
    value = " ".join(text.split())
    return None if not value or value.lower() in placeholders else value


def tidy(text: str | None) -> str | None:
    """Free text as written, minus common indentation, `<br />` tags and trailing spaces."""
    if text is None or text.isspace():  # most often the indentation between a document's elements
        return None
    if "\n" not in text and "<" not in text:
        return text.strip() or None
    value = textwrap.dedent(_LINE_BREAK_TAG.sub("\n", text.replace("\r\n", "\n")))
    value = "\n".join(line.rstrip() for line in value.split("\n")).strip()
    return _BLANK_LINES.sub("\n\n", value) or None


def paragraph(text: str | None) -> str | None:
    """Free text (comments), tidied; a placeholder is None."""
    value = tidy(text)
    return None if value is None or value.lower() in PLACEHOLDERS else value


def without_url(text: str | None) -> tuple[str | None, bool]:
    """Some senders append "Sent From: https://…" to the model; the value is what comes before.
    Returns the value and whether anything was cut (the caller keeps the original)."""
    if text is None:
        return None, False
    found = _URL.search(text)
    if found is None:
        return text, False
    before = text[: found.start()].rstrip()
    for label in ("sent from:", "sent from"):
        if before.lower().endswith(label):
            before = before[: -len(label)]
            break
    return one_line(before, VEHICLE_PLACEHOLDERS), True


def email_address(text: str | None) -> str | None:
    """Lower-cased address from `mailto:x`, `Name <x>` or `x`; None when there is no address."""
    value = one_line(text)
    if value is None or "@" not in value:
        return None
    # Splitting at ":" also takes "mailto:" off.
    for word in _EMAIL_DELIMITERS.split(value):
        # Anchored and capped at the longest address there is, so a long word cannot make it slow.
        if "@" in word and len(word) <= 254 and _EMAIL.match(word):
            return word.lower()
    return None


def phone(raw: str, *, kind: str | None, preferred: str | None, time: str | None, country: str) -> Phone:
    """A phone as E.164 when it is a real number for `country` (numbers written with their own
    country code keep it; `forecourt.lib.phone.to_e164`); otherwise `number` is None and `raw` keeps it."""
    adf_type, label = phone_type(kind)
    return Phone(
        number=to_e164(raw, country),
        type=adf_type,
        label=label,
        raw=raw,
        preferred=is_yes(preferred),
        time=one_line(time),
    )


def phone_type(kind: str | None) -> tuple[str, str | None]:
    """ADF's type (voice, fax, cellphone, pager) and, when the sender used another word, that word."""
    word = one_line(kind)
    if word is None:
        return "voice", None
    key = word.lower()
    if key in _PHONE_TYPES:
        adf_type = _PHONE_TYPES[key]
        return adf_type, None if key == adf_type else word
    # home, work, business, phone, day, evening...: a line one talks on.
    return "voice", word


def is_yes(value: str | None) -> bool:
    return (value or "").strip().lower() in {"1", "true", "yes", "y"}


def split_full_name(full: str) -> tuple[str | None, str | None]:
    """First and last name from one string: "Dana Sample", "Mary Ann Sample", "Sample, Dana"."""
    if "," in full:
        last, _, first = full.partition(",")
        return one_line(first), one_line(last)
    words = full.split()
    if len(words) < 2:
        return one_line(full), None
    return " ".join(words[:-1]), words[-1]


def country_code(text: str | None) -> str | None:
    value = one_line(text)
    if value is None:
        return None
    return _COUNTRIES.get(value.lower(), value.upper() if len(value) == 2 else value)


def postal_code(text: str | None) -> str | None:
    value = one_line(text)
    if value is None or set(value) <= {"0", " ", "-"}:
        return None  # "00000" is a generator default, not a place
    return value.upper()


def money(text: str | None) -> tuple[str | None, bool]:
    """A decimal string ("34995.00") and whether the text was readable. Zero is no price: senders
    write 0.00 when they have none. A range ("$600 - $1600") is not one price."""
    value = one_line(text)
    if value is None:
        return None, True
    digits = _NOT_AMOUNT.sub("", value)
    if not _AMOUNT.fullmatch(digits):
        return None, False
    if _DECIMAL_COMMA.fullmatch(digits):
        digits = digits.replace(",", ".")  # 34995,00 written the European way
    try:
        amount = Decimal(digits.replace(",", ""))
    except InvalidOperation:
        return None, False
    if amount == 0:
        return None, True
    return str(amount.quantize(_CENT)), True


def whole_number(text: str | None, *, low: int = 0, high: int = 999_999_999) -> tuple[int | None, bool]:
    """An integer from "48,210", "48210 mi", "48210.0"; and whether the text was readable."""
    value = one_line(text)
    if value is None:
        return None, True
    found = _WHOLE_NUMBER.fullmatch(value)
    if found is None:
        return None, False
    number = int(_THOUSANDS.sub("", found.group(1)))
    return (number, True) if low <= number <= high else (None, False)


def odometer_units(text: str | None) -> str | None:
    value = (one_line(text) or "").lower().rstrip(".")
    if value in {"mi", "mile", "miles", "m"}:
        return "mi"
    if value in {"km", "kms", "kilometer", "kilometers", "kilometre", "kilometres", "k"}:
        return "km"
    return value or None

"""Readers of single values in a configuration document (see `dealerships.config`).

Each takes the value, the path of its key and the error list; it returns the value normalised,
or None (or an empty value) after adding "path: message" to the errors.
"""

from __future__ import annotations

import difflib
import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlsplit

from calls.phones import normalise_outbound_phone
from dealerships.calendar import MIDNIGHT, WEEKDAYS, IntervalError, parse_day_hours
from forecourt.lib.phone import to_e164

EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
MAX_MINUTES = 60 * 24 * 30


class Errors(list[str]):
    def add(self, path: str, message: str) -> None:
        self.append(f"{path}: {message}")


def describe(value: Any) -> str:
    if isinstance(value, str):
        return f'"{value}"'
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return str(value)


def mapping(value: Any, path: str, allowed: tuple[str, ...], errors: Errors) -> dict[str, Any] | None:
    """`value` as a mapping whose unknown keys have been reported; None if it is not one."""
    if not isinstance(value, dict):
        errors.add(path, f"expected a mapping of keys, not {describe(value)}")
        return None
    for key in value:
        if key not in allowed:
            close = difflib.get_close_matches(str(key), allowed, n=1)
            hint = f' (did you mean "{close[0]}"?)' if close else f" (known keys: {', '.join(allowed)})"
            errors.add(f"{path}.{key}" if path else str(key), f"unknown key{hint}")
    return {k: v for k, v in value.items() if k in allowed}


def a_text(value: Any, path: str, errors: Errors, *, required: bool = False, max_length: int = 200) -> str | None:
    """A string (numbers are read as their digits); None for null or blank."""
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            errors.add(path, "is required")
        return None
    if isinstance(value, bool) or not isinstance(value, str | int):
        errors.add(path, f"expected text, not {describe(value)}")
        return None
    text = str(value).strip()
    if len(text) > max_length:
        errors.add(path, f"is longer than {max_length} characters")
        return None
    return text


def boolean(value: Any, path: str, errors: Errors) -> bool | None:
    if not isinstance(value, bool):
        errors.add(path, f"expected true or false, not {describe(value)}")
        return None
    return value


def choice(value: Any, path: str, choices: tuple[str, ...], errors: Errors) -> str | None:
    if value not in choices:
        errors.add(path, f"{describe(value)} is not one of {' | '.join(choices)}")
        return None
    return str(value)


def a_date(value: Any, path: str, errors: Errors) -> date | None:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    errors.add(path, f"{describe(value)} is not a date (YYYY-MM-DD)")
    return None


def email_address(value: Any, path: str, errors: Errors) -> str | None:
    text = a_text(value, path, errors, max_length=254)
    if text is None:
        return None
    if not EMAIL.fullmatch(text):
        errors.add(path, f'"{text}" is not an email address')
        return None
    return text.lower()


def phone(value: Any, path: str, country: str | None, errors: Errors) -> str:
    text = a_text(value, path, errors, max_length=40)
    if text is None:
        return ""
    number = to_e164(text, country or "US")
    if number is None:
        errors.add(path, f'"{text}" is not a phone number (write +15125550100, or a local number in {country or "US"})')
        return ""
    return number


def outbound_phone(value: Any, path: str, country: str | None, errors: Errors) -> str:
    """The phone click-to-call rings first: a number, then commas (one-second pauses) and digits."""
    text = a_text(value, path, errors, max_length=40)
    if text is None:
        return ""
    try:
        return normalise_outbound_phone(text, country or "US")
    except ValueError as exc:
        errors.add(path, f'"{text}": {exc} (write +15125550100, or +15125550100,,,42 for extension 42)')
        return ""


def format_interval(start: Any, end: Any) -> str:
    closes = "24:00" if end == MIDNIGHT else end.strftime("%H:%M")
    return f"{start.strftime('%H:%M')}-{closes}"


def week_hours(value: Any, path: str, errors: Errors) -> dict[str, list[str]]:
    hours: dict[str, list[str]] = {day: [] for day in WEEKDAYS}
    given = {} if value is None else mapping(value, path, WEEKDAYS, errors)
    for day, intervals in (given or {}).items():
        if intervals is not None and not isinstance(intervals, list):
            errors.add(f"{path}.{day}", f'expected a list of intervals like ["09:00-17:00"], not {describe(intervals)}')
            continue
        try:
            parsed = parse_day_hours(intervals)
        except IntervalError as error:
            where = f"{path}.{day}" + ("" if error.index is None else f"[{error.index}]")
            errors.add(where, str(error))
            continue
        hours[day] = [format_interval(start, end) for start, end in parsed]
    return hours


def minutes(value: Any, path: str, errors: Errors) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        errors.add(path, f"{describe(value)} is not a positive whole number of minutes")
        return None
    if value > MAX_MINUTES:
        errors.add(path, f"{value} is more than 30 days of minutes")
        return None
    return value


def url(value: Any, path: str, errors: Errors) -> str:
    text = a_text(value, path, errors, max_length=500)
    if text is None:
        return ""
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.netloc or " " in text:
        errors.add(path, f'"{text}" is not an http(s) URL')
        return ""
    return text


def web_origin(value: Any, path: str, errors: Errors) -> str:
    """A website as browsers name it in `Origin`: "https://www.example.com" or "http://host:8080",
    lower-case, without the default port or a trailing slash; "" after an error."""
    text = a_text(value, path, errors, max_length=200)
    if text is None:
        errors.add(path, "is empty")
        return ""
    parts = urlsplit(text)
    try:
        port = parts.port
    except ValueError:
        port = -1
    if (
        parts.scheme.lower() not in ("http", "https")
        or not parts.hostname
        or parts.path not in ("", "/")
        or parts.query
        or parts.fragment
        or parts.username is not None
        or port == -1
        or " " in text
    ):
        errors.add(path, f'"{text}" is not a website address like "https://www.example.com" (no path)')
        return ""
    scheme = parts.scheme.lower()
    default = {"http": 80, "https": 443}[scheme]
    shown = f":{port}" if port is not None and port != default else ""
    host = parts.hostname.lower()
    if ":" in host:  # IPv6, bracketed as browsers write it
        host = f"[{host}]"
    else:
        try:  # browsers write an international name in its ASCII (punycode) form
            host = host.encode("idna").decode("ascii")
        except UnicodeError:
            errors.add(path, f'"{text}" has a host name that cannot be a website')
            return ""
    return f"{scheme}://{host}{shown}"


def a_list(value: Any, path: str, errors: Errors) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        errors.add(path, f"expected a list, not {describe(value)}")
        return []
    return value


def _decimal(value: Any, path: str, errors: Errors) -> Decimal | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return Decimal(0)
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        errors.add(path, f'expected a decimal string such as "0.0625", not {describe(value)}')
        return None
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        number = Decimal("NaN")
    if not number.is_finite():
        errors.add(path, f"{describe(value)} is not a number")
        return None
    return number


def tax_rate(value: Any, path: str, errors: Errors) -> str:
    """A sales-tax rate as a fraction ("0.0625" is 6.25%), between 0 and 0.5."""
    rate = _decimal(value, path, errors)
    if rate is None:
        return "0"
    if not 0 <= rate <= Decimal("0.5"):
        errors.add(path, f'{describe(value)} is not a rate between 0 and 0.5 (write 6.25% as "0.0625")')
        return "0"
    return f"{rate.normalize():f}"


def amount(value: Any, path: str, errors: Errors) -> str:
    """A money amount in dollars and cents ("150.00"), not negative."""
    number = _decimal(value, path, errors)
    if number is None:
        return "0.00"
    if number < 0 or number >= 1_000_000 or number != number.quantize(Decimal("0.01")):
        errors.add(path, f"{describe(value)} is not an amount in dollars and cents (0 to 999999.99)")
        return "0.00"
    return str(number.quantize(Decimal("0.01")))

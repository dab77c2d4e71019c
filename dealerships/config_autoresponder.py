"""The settings of a rooftop's autoresponder and of how staff names are shown to customers, as
the provisioning YAML and the settings screen give them (`dealerships.config` calls these).

    staff_names: first_initial          # full | first | first_initial
    autoresponder:
      email_subject: "Thanks for your enquiry, {first_name}"
      email_body: "Hi {first_name}, {salesperson} will call you shortly about the {vehicle}. …"
      sms: "Hi {first_name}, this is {dealership}: …"

Empty texts turn that part off; the email needs both its subject and its body. The texts take the
merge fields of conversation templates (`conversations.templates`), checked the same way, so an
unknown field or a link the dealership has not set is refused with the key's path.
"""

from __future__ import annotations

from typing import Any

from dealerships.config_values import Errors, a_text, choice, mapping
from forecourt.lib.names import STYLES

AUTORESPONDER_KEYS = ("email_subject", "email_body", "sms")
LIMITS = {"email_subject": 200, "email_body": 5000, "sms": 1000}
STAFF_NAMES = tuple(STYLES)


def default_autoresponder() -> dict[str, str]:
    return dict.fromkeys(AUTORESPONDER_KEYS, "")


def staff_names(value: Any, path: str, errors: Errors) -> str | None:
    return choice(value, path, STAFF_NAMES, errors)


def autoresponder(value: Any, merged: dict[str, Any], path: str, errors: Errors) -> None:
    """Lay the given autoresponder keys over `merged["autoresponder"]`, reporting each problem at its path."""
    given = mapping(value or {}, path, AUTORESPONDER_KEYS, errors)
    if given is None:
        return
    for key, text in given.items():
        read = a_text(text, f"{path}.{key}", errors, max_length=LIMITS[key])
        if read is not None and key == "email_subject" and ("\n" in read or "\r" in read):
            errors.add(f"{path}.{key}", "must be one line")
            continue
        if read is not None or text in (None, ""):
            merged["autoresponder"][key] = read or ""


def check_autoresponder(merged: dict[str, Any], path: str, errors: Errors) -> None:
    """The whole autoresponder, once the links it may use are known."""
    from conversations.templates import problems_in  # pure: no model is imported with it

    settings = merged["autoresponder"]
    subject, body = settings["email_subject"], settings["email_body"]
    if body and not subject:
        errors.add(f"{path}.email_subject", "is required when email_body is set")
    if subject and not body:
        errors.add(f"{path}.email_body", "is required when email_subject is set")
    for key in AUTORESPONDER_KEYS:
        for problem in problems_in(settings[key], links=merged["links"]) if settings[key] else []:
            errors.add(f"{path}.{key}", problem)

"""What makes two customer records look like one person, as keys to compare (no Django here).

Intake already joins a repeat customer by an identical E.164 number or email address
(`leads.matching`); duplicates are what slips past that: the same number written another way,
an address with different capitals, spaces, a `+tag` or Gmail's ignored dots, or a person who
gave only their name and postcode once and only a phone the other time. These keys only
*suggest*: a person confirms every merge, so they may be looser than the matching rule.

Decisions (docs/customers.md):
- Phone: the E.164 number read with the dealership's country, so "(512) 555-0142", "512.555.0142"
  and "+1 512 555 0142" meet; a number that is no real number ("555-1234") suggests nothing.
- Email: trimmed and lower-cased; a `+tag` is dropped on every domain (subaddressing: the
  mailbox is the same); dots are dropped only for Gmail, where they are ignored — elsewhere
  `jo.smith@` and `josmith@` can be two people. Addresses that identify nobody (`none@none.com`,
  listing-site relays) suggest nothing.
- Name and postcode: first and last name (case, accents and spacing ignored) with the postcode
  without spaces (a US ZIP+4 as its five digits); both names and the postcode are needed.
"""

from __future__ import annotations

import re
import unicodedata

GMAIL_DOMAINS = frozenset(["gmail.com", "googlemail.com"])
_SPACES = re.compile(r"\s+")
_NOT_A_WORD = re.compile(r"[^0-9A-Z]+")
_US_ZIP = re.compile(r"^(\d{5})-?\d{4}$")


def email_key(address: str) -> str:
    """The mailbox an address delivers to: "Jo.Smith+cars@GoogleMail.com " gives "josmith@gmail.com"."""
    address = _SPACES.sub("", address or "").lower()
    local, at, domain = address.rpartition("@")
    if not at or not local or not domain:
        return ""
    local = local.split("+", 1)[0]
    if domain in GMAIL_DOMAINS:
        local, domain = local.replace(".", ""), "gmail.com"
    return f"{local}@{domain}" if local else ""


def _plain(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text or "")
    letters = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _NOT_A_WORD.sub("", letters.upper())


def postcode_key(postal_code: str) -> str:
    code = _SPACES.sub("", postal_code or "").upper()
    if zip_plus_four := _US_ZIP.match(code):
        return zip_plus_four.group(1)
    return _NOT_A_WORD.sub("", code)


def name_postcode_key(first_name: str, last_name: str, postal_code: str) -> str:
    """ "JORDAN|SAMPLE|78701" for Jordan Sample at 78701-1234; "" unless all three are known."""
    parts = (_plain(first_name), _plain(last_name), postcode_key(postal_code))
    return "|".join(parts) if all(parts) else ""

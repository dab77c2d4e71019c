"""How a salesperson's name is shown to customers: the one rule every channel follows.

A dealership chooses (`staff_names` in its settings) between the full name ("Carol Seller"), the
first name ("Carol") and the first name with the surname's initial ("Carol S."). Staff screens
always show full names; this is only for what a customer reads: the relay email's From, the
{salesperson} merge field, the chat widget, the quote page and PDF, appointment notices.

No Django here. A user has one `name` field, so the surname is guessed the way people write
names: the last word, together with any lower-case particles before it ("Ana de la Cruz" is Ana
and de la Cruz), leaving a suffix (Jr., III) out; a multi-word first name keeps all its words
("Mary Ann Smith" is Mary Ann). One word is a first name only. Names written in Chinese,
Japanese or Korean script put the family name first and have no initials: they are shown as
written, whatever the setting, rather than cut wrongly.
"""

from __future__ import annotations

import unicodedata

FULL = "full"
FIRST = "first"
FIRST_INITIAL = "first_initial"
STYLES: dict[str, str] = {
    FULL: "Full name (Carol Seller)",
    FIRST: "First name (Carol)",
    FIRST_INITIAL: "First name and initial (Carol S.)",
}

_PARTICLES = frozenset(
    {"da", "das", "de", "del", "della", "der", "di", "do", "dos", "du", "la", "le", "st.", "ten", "ter", "van", "von"}
)
_SUFFIXES = frozenset({"jr", "jr.", "sr", "sr.", "ii", "iii", "iv", "phd", "md"})
_WHOLE_NAME_SCRIPTS = ("CJK", "HANGUL", "HIRAGANA", "KATAKANA")


def _written_whole(name: str) -> bool:
    return any(unicodedata.name(ch, "").startswith(_WHOLE_NAME_SCRIPTS) for ch in name if not ch.isspace())


def split_name(name: str) -> tuple[str, str]:
    """(first name, surname) of a name as written; ("Cher", "") for a single name, ("", "") for none."""
    words = unicodedata.normalize("NFC", name).split()
    while len(words) > 2 and words[-1].lower().rstrip(",") in _SUFFIXES:
        words.pop()
    if len(words) < 2:
        return (words[0] if words else ""), ""
    start = len(words) - 1
    while start > 1 and words[start - 1].lower() in _PARTICLES:
        start -= 1
    return " ".join(words[:start]), " ".join(words[start:])


def _initial(surname: str) -> str:
    """The surname's initial: its first capital letter ("de la Cruz" is C.), with any accent kept."""
    letters = [word for word in surname.split() if word.lower() not in _PARTICLES] or surname.split()
    word = letters[0].lstrip("'\u2019(-")
    if not word:
        return ""
    initial = word[0]
    for ch in word[1:]:  # combining accents written after the letter belong to it
        if not unicodedata.combining(ch):
            break
        initial += ch
    capital = initial.upper()
    # A letter whose capital is two (ß is SS) stays as written: an initial is one letter.
    return f"{capital if len(capital) == len(initial) else initial}."


def shown_name(name: str, style: str) -> str:
    """`name` as customers see it under `style` (full, first, first_initial); "" for an empty name."""
    full = " ".join(unicodedata.normalize("NFC", name).split())
    if not full or style == FULL or _written_whole(full):
        return full
    first, surname = split_name(full)
    if style == FIRST or not surname:
        return first
    initial = _initial(surname)
    return f"{first} {initial}" if initial else first


def name_for_customers(user: object | None, dealership: object) -> str:
    """A user's name as `dealership`'s customers see it ("" for nobody); takes any object with
    `name` (a User) and any with `staff_names` (a Dealership), so every app can call it."""
    if user is None:
        return ""
    return shown_name(str(getattr(user, "name", "") or ""), str(getattr(dealership, "staff_names", FULL) or FULL))

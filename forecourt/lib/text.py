"""Text for single-line fields (names, cities, sources, email subjects), whatever door it came in by.

A line break in a name is never meant, and it breaks what is built from the name: an email header
refuses every character that ends a line (CR, LF, NEL, the Unicode line and paragraph separators,
vertical tab, form feed, the file/group/record separators). ADF intake folds them into spaces;
forms, the API and the outbox do the same through `one_line`.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable


def one_line(text: str | None) -> str:
    """`text` on one line: each run of whitespace (line breaks of every kind included) becomes one
    space, the ends are trimmed, and other control characters (bell, escape, NUL…) are dropped."""
    if not text:
        return ""
    text = str(text)
    if not text.isprintable():  # rare: look at each character only then
        text = "".join(c for c in text if c.isspace() or unicodedata.category(c) != "Cc")
    # str.split() with no argument splits on every character str.splitlines() and the email
    # package treat as a line end, plus spaces and tabs.
    return " ".join(text.split())


def lines(values: Iterable[str] | None) -> list[str]:
    """Several one-line values (the lines of a street address), each on one line, blanks left out."""
    return [line for line in map(one_line, values or []) if line]

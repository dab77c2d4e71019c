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
    # str.split() with no argument splits on exactly the characters str.splitlines() and the
    # email package treat as line ends, plus spaces and tabs.
    folded = " ".join(str(text).split())
    if folded.isprintable():
        return folded  # the common case: nothing left to look at
    return "".join(c for c in folded if unicodedata.category(c) != "Cc")


def lines(values: Iterable[str] | None) -> list[str]:
    """Several one-line values (the lines of a street address), each on one line, blanks left out."""
    return [line for line in map(one_line, values or []) if line]

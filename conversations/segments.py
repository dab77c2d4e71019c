"""How many text messages (segments) a body costs, as carriers count them; static/js/composer.js
counts the same way in the browser.

A body written only in the GSM-7 alphabet fits 160 characters in one segment and 153 in each of
several (the rest carries the joining header); a character of its extension table (€, [, ~ …)
takes two. One character outside it (an emoji, "ł", a curly apostrophe) sends the whole body as
UCS-2: 70 in one segment, 67 in each of several, counted in UTF-16 units (an emoji takes two).
"""

from __future__ import annotations

from dataclasses import dataclass

GSM_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM_EXTENDED = frozenset("^{}\\[~]|€\f")


@dataclass(frozen=True)
class Count:
    """What the counter shows: "2 segments, 180 characters"."""

    characters: int
    segments: int
    unicode: bool

    def __str__(self) -> str:
        segments = "1 segment" if self.segments == 1 else f"{self.segments} segments"
        characters = "1 character" if self.characters == 1 else f"{self.characters} characters"
        return f"{segments}, {characters}" + (" (special characters: 70 a segment)" if self.unicode else "")


def count(body: str) -> Count:
    """The characters and segments of `body` (0 segments for an empty body)."""
    if all(ch in GSM_BASIC or ch in GSM_EXTENDED for ch in body):
        units = sum(2 if ch in GSM_EXTENDED else 1 for ch in body)
        single, each, unicode = 160, 153, False
    else:
        units = len(body.encode("utf-16-le")) // 2
        single, each, unicode = 70, 67, True
    if units == 0:
        segments = 0
    elif units <= single:
        segments = 1
    else:
        segments = -(-units // each)
    return Count(characters=len(body), segments=segments, unicode=unicode)

"""How marketplace redirects name a lead source: as intake names it (intake.sources)."""

from __future__ import annotations

import re

from intake.sources import known_source


def source_key(name: str) -> str:
    """A source's name as redirects compare it: any case, without spaces or punctuation
    ("cars.com", "Cars.com" and "CARS COM" are one marketplace)."""
    return re.sub(r"[^a-z0-9]", "", name.lower())


def marketplace_name(name: str) -> str:
    """The name a redirect is kept under: a known listing site by the canonical name intake gives
    its leads ("cars.com" is Cars.com), any other source (a source rule's name) as written."""
    name = " ".join(name.split())
    canonical = known_source(name)
    return canonical if canonical and source_key(canonical) == source_key(name) else name

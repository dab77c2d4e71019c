"""Percentiles, one definition for SQLite and PostgreSQL alike. No Django.

The p-th percentile of n sorted values is read at rank h = (n - 1) * p (counting from 0) and
interpolated linearly between the two values around it: the definition of PostgreSQL's
`percentile_cont` and of spreadsheets' PERCENTILE.INC. The median of 1, 2, 3, 4 is 2.5; the 90th
percentile of 1..10 is 9.1. No values, no percentile (None).
"""

from __future__ import annotations

import math
from collections.abc import Sequence


def percentile(ordered: Sequence[float], p: float) -> float | None:
    """The p-th percentile (0 <= p <= 1) of values already sorted ascending."""
    if not 0 <= p <= 1:
        raise ValueError(f"percentile {p} is not between 0 and 1")
    if not ordered:
        return None
    rank = (len(ordered) - 1) * p
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (rank - low) * (ordered[high] - ordered[low])


def share(part: int, whole: int) -> float | None:
    """part / whole, or None when there is nothing to share."""
    return part / whole if whole else None

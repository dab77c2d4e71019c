"""Rows a request has just written, kept on the instance that owns them so that reading them
again costs no query: Django's prefetch cache, filled by hand.

Only for rows the same code has just written in full (a lead's vehicles as it makes them); the
cache is not kept up to date by writes that bypass the related manager, so whoever changes such
rows afterwards calls `forget_rows`. This module is the one place that relies on the internals
of that cache (`_result_cache`, `_prefetched_objects_cache`).
"""

from __future__ import annotations

from typing import Any

from django.db.models import Model


def hold_rows(instance: Model, relation: str, rows: list[Any]) -> None:
    """Let `instance.<relation>.all()` answer with `rows`, as a prefetch would, instead of reading
    them back. `rows` must be in the relation's `Meta.ordering`."""
    queryset = getattr(instance, relation).all()
    queryset._result_cache = list(rows)
    queryset._prefetch_done = True
    instance.__dict__.setdefault("_prefetched_objects_cache", {})[relation] = queryset


def forget_rows(instance: Model, relation: str) -> None:
    """The held rows of `relation` are out of date: read them from the database next time."""
    instance.__dict__.get("_prefetched_objects_cache", {}).pop(relation, None)

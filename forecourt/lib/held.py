"""Rows a request has just written, kept on the instance that owns them so that reading them
again costs no query: Django's prefetch cache, filled by hand.

Only for rows the same code has just written in full (a lead's vehicles as it makes them); the
cache is not kept up to date by writes that bypass the related manager, so whoever changes such
rows afterwards calls `forget_rows`. This module is the one place that relies on the internals
of that cache (`_result_cache`, `_prefetched_objects_cache`).

Held rows and their owner refer to each other (the owner holds the rows; each row's foreign key
holds the owner), a cycle that reference counting never frees. Code that makes many leads and
drops them (smtpd, the worker's sweep) makes them within `letting_go`, which lets go of every
held row at its end: otherwise Python's cyclic collector frees a few thousand leads' worth at
once, in a pause of a quarter of a second in which the process's other threads (smtpd's
acknowledgements) wait.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db.models import Model

_holders = threading.local()


def hold_rows(instance: Model, relation: str, rows: list[Any]) -> None:
    """Let `instance.<relation>.all()` answer with `rows`, as a prefetch would, instead of reading
    them back. `rows` must be in the relation's `Meta.ordering`."""
    queryset = getattr(instance, relation).all()
    queryset._result_cache = list(rows)
    queryset._prefetch_done = True
    instance.__dict__.setdefault("_prefetched_objects_cache", {})[relation] = queryset
    if (holders := getattr(_holders, "instances", None)) is not None:
        holders.append(instance)


def forget_rows(instance: Model, relation: str) -> None:
    """The held rows of `relation` are out of date: read them from the database next time."""
    instance.__dict__.get("_prefetched_objects_cache", {}).pop(relation, None)


@contextmanager
def letting_go() -> Iterator[None]:
    """Let go at the end of every row held within (on this thread): the instances that held them
    read them from the database again, should they still be used."""
    outer = getattr(_holders, "instances", None)
    instances: list[Model] = []
    _holders.instances = instances
    try:
        yield
    finally:
        _holders.instances = outer
        for instance in instances:
            instance.__dict__.pop("_prefetched_objects_cache", None)

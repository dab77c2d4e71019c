"""Reads shared by every lead of one batch: read once, then reused until the batch ends.

A batch of stored deliveries (`intake.actions.process_batch`) takes many leads in within one
transaction, and every lead asks the same questions of its dealership: its distribution policy,
its staff, its default follow-ups, where its CRM copy goes, how each person wants to be told.
None of those answers changes while the batch runs, so inside `shared_reads()` each is read once
(`read_once`); outside a batch (a lead entered by hand, a settings screen) every call reads afresh,
exactly as before. The rules themselves stay written once: they call the same functions either way.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

_reads: ContextVar[dict[Hashable, Any] | None] = ContextVar("batch_reads", default=None)


@contextmanager
def shared_reads() -> Iterator[None]:
    """Within this block, `read_once` reads each key once; nested blocks share the outer one's reads."""
    if _reads.get() is not None:
        yield
        return
    token = _reads.set({})
    try:
        yield
    finally:
        _reads.reset(token)


def read_once[T](key: Hashable, read: Callable[[], T]) -> T:
    """`read()`, or inside `shared_reads()` what it returned the first time for `key`."""
    reads = _reads.get()
    if reads is None:
        return read()
    if key not in reads:
        reads[key] = read()
    return reads[key]

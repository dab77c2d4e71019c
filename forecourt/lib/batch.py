"""Reads shared by every lead of one batch: read once, then reused until the batch ends.

A batch of stored deliveries (`intake.actions.process_batch`) takes many leads in within one
transaction, and every lead asks the same questions of its dealership: its distribution policy,
its staff, its default follow-ups, where its CRM copy goes, how each person wants to be told.
None of those answers changes while the batch runs, so inside `scope()` each is read once
(`read_once`); outside a batch (a lead entered by hand, a settings screen) every call reads afresh,
exactly as before. On PostgreSQL, the answers only the dealership's settings decide are also kept
from one batch to the next while those settings stay as they are (`read_settled`). The rules
themselves stay written once: they call the same functions either way.

A batch of many (`scope(many=True)`) is also taken optimistically: one transaction without a
savepoint per delivery, because a savepoint costs two statements at every level it is used. Code
that would catch an error inside a savepoint and go on (a lead taken in by another process at the
same moment) asks `taking_many()` and lets the error end the batch instead; its caller then rolls
the batch back and takes each delivery again alone, where the savepoints are back.

A batch of many also reads ahead: what its leads will look up one by one (their customers by
email and phone, the sender's ids, earlier deliveries of the same email, the stock units they
name) is read for all of them at once (`remember`), and kept right as the batch writes (`revise`).

In a batch of many, rows nothing reads back before the batch commits (timeline entries, the
alerts to send, the sender's ids of a lead) are written as it ends, one INSERT per table for all
its leads (`insert`), and so are the changes to its stored deliveries (`update`); what many leads
would each write once (a rotation's position, the ring of the worker's bell) is written once
(`at_end`): the cost per lead falls with the batch's size.

The rows a lead is made of (its customer and their contacts, the lead, its vehicles, its
follow-ups) are pointed at by others, so they need their primary keys at once (`make`). In a
batch of many on PostgreSQL they get them from their tables' sequences, a block of ids for the
batch from each table, all in one statement, and are written with the batch's other rows, one COPY
per table: before anything reads them back from the database (`write_pending`, which `run_later`
calls first, as matching a customer the batch may have made does). Its new leads' owners are
written with its other changes too (`made_here`): nobody else sees those leads before the batch
commits.

What takes a lock everyone shares (a round-robin turn locks its rotation until the commit) waits
for the end of a batch of many too (`later`): every lead of the batch is first made, then each is
given its owner in turn, so the rotation is held only for that last stretch and another process's
batch makes its own leads meanwhile.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import cache, partial
from graphlib import TopologicalSorter
from math import ceil
from typing import Any

from django.db import connection, models, transaction

from forecourt.lib.rows import insert_all_of, next_ids_of, takes_ids_ahead, update_each

_UNREAD = object()


@dataclass
class _Batch:
    many: bool
    reads: dict[Hashable, Any] = field(default_factory=dict)
    inserts: dict[type[models.Model], list[models.Model]] = field(default_factory=dict)
    updates: dict[tuple[type[models.Model], Any], tuple[models.Model, set[str]]] = field(default_factory=dict)
    at_end: dict[Hashable, Callable[[], None]] = field(default_factory=dict)
    later: list[Callable[[], None]] = field(default_factory=list)
    ids: dict[type[models.Model], list[int]] = field(default_factory=dict)
    used: dict[type[models.Model], int] = field(default_factory=dict)
    block: int = 1
    made: set[tuple[type[models.Model], Any]] = field(default_factory=set)
    settings_version: int | object | None = _UNREAD
    settled: dict[Hashable, Any] = field(default_factory=dict)


_current: ContextVar[_Batch | None] = ContextVar("batch", default=None)


@contextmanager
def scope(*, many: bool = False, leads: int = 1) -> Iterator[None]:
    """A batch: within this block `read_once` reads each key once, and `insert`, `update` and
    `at_end` wait for `end` (`many`: see `taking_many`). Nested blocks belong to the outer one.
    `leads`: about how many leads it makes, for the blocks of ids `make` takes.

    Enter it inside the transaction it is for: what is read once (a lock taken, a row made on
    first use) holds only while that transaction does.
    """
    if _current.get() is not None:
        yield
        return
    token = _current.set(_Batch(many=many, block=max(leads, 1)))
    try:
        yield
    finally:
        _current.reset(token)


def in_batch() -> bool:
    """True inside `scope()`."""
    return _current.get() is not None


def taking_many() -> bool:
    """True inside a batch of many deliveries in one transaction without savepoints (module doc)."""
    batch = _current.get()
    return batch is not None and batch.many


def read_once[T](key: Hashable, read: Callable[[], T]) -> T:
    """`read()`, or inside `scope()` what it returned the first time for `key`."""
    batch = _current.get()
    if batch is None:
        return read()
    if key not in batch.reads:
        batch.reads[key] = read()
    return batch.reads[key]


def read_settled[T](key: Hashable, read: Callable[[], T]) -> T:
    """`read_once(key, read)` for an answer only a dealership's settings decide (its staff, its
    distribution policy, its default follow-ups, how each person wants to be told): inside
    `scope()` on PostgreSQL it is also kept from one batch to the next, in this process, while nobody changes
    those settings (`dealerships.models.SettingsVersion`, which a trigger moves on every write to
    their tables; `read` must read only those). What a batch read is kept only once its
    transaction commits, and only with the version the batch read before it: a change committed
    meanwhile is read afresh by the next batch. Outside a batch, `read()` every time.
    """
    batch = _current.get()
    if batch is None:
        return read()
    if key in batch.reads:
        return batch.reads[key]
    if batch.settings_version is _UNREAD:
        batch.settings_version = _settings_version()
    version, kept = _settled
    if batch.settings_version is not None and version == batch.settings_version and key in kept:
        value = kept[key]
    else:
        value = read()
        if batch.settings_version is not None:
            if not batch.settled:
                transaction.on_commit(partial(_keep_settled, batch.settings_version, batch.settled))
            batch.settled[key] = value
    batch.reads[key] = value
    return value


# What `read_settled` kept of the batches that committed: the settings version they read, and
# their answers by key (only those of the latest version a batch kept).
_settled: tuple[object, dict[Hashable, Any]] = (None, {})


def _settings_version() -> int | None:
    """The settings version now; None before any setting was written, and on SQLite, where no
    trigger keeps it (nothing is kept then)."""
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT value FROM dealerships_settingsversion WHERE id = 1")
        row = cursor.fetchone()
    return row[0] if row else None


def _keep_settled(version: object, answers: dict[Hashable, Any]) -> None:
    global _settled
    kept_version, kept = _settled
    _settled = (version, {**kept, **answers} if kept_version == version else dict(answers))


def remember(key: Hashable, value: Any) -> None:
    """In a batch of many, what `read_once(key, …)` returns from now on: an answer read ahead for
    the whole batch in one query, or one the batch itself changed (a row it wrote)."""
    batch = _current.get()
    if batch is not None and batch.many:
        batch.reads[key] = value


def revise[T](key: Hashable, change: Callable[[T], T]) -> None:
    """In a batch of many, if `key` was read, what it reads from now on becomes `change(what it read)`:
    for a write that changes an answer the batch holds (a customer's new email)."""
    batch = _current.get()
    if batch is not None and batch.many and key in batch.reads:
        batch.reads[key] = change(batch.reads[key])


def at_end(key: Hashable, action: Callable[[], None]) -> None:
    """Inside a batch, run `action` once as the batch ends (`end`), in its transaction and outside
    any savepoint: what many leads would each do (ring the worker's bell, write a rotation's
    position) done once, with what the last one left. The latest `action` for a `key` is the one
    run; outside a batch it runs at once."""
    batch = _current.get()
    if batch is None:
        action()
        return
    batch.at_end.pop(key, None)  # run in the order the keys were last set
    batch.at_end[key] = action


def later(action: Callable[[], None]) -> None:
    """Run `action` now; in a batch of many, as the batch ends (before its rows are written), in
    the order given, or when `run_later` asks for it sooner."""
    batch = _current.get()
    if batch is None or not batch.many:
        action()
        return
    batch.later.append(action)


def run_later() -> None:
    """Run what `later` left for the batch so far, in order: before a lead reads what those actions
    would have written (a repeat customer's earlier lead in the same batch, and its owner). The
    rows made so far are written first (`write_pending`), for the actions to read and change,
    and what the actions wrote last, for the lead that reads it next."""
    batch = _current.get()
    if batch is None or not batch.later:
        return
    write_pending()
    while batch.later:
        batch.later.pop(0)()
    write_pending()


def insert[M: models.Model](row: M) -> M:
    """Insert the new `row`, as `Model.objects.create` does; in a batch of many, as the batch ends.

    Only for rows nothing reads back from the database before the batch commits, and whose
    model has no `save()` of its own: until then the row has no primary key (rows made later that
    point at it get theirs as they are written, after it).
    """
    insert_many([row])
    return row


def insert_many(rows: Iterable[models.Model]) -> None:
    """`insert` for several new rows (one `bulk_create` per table outside a batch of many)."""
    by_model: dict[type[models.Model], list[models.Model]] = {}
    for row in rows:
        by_model.setdefault(type(row), []).append(row)
    batch = _current.get()
    for model, of_model in by_model.items():
        if batch is not None and batch.many:
            batch.inserts.setdefault(model, []).extend(of_model)
        else:
            model._default_manager.bulk_create(of_model)


def make[M: models.Model](row: M) -> M:
    """Store the new `row` with its primary key set at once, as `Model.objects.create` does; in a
    batch of many on PostgreSQL, written with the batch's other rows (module doc)."""
    make_many([row])
    return row


def make_many[M: models.Model](rows: Iterable[M]) -> list[M]:
    """`make` for several new rows (one `bulk_create` per table when written at once); returns them.

    For rows that others point at before the batch ends, whose model has no `save()` of its own
    that does more for a new row than storing it. Until `write_pending`, nothing reads them from
    the database and nothing changes them there: a lead's rows are made before its owner is
    chosen (`later`), which writes them first.
    """
    rows = list(rows)
    by_model: dict[type[models.Model], list[M]] = {}
    for row in rows:
        by_model.setdefault(type(row), []).append(row)
    batch = _current.get()
    ahead = batch is not None and batch.many and connection.vendor == "postgresql"
    for model, of_model in by_model.items():
        if batch is None or not ahead:
            model._default_manager.bulk_create(of_model)
            if batch is not None and batch.many:
                batch.made.update((model, row.pk) for row in of_model)
            continue
        ids = _take_ids(batch, {model: len(of_model)})[model]
        stamped = _timestamps(model)
        for row, pk in zip(of_model, ids, strict=True):
            row.pk = pk
            for stamp in stamped:  # as `create` sets them, for what reads the row before it is written
                stamp.pre_save(row, True)
        batch.inserts.setdefault(model, []).extend(of_model)
        batch.made.update((model, row.pk) for row in of_model)
    return rows


@cache
def _timestamps(model: type[models.Model]) -> list[Any]:
    """The fields of `model` that saving a new row stamps with the time (`auto_now`, `auto_now_add`)."""
    return [
        f for f in model._meta.concrete_fields if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
    ]


# How many rows of each table the leads of this process's latest batch of many needed, per lead
# (their keys taken ahead: `make`, and `insert` as the rows are written): a batch's first block
# of ids is taken for every one of these tables in one statement, each as large as that.
_ROWS_PER_LEAD: dict[type[models.Model], float] = {}


def _block(batch: _Batch, per_lead: float) -> int:
    """The ids to take for a table with `per_lead` rows a lead: a quarter more than that for the
    batch's leads, as the next batch's leads may bring more vehicles or trades than the last's."""
    return ceil(batch.block * per_lead * 1.25)


def _take_ids(batch: _Batch, counts: dict[type[models.Model], int]) -> dict[type[models.Model], list[int]]:
    """`counts[model]` new primary keys of each model's table, from blocks taken from the tables'
    sequences for the batch. A table short of ids gets a block of what the batch's leads are
    likely to need (`_block`; for a table new to this process, as if it had one row a lead), or
    more; and in the same statement every table of `_ROWS_PER_LEAD` the batch has no block of yet
    gets its own, so that a batch like the last takes every id it uses in one statement. The ids
    of a block the batch does not use are never used: a gap in the table's ids, as a rolled-back
    insert leaves."""
    short = {model: count - len(batch.ids.get(model, [])) for model, count in counts.items()}
    short = {model: missing for model, missing in short.items() if missing > 0}
    if short:
        wanted = {model: _block(batch, per) for model, per in _ROWS_PER_LEAD.items() if model not in batch.ids}
        for model, missing in short.items():
            wanted[model] = max(missing, _block(batch, _ROWS_PER_LEAD.get(model, 1)))
        for model, ids in next_ids_of(wanted).items():
            batch.ids.setdefault(model, []).extend(ids)
    taken = {}
    for model, count in counts.items():
        free = batch.ids.setdefault(model, [])
        taken[model], batch.ids[model] = free[:count], free[count:]
        batch.used[model] = batch.used.get(model, 0) + count
    return taken


def update(row: models.Model, fields: Iterable[str]) -> None:
    """Write `fields` of `row` (an UPDATE of that row); in a batch of many, as the batch ends, with
    the other rows of its table whose same fields changed, in one go (`forecourt.lib.rows.update_each`)."""
    fields = list(fields)
    batch = _current.get()
    if batch is None or not batch.many:
        type(row)._default_manager.filter(pk=row.pk).update(**{name: getattr(row, name) for name in fields})
        return
    batch.updates.setdefault((type(row), row.pk), (row, set()))[1].update(fields)


def end() -> None:
    """Run what `later` left, then write what `insert`, `make`, `update` and `at_end` left for this
    batch (`write_pending`); its owner calls this last in its transaction."""
    batch = _current.get()
    if batch is None:
        return
    run_later()
    write_pending()
    while batch.at_end:
        batch.at_end.pop(next(iter(batch.at_end)))()
    _ROWS_PER_LEAD.update({model: used / batch.block for model, used in batch.used.items()})


def write_pending() -> None:
    """Write the rows `insert` and `make` left for the batch so far, in the order their foreign keys
    need (an email before the notification pointing at it), each table in one INSERT (on PostgreSQL
    a COPY, or for a few rows of each table one INSERT each, all sent at once:
    `forecourt.lib.rows.insert_all_of`), then the changes `update` left: before reading back from
    the database a row the batch may have made or changed (a customer it matched)."""
    batch = _current.get()
    if batch is None:
        return
    pending = batch.inserts
    needs = {
        model: {
            related
            for column in model._meta.concrete_fields
            if (related := column.related_model) in pending and related is not model
        }
        for model in pending
    }
    keyless = {model: [row for row in rows if row.pk is None] for model, rows in pending.items()}
    wanted = {model: len(rows) for model, rows in keyless.items() if rows and takes_ids_ahead(model)}
    for model, ids in _take_ids(batch, wanted).items():  # from the batch's blocks, or all in one statement
        for row, pk in zip(keyless[model], ids, strict=True):
            row.pk = pk
    insert_all_of([(model, pending.pop(model)) for model in TopologicalSorter(needs).static_order()])
    updates: dict[tuple[type[models.Model], frozenset[str]], list[models.Model]] = {}
    for (model, _), (row, fields) in batch.updates.items():
        updates.setdefault((model, frozenset(fields)), []).append(row)
    batch.updates.clear()
    for (model, names), rows in updates.items():
        update_each(model, sorted(names), rows)


def made_here(row: models.Model) -> bool:
    """True when this batch of many made `row` (`make`): nobody else can see it before the commit."""
    batch = _current.get()
    return batch is not None and (type(row), row.pk) in batch.made

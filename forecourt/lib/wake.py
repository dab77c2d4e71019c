"""Waking the worker the moment work is committed, instead of on its next poll.

The sending side is one call, `enqueue_on_commit(task, pk)`, made by every action that queues a
row for the worker (an email, a staff text, a customer message, a handover): it rings the worker's
bell in the transaction that stores the row, and enqueues the task once that transaction commits.
The bell rings at commit and never on rollback, so the worker never looks for a row that is not
there, and looks the moment one is:

- PostgreSQL: `pg_notify('forecourt_work')` inside the transaction; PostgreSQL delivers it to
  every listener when the transaction commits, and drops it on rollback (also a rolled-back
  savepoint's). The worker LISTENs on a connection of its own and waits on it.
- SQLite has no notifications: after commit a byte is appended to a file next to the database
  (`<database>-wake`); the worker looks at the file's size every 50 ms. A stat of one file costs
  nothing next to querying every queue 20 times a second, and only work rings it (a page view
  that writes a session does not). Appending, unlike touching, is never lost within the clock's
  resolution.

Either way the worker still makes a pass at its interval (timers fall due with no commit), and
it still works if the bell cannot ring (a read-only folder, the database away): on its interval.
"""

from __future__ import annotations

import contextlib
import logging
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

from django.db import connections, transaction

from forecourt.lib.batch import at_end, in_batch

log = logging.getLogger(__name__)

CHANNEL = "forecourt_work"
FILE_POLL_SECONDS = 0.05
# The longest a worker waits before it looks whether it was told to stop.
STOP_CHECK_SECONDS = 0.25
# Past this size the worker empties the SQLite bell file (one byte per ring).
FILE_LIMIT_BYTES = 64 * 1024


# The sending side --------------------------------------------------------------------------------


def wake_worker(using: str = "default") -> None:
    """Wake the worker when the current transaction commits (at once outside one); never on rollback."""
    connection = connections[using]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # A SELECT rather than NOTIFY, so it can be a prepared statement like any other.
            cursor.execute("SELECT pg_notify(%s, '')", [CHANNEL])
        return
    path = bell_file(using)
    if path is not None:
        transaction.on_commit(lambda: _ring_file(path), using=using)


def enqueue_on_commit(task: Any, *args: Any) -> None:
    """Run `task(*args)` in the worker once the current transaction commits, and wake the worker.

    The task is the fast path; each kind of row also has a sweep, which sends a row whose task
    was lost (or ran before the row was visible), so a woken worker finds the row either way.
    Within a batch of intake (`forecourt.lib.batch`) no task is queued and the bell rings
    once, as the batch ends, for all its rows: the woken worker's sweeps send them all, texts first
    (`forecourt.worker`).
    """
    if in_batch():
        at_end(("wake_worker",), wake_worker)
        return
    wake_worker()
    transaction.on_commit(lambda: task.enqueue(*args))


def bell_file(using: str = "default") -> Path | None:
    """The SQLite database's bell file, or None for a database in memory (or not SQLite)."""
    connection = connections[using]
    name = str(connection.settings_dict.get("NAME") or "")
    if connection.vendor != "sqlite" or not name or name == ":memory:" or "mode=memory" in name:
        return None
    return Path(f"{name}-wake")


def _ring_file(path: Path) -> None:
    try:
        with open(path, "ab") as bell:
            bell.write(b"\n")
    except OSError as exc:  # the worker still looks at its interval
        log.debug("cannot ring the worker's bell %s: %s", path, exc)


# The worker's side -------------------------------------------------------------------------------


class Bell(Protocol):
    """What the worker waits on between passes."""

    def mark(self) -> None:
        """Called just before a pass: whatever rang until now, that pass will see."""

    def wait(self, seconds: float, running: Callable[[], bool]) -> bool:
        """Wait up to `seconds` for a ring; True if it rang. Returns soon after `running()` turns False."""

    def close(self) -> None: ...


class NoBell:
    """No way to be woken: wait the whole interval (still stopping promptly)."""

    def mark(self) -> None:
        pass

    def wait(self, seconds: float, running: Callable[[], bool]) -> bool:
        deadline = time.monotonic() + seconds
        while running() and (left := deadline - time.monotonic()) > 0:
            time.sleep(min(left, STOP_CHECK_SECONDS))
        return False

    def close(self) -> None:
        pass


class FileBell:
    """SQLite: rung by a byte appended to the bell file; the worker compares its size."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.seen = -1

    def _size(self) -> int:
        try:
            return os.stat(self.path).st_size
        except OSError:
            return 0

    def mark(self) -> None:
        size = self._size()
        if size > FILE_LIMIT_BYTES:
            # A ring appended between the stat and the truncation was committed before this
            # pass starts, so the pass sees its row: nothing is lost by emptying the file.
            with contextlib.suppress(OSError), open(self.path, "r+b") as bell:
                bell.truncate(0)
            size = self._size()
        self.seen = size

    def wait(self, seconds: float, running: Callable[[], bool]) -> bool:
        deadline = time.monotonic() + seconds
        while running() and (left := deadline - time.monotonic()) > 0:
            if self._size() != self.seen:
                return True
            time.sleep(min(left, FILE_POLL_SECONDS))
        return False

    def close(self) -> None:
        pass


class PostgresBell:
    """PostgreSQL: LISTEN on a connection of the worker's own (autocommit, never in a transaction,
    untouched by Django closing its connections between passes). Lost with the database, it is
    made again on the next pass; until then the worker waits its interval."""

    def __init__(self, params: dict[str, Any]) -> None:
        self.params = params  # psycopg.connect's, as Django's connections make them
        self.connection: Any = None
        self.told = False  # the failure to listen is logged once, not on every pass

    def _listening(self) -> Any:
        if self.connection is not None and not self.connection.closed:
            return self.connection
        import psycopg

        try:
            connection = psycopg.connect(**self.params, autocommit=True)
            connection.execute(f"LISTEN {CHANNEL}")
        except psycopg.Error as exc:
            if not self.told:
                log.warning("the worker cannot listen for work (%s); it looks at its interval", exc)
                self.told = True
            self.connection = None
            return None
        self.connection, self.told = connection, False
        return connection

    def mark(self) -> None:
        connection = self._listening()
        if connection is None:
            return
        # Rings from before this pass are covered by it: drop them rather than pass again.
        try:
            for _ in connection.notifies(timeout=0):
                pass
        except Exception as exc:  # a lost connection: made again on the next pass
            self._lost(exc)

    def wait(self, seconds: float, running: Callable[[], bool]) -> bool:
        deadline = time.monotonic() + seconds
        while running() and (left := deadline - time.monotonic()) > 0:
            connection = self._listening()
            if connection is None:
                return NoBell().wait(left, running)
            try:
                for _ in connection.notifies(timeout=min(left, STOP_CHECK_SECONDS), stop_after=1):
                    return True
            except Exception as exc:
                self._lost(exc)
        return False

    def _lost(self, exc: Exception) -> None:
        log.warning("the worker stopped listening for work (%s); listening again on the next pass", exc)
        self.close()

    def close(self) -> None:
        if self.connection is not None:
            with contextlib.suppress(Exception):
                self.connection.close()
        self.connection = None


def bell_for_worker(using: str = "default") -> Bell:
    """The bell this database can ring."""
    connection = connections[using]
    if connection.vendor == "postgresql":
        return PostgresBell(connection.get_connection_params())
    path = bell_file(using)
    return FileBell(path) if path is not None else NoBell()

"""The one outbox: every email, staff text and customer message leaves through `Outbox.deliver`.

A row to send (OutboundEmail, OutboundText, conversations.Message) is saved first, in the
transaction that decided to send it. Delivering it then takes three steps, the same for all:

1. Claim the row with a lease (`forecourt.lib.jobs`); a worker that loses the race does nothing.
2. Call the provider (SMTP server, Twilio, Messenger) outside any transaction.
3. Record the outcome: sent; pending again after a back-off; or failed for good, with the reason.

Anything other than a `DeliveryError` (a header that cannot be built, a bug) would fail the same
way on every attempt: the row is failed at once with the reason and the worker goes on with the
next one, so one poisoned row never stops the others.

Rows whose sending touches no database (staff texts) can be handed to the provider many at once,
in threads that only make the calls (`Outbox.sweep`). The running worker does not wait for their
answers within its pass (`answers_later`): each pass records the answers that came in since the
last, so a provider that takes a few hundred milliseconds to answer never holds up the next
lead's text; an idle worker is woken by an answer that comes in (`answered`), and waits for what
is in flight before it stops (`answers_later`).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import wait as wait_for
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Literal

from django.db import models
from django.utils import timezone

from forecourt.lib import jobs
from forecourt.lib.rows import update_each

log = logging.getLogger(__name__)

Outcome = Literal["sent", "failed", "skipped"]


@dataclass
class _Calls:
    """This process's provider calls in flight, by kind of row, and whether a sweep waits for them."""

    wait: bool = True
    pools: dict[int, ThreadPoolExecutor] = field(default_factory=dict)
    in_flight: dict[str, list[tuple[Any, Future[Attempt]]]] = field(default_factory=dict)
    told: set[Future[Attempt]] = field(default_factory=set)  # answers `answered()` has reported
    # Two sweeps of one process at once (tests do it) make one pool and record each answer once.
    lock: threading.Lock = field(default_factory=threading.Lock)

    def pool(self, threads: int) -> ThreadPoolExecutor:
        """The pool of `threads` threads, every one of them started when the pool is made: a thread
        started as a burst's first calls arrive makes the sweep wait until the busy machine runs it."""
        with self.lock:
            if threads not in self.pools:
                self.pools[threads] = self._started(threads)
            return self.pools[threads]

    @staticmethod
    def _started(threads: int) -> ThreadPoolExecutor:
        pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="outbox")
        started = threading.Barrier(threads, timeout=30)
        for _ in range(threads):  # none is idle until all have met: each submit starts one
            pool.submit(started.wait)
        return pool


_calls = _Calls()


@contextmanager
def answers_later(*, threads: int) -> Iterator[None]:
    """Within this block (the running worker), a sweep leaves the provider calls it started
    running and returns; the next sweep of the same kind records their answers. As the block
    ends, what is still in flight is waited for and recorded. The pool of `threads` that sweeps
    use (`Outbox.sweep`'s `at_once`, when above one) is started as the block begins."""
    if threads > 1:
        _calls.pool(threads)
    _calls.wait = False
    try:
        yield
    finally:
        _calls.wait = True
        for outbox in list(_OUTBOXES.values()):
            outbox.record_answers(wait=True)


def answered() -> bool:
    """Whether a provider call in flight has answered since the last time this said so: an idle
    worker then passes again at once rather than leave the text pending until its next poll. An
    answer is reported once, so one that cannot be recorded is tried again on the worker's usual
    passes, not in a loop."""
    with _calls.lock:
        new = {future for flight in _calls.in_flight.values() for _, future in flight if future.done()} - _calls.told
        _calls.told |= new
        return bool(new)


_OUTBOXES: dict[str, Outbox] = {}


class DeliveryError(Exception):
    """Sending failed. `permanent` says a retry cannot help (a refused address, missing settings)."""

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


@dataclass(frozen=True)
class Attempt:
    """What calling the provider for one row came to: the fields to record, or why it failed."""

    recorded: dict[str, Any]
    error: str | None = None
    give_up: bool = False


@dataclass(frozen=True)
class Outbox:
    """One kind of row to send: which rows wait, how one is sent, and the statuses it moves through.

    `send(row)` calls the provider and returns the fields to record on success (the provider's
    id, …); `status` and `sent_at` are recorded by the outbox itself. `send_uses_database` says
    whether `send` reads or writes rows itself; one that does not can be handed many rows at once
    (`sweep`).
    """

    model: type[jobs.LeasedJob]
    waiting: str
    sent: str
    failed: str
    send: Callable[[Any], dict[str, Any]]
    max_attempts: int = 8
    send_uses_database: bool = True

    def pending(self) -> models.QuerySet[Any]:
        waiting: models.QuerySet[Any] = self.model._default_manager.all()
        return waiting.filter(status=self.waiting)

    def deliver(self, pk: int, *, send: Callable[[Any], dict[str, Any]] | None = None) -> Outcome:
        """Send row `pk` at most once (steps 1 to 3 above); `send` replaces the usual sender for this call."""
        if not jobs.claim(self.pending(), pk):
            return "skipped"
        row: Any = self.model._default_manager.get(pk=pk)
        return self.record(row, self.attempt(row, send or self.send))

    def attempt(self, row: Any, send: Callable[[Any], dict[str, Any]]) -> Attempt:
        """Step 2 for a row this worker holds: call the provider, touching no row itself."""
        try:
            return Attempt(recorded=send(row))
        except DeliveryError as exc:
            log.warning("%s %s failed (attempt %s): %s", self.model.__name__, row.pk, row.attempts, exc)
            return Attempt({}, str(exc), give_up=exc.permanent or row.attempts >= self.max_attempts)
        except Exception as exc:
            log.exception("%s %s cannot be sent", self.model.__name__, row.pk)
            return Attempt({}, f"{type(exc).__name__}: {exc}", give_up=True)

    def record(self, row: Any, attempt: Attempt) -> Outcome:
        """Step 3: sent, or pending again after a back-off, or failed for good."""
        if attempt.error is not None:
            self.record_failure(row, attempt.error, give_up=attempt.give_up)
            return "failed"
        self.record_sent([(row, attempt)])
        return "sent"

    def record_sent(self, answers: Sequence[tuple[Any, Attempt]]) -> None:
        """Step 3 for rows whose calls succeeded, together: one UPDATE a row, all sent in one go,
        each only while its row is still pending."""
        now = timezone.now()
        alike: dict[tuple[str, ...], list[Any]] = {}
        for row, attempt in answers:
            row.status, row.sent_at = self.sent, now
            for name, value in attempt.recorded.items():
                setattr(row, name, value)
            alike.setdefault(tuple(attempt.recorded), []).append(row)
        for recorded, rows in alike.items():
            update_each(self.model, ["status", "sent_at", *recorded], rows, only_while={"status": self.waiting})

    def record_failure(self, row: Any, reason: str, *, give_up: bool) -> None:
        """Failed for good (`give_up`), or waiting again after a back-off; the reason is kept on the row."""
        self.pending().filter(pk=row.pk).update(
            status=self.failed if give_up else self.waiting,
            due_at=timezone.now() + jobs.retry_delay(row.attempts),
            claimed_until=None,
            last_error=reason[:2000],
        )

    def due(self) -> list[int]:
        return jobs.due_ids(self.pending())

    def claim(self, pks: Sequence[int]) -> list[Any]:
        """Step 1 for many rows at once (`jobs.claim_many`): the rows of `pks` this worker won, in
        `pks`' order, each then sent with `attempt` and `record`. Claim only as many as are sent
        well within a lease (`JOB_LEASE_SECONDS`): another worker may take a row whose lease ran out."""
        if not pks:
            return []
        won = jobs.claim_many(self.pending(), pks)
        held = self.model._default_manager.in_bulk(won)
        return [held[pk] for pk in won if pk in held]

    def sweep(self, *, at_once: int = 1) -> int:
        """Send every due row nobody holds: new ones, retries, expired leases.

        Up to `at_once` of them go to the provider at the same time when `send` uses no database:
        a provider across the internet answers each call in a few hundred milliseconds, so a
        burst's texts would otherwise wait in line for each other (a hundred of them, half a
        minute). This thread claims them, threads make only the calls, and this thread records
        what each came to: at once, or in the next sweep (`answers_later`).
        """
        recorded = self.record_answers(wait=False)
        due = self.due()
        if at_once <= 1 or self.send_uses_database:
            return recorded + sum(self.deliver(pk) == "sent" for pk in due)
        rows = self.claim(due)
        _OUTBOXES[self.model._meta.label] = self
        pool = _calls.pool(at_once)
        flight = _calls.in_flight.setdefault(self.model._meta.label, [])
        flight.extend((row, pool.submit(self.attempt, row, self.send)) for row in rows)
        if not _calls.wait:
            return recorded + len(rows)  # work started: the worker passes again at once
        return recorded + self.record_answers(wait=True)

    def record_answers(self, *, wait: bool) -> int:
        """Record the calls of this kind that have answered (all of them, waiting, with `wait`);
        how many were sent. A call leaves the list only once its answer is recorded, so an answer
        that cannot be recorded now (the database away) is recorded by a later sweep."""
        flight = _calls.in_flight.get(self.model._meta.label) or []
        if wait:
            wait_for([future for _, future in flight])
        with _calls.lock:
            done = [call for call in flight if call[1].done()]
            answers = [(row, future.result()) for row, future in done]
            self.record_sent([(row, attempt) for row, attempt in answers if attempt.error is None])
            for row, attempt in answers:
                if attempt.error is not None:
                    self.record_failure(row, attempt.error, give_up=attempt.give_up)
            for call in done:
                flight.remove(call)
                _calls.told.discard(call[1])
        return sum(attempt.error is None for _, attempt in answers)

"""The one outbox: every email, staff text and customer message leaves through `Outbox.deliver`.

A row to send (OutboundEmail, OutboundText, conversations.Message) is saved first, in the
transaction that decided to send it. Delivering it then takes three steps, the same for all:

1. Claim the row with a lease (`forecourt.lib.jobs`); a worker that loses the race does nothing.
2. Call the provider (SMTP server, Twilio, Messenger) outside any transaction.
3. Record the outcome: sent; pending again after a back-off; or failed for good, with the reason.

Anything other than a `DeliveryError` (a header that cannot be built, a bug) would fail the same
way on every attempt: the row is failed at once with the reason and the worker goes on with the
next one, so one poisoned row never stops the others.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Literal

from django.db import connection, models
from django.utils import timezone

from forecourt.lib import jobs

log = logging.getLogger(__name__)

Outcome = Literal["sent", "failed", "skipped"]


class DeliveryError(Exception):
    """Sending failed. `permanent` says a retry cannot help (a refused address, missing settings)."""

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


@dataclass(frozen=True)
class Outbox:
    """One kind of row to send: which rows wait, how one is sent, and the statuses it moves through.

    `send(row)` calls the provider and returns the fields to record on success (the provider's
    id, …); `status` and `sent_at` are recorded by the outbox itself.
    """

    model: type[jobs.LeasedJob]
    waiting: str
    sent: str
    failed: str
    send: Callable[[Any], dict[str, Any]]
    max_attempts: int = 8

    def pending(self) -> models.QuerySet[Any]:
        waiting: models.QuerySet[Any] = self.model._default_manager.all()
        return waiting.filter(status=self.waiting)

    def deliver(self, pk: int, *, send: Callable[[Any], dict[str, Any]] | None = None) -> Outcome:
        """Send row `pk` at most once (steps 1 to 3 above); `send` replaces the usual sender for this call."""
        if not jobs.claim(self.pending(), pk):
            return "skipped"
        row: Any = self.model._default_manager.get(pk=pk)
        try:
            recorded = (send or self.send)(row)
        except DeliveryError as exc:
            log.warning("%s %s failed (attempt %s): %s", self.model.__name__, pk, row.attempts, exc)
            self.record_failure(row, str(exc), give_up=exc.permanent or row.attempts >= self.max_attempts)
            return "failed"
        except Exception as exc:
            log.exception("%s %s cannot be sent", self.model.__name__, pk)
            self.record_failure(row, f"{type(exc).__name__}: {exc}", give_up=True)
            return "failed"
        self.pending().filter(pk=pk).update(status=self.sent, sent_at=timezone.now(), **recorded)
        return "sent"

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

    def sweep(self, *, at_once: int = 1) -> int:
        """Send every due row nobody holds: new ones, retries, expired leases; up to `at_once`
        of them at the same time (see `sends_at_once`)."""
        due = self.due()
        threads = sends_at_once(at_once, len(due))
        if threads <= 1:
            return sum(self.deliver(pk) == "sent" for pk in due)
        waiting = iter(due)
        taking = threading.Lock()

        def send_some() -> int:
            # Each thread has a database connection of its own: closed when its share is sent.
            sent = 0
            try:
                while True:
                    with taking:
                        pk = next(waiting, None)
                    if pk is None:
                        return sent
                    sent += self.deliver(pk) == "sent"
            finally:
                connection.close()

        with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="outbox") as pool:
            return sum(pool.map(lambda _: send_some(), range(threads)))


def sends_at_once(wanted: int, due: int) -> int:
    """How many threads send `due` rows when `wanted` may go at once: a provider answers each call
    in a few hundred milliseconds, so a burst's texts would otherwise wait in line for each other
    (a hundred of them, half a minute). One unless several rows are due, and one on SQLite (which
    takes one writer at a time) or inside a transaction (whose rows other connections cannot see:
    a test's)."""
    if wanted <= 1 or due <= 1 or connection.vendor != "postgresql" or connection.in_atomic_block:
        return 1
    return min(wanted, due)

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
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Literal

from django.db import models
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
        self.pending().filter(pk=row.pk).update(status=self.sent, sent_at=timezone.now(), **attempt.recorded)
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
        """Send every due row nobody holds: new ones, retries, expired leases.

        Up to `at_once` of them go to the provider at the same time when `send` uses no database:
        a provider across the internet answers each call in a few hundred milliseconds, so a
        burst's texts would otherwise wait in line for each other (a hundred of them, half a
        minute). This thread claims them all, threads make only the calls, this thread records
        what each came to.
        """
        due = self.due()
        if at_once <= 1 or len(due) <= 1 or self.send_uses_database:
            return sum(self.deliver(pk) == "sent" for pk in due)
        won = jobs.claim_many(self.pending(), due)
        held = self.model._default_manager.in_bulk(won)
        rows = [held[pk] for pk in won if pk in held]
        with ThreadPoolExecutor(max_workers=min(at_once, len(rows) or 1), thread_name_prefix="outbox") as pool:
            attempts = list(pool.map(lambda row: self.attempt(row, self.send), rows))
        return sum(self.record(row, attempt) == "sent" for row, attempt in zip(rows, attempts, strict=True))

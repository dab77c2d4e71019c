"""The worker's loop: run queued tasks, then sweep for due work, until told to stop.

Nothing but a stop signal ends the loop. A row that cannot be handled is failed (or retried) by
its own sweep; a sweep that fails anyway is logged and the others still run; while the database
is away (restarting, failing over) the worker waits with growing pauses and carries on once it is
back, so one bad row or a database restart never stops the work of every dealership.
"""

from __future__ import annotations

import logging
import signal
import time
from collections.abc import Callable
from types import FrameType

from django.conf import settings
from django.db import close_old_connections
from django.utils.crypto import get_random_string
from django_tasks_db.management.commands.db_worker import Worker as TaskRunner

from forecourt.lib import outbox
from forecourt.lib.database import DATABASE_AWAY, drop_connections
from forecourt.lib.wake import Bell, bell_for_worker

log = logging.getLogger("forecourt.worker")
RECONNECT_FIRST_PAUSE = 0.5
RECONNECT_LONGEST_PAUSE = 15.0


def sweeps() -> list[Callable[[], int]]:
    """Every periodic job, in order. Each does what is due now and returns how much it did."""
    from appointments.tasks import sweep_reminders
    from calls.tasks import sweep_calls
    from conversations.tasks import sweep_messages
    from conversations.webhook_calls import sweep_webhook_calls
    from distribution.handover import sweep_handovers
    from escalations.firing import sweep_timers
    from intake.tasks import poll_mailboxes, sweep_inbound_batch
    from inventory.tasks import sweep_inventory
    from notifications.tasks import sweep_emails, sweep_pushes, sweep_texts
    from reports.weekly import sweep_weekly_summaries

    # Texts and push alerts, which reach a salesperson's phone in seconds, first: what smtpd
    # queued since the last pass goes before anything else is looked at. Timers before emails and
    # texts, so what a timer makes goes out in the same pass (texts and push alerts again).
    # Inbound texts before what they make (alerts to staff) goes out. One batch of stored
    # deliveries per pass, so a burst's first leads reach their salespeople while the rest are
    # taken in (a pass that did work is followed at once by the next); texts and push alerts
    # before emails, and between them while many emails go (`sweep_emails`).
    return [
        sweep_texts,
        sweep_pushes,
        poll_mailboxes,
        sweep_inbound_batch,
        sweep_webhook_calls,
        sweep_timers,
        sweep_reminders,
        sweep_weekly_summaries,
        sweep_messages,
        sweep_calls,
        sweep_texts,
        sweep_pushes,
        sweep_emails,
        sweep_handovers,
        sweep_inventory,
    ]


class Worker:
    """Runs queued tasks and the sweeps; stops cleanly between jobs on SIGTERM or SIGINT."""

    def __init__(self, *, interval: float = 1.0) -> None:
        self.interval = interval
        self.running = True
        self.worker_id = get_random_string(12)

    def stop(self, signum: int, frame: FrameType | None) -> None:
        log.info("worker %s: %s received, stopping after the current job", self.worker_id, signal.strsignal(signum))
        self.running = False

    def run_queued_tasks(self) -> None:
        """1. Run every task waiting in the queue (django-tasks-db), then return."""
        runner = TaskRunner(
            queue_names=["*"],
            interval=0,
            batch=True,
            backend_name="default",
            startup_delay=False,
            max_tasks=None,
            worker_id=self.worker_id,
            excluded_queue_names=[],
        )
        runner.run()

    def run_sweeps(self) -> int:
        """2. Do every job that is due and held by nobody: lost tasks, retries, expired leases, timers.

        A sweep that fails is logged and the next one still runs (each sweep fails its own bad
        rows; this is for what it could not). A lost database stops the pass: see `run_forever`.
        """
        done = 0
        for sweep in sweeps():
            try:
                done += sweep()
            except DATABASE_AWAY:
                raise
            except Exception:
                log.exception("worker %s: %s failed; the other sweeps go on", self.worker_id, sweep.__name__)
        return done

    def run_once(self) -> int:
        close_old_connections()
        self.run_queued_tasks()
        done = self.run_sweeps()
        close_old_connections()
        return done

    def run_forever(self) -> None:
        signal.signal(signal.SIGTERM, self.stop)
        signal.signal(signal.SIGINT, self.stop)
        # Rung when work is committed (forecourt.lib.wake): an idle worker starts at once.
        bell = bell_for_worker()
        try:
            # Texts are handed to the provider side by side, and their answers recorded in the
            # next pass rather than waited for in this one (forecourt.lib.outbox).
            with outbox.answers_later(threads=settings.SENDS_AT_ONCE):
                self._loop(bell)
        except DATABASE_AWAY:  # as it stopped: the texts in flight stay claimed, retried once their lease ends
            log.warning("worker %s: the answers of texts in flight could not be recorded", self.worker_id)
        finally:
            bell.close()

    def _loop(self, bell: Bell) -> None:
        log.info("worker %s started", self.worker_id)
        pause = 0.0  # > 0 while the database is away: the next wait, doubled each time up to a limit
        while self.running:
            try:
                bell.mark()
                done = self.run_once()
            except DATABASE_AWAY as exc:
                pause = min(max(pause * 2, RECONNECT_FIRST_PAUSE), RECONNECT_LONGEST_PAUSE)
                log.warning(
                    "worker %s: the database is unavailable (%s); trying again in %.1f s",
                    self.worker_id,
                    str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__,
                    pause,
                )
                drop_connections()
                self.wait(pause)
                continue
            except Exception:
                # Not a bad row (sweeps fail those) nor the database: a bug. Logged, and tried
                # again after the usual pause rather than ending the worker.
                log.exception("worker %s: a pass failed", self.worker_id)
                done = 0
            if pause:
                log.warning("worker %s: the database is back; carrying on", self.worker_id)
                pause = 0.0
            if not done:  # more may be due already: no pause after a pass that did work
                log.debug("worker %s: idle, waiting for work", self.worker_id)
                bell.wait(self.interval, lambda: self.running and not outbox.answered())
        log.info("worker %s stopped", self.worker_id)

    def wait(self, seconds: float) -> None:
        """Sleep, but wake at once when told to stop."""
        deadline = time.monotonic() + seconds
        while self.running and time.monotonic() < deadline:
            time.sleep(min(0.1, seconds))

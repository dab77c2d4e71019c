"""The worker's loop: run queued tasks, then sweep for due work, until told to stop."""

from __future__ import annotations

import logging
import signal
import time
from collections.abc import Callable
from types import FrameType

from django.db import close_old_connections
from django.utils.crypto import get_random_string
from django_tasks_db.management.commands.db_worker import Worker as TaskRunner

log = logging.getLogger("forecourt.worker")


def sweeps() -> list[Callable[[], int]]:
    """Every periodic job, in order. Each does what is due now and returns how much it did."""
    from conversations.tasks import sweep_messages
    from escalations.firing import sweep_timers
    from intake.tasks import poll_mailboxes, sweep_inbound
    from notifications.tasks import sweep_emails, sweep_texts

    # Timers before emails and texts, so what a timer makes goes out in the same pass.
    return [poll_mailboxes, sweep_inbound, sweep_timers, sweep_messages, sweep_emails, sweep_texts]


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
        """2. Do every job that is due and held by nobody: lost tasks, retries, expired leases, timers."""
        done = 0
        for sweep in sweeps():
            done += sweep()
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
        log.info("worker %s started", self.worker_id)
        while self.running:
            if self.run_once():
                continue  # more may be due already: no pause after a pass that did work
            deadline = time.monotonic() + self.interval
            while self.running and time.monotonic() < deadline:
                time.sleep(0.1)
        log.info("worker %s stopped", self.worker_id)

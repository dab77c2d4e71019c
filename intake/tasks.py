"""Background work of lead intake, run by `manage.py runworker` (see forecourt/worker.py)."""

from __future__ import annotations

import logging

from django.conf import settings

from forecourt.lib import jobs
from forecourt.lib.database import DATABASE_AWAY
from forecourt.lib.held import letting_go
from intake.actions import claim_batch, pending_inbound, process_batch

log = logging.getLogger(__name__)


def sweep_inbound(*, batches: int | None = None) -> int:
    """Process every stored delivery still waiting (or the first `batches` batches of them): its
    process died, a retry came due, or it was left to the worker (a burst, `Prefer: respond-async`).

    They are taken `INBOUND_BATCH_SIZE` at a time, each batch in one transaction (`process_batch`).
    Processing records its own failures on the row; should even that fail, the rows keep their
    lease (and are tried again when it runs out) and the batches after them are still processed.
    """
    done = 0
    limit = settings.INBOUND_BATCH_SIZE * batches if batches else 500
    due = jobs.due_ids(pending_inbound(), limit=limit)
    for start in range(0, len(due), settings.INBOUND_BATCH_SIZE):
        try:
            batch = claim_batch(due[start : start + settings.INBOUND_BATCH_SIZE])
            with letting_go():  # what the batch made is dropped here: freed at once, not in a pause
                done += len(process_batch(batch))
        except DATABASE_AWAY:
            raise  # no row's fault: the worker waits for the database
        except Exception:
            log.exception("inbound %s could not be processed; going on with the others", due[start:][:10])
    return done


def sweep_inbound_batch() -> int:
    """The worker's pass: one batch, so what it made is sent before the next batch is taken."""
    return sweep_inbound(batches=1)


def poll_mailboxes() -> int:
    """Fetch new mail from every dealership mailbox that is due to be polled."""
    from intake.mailbox import poll_due_mailboxes

    return poll_due_mailboxes()

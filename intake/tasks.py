"""Background work of lead intake, run by `manage.py runworker` (see forecourt/worker.py)."""

from __future__ import annotations

import logging

from forecourt.lib import jobs
from forecourt.lib.database import DATABASE_AWAY
from intake.actions import pending_inbound, process_inbound

log = logging.getLogger(__name__)


def sweep_inbound() -> int:
    """Process every stored delivery still waiting: its process died, or a retry came due.

    Processing records its own failures on the row; should even that fail, the row keeps its
    lease (and is tried again when it runs out) and the deliveries after it are still processed.
    """
    done = 0
    for pk in jobs.due_ids(pending_inbound()):
        try:
            done += process_inbound(pk) is not None
        except DATABASE_AWAY:
            raise  # no row's fault: the worker waits for the database
        except Exception:
            log.exception("inbound %s could not be processed; going on with the others", pk)
    return done


def poll_mailboxes() -> int:
    """Fetch new mail from every dealership mailbox that is due to be polled."""
    from intake.mailbox import poll_due_mailboxes

    return poll_due_mailboxes()

"""Background work of lead intake, run by `manage.py runworker` (see forecourt/worker.py)."""

from __future__ import annotations

from forecourt.lib import jobs
from intake.actions import pending_inbound, process_inbound


def sweep_inbound() -> int:
    """Process every stored delivery still waiting: its process died, or a retry came due."""
    return sum(process_inbound(pk) is not None for pk in jobs.due_ids(pending_inbound()))


def poll_mailboxes() -> int:
    """Fetch new mail from every dealership mailbox that is due to be polled."""
    from intake.mailbox import poll_due_mailboxes

    return poll_due_mailboxes()

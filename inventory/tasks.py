"""Background work of the inventory, run by `manage.py runworker` (see forecourt/worker.py)."""

from __future__ import annotations

import logging

from django.tasks import task

from forecourt.lib import jobs
from forecourt.lib.database import DATABASE_AWAY
from inventory import actions
from inventory.feeds import poll_due_feeds

log = logging.getLogger(__name__)


@task()
def check_upload_task(upload_id: int) -> None:
    actions.check_upload(upload_id)


@task()
def apply_upload_task(upload_id: int) -> None:
    actions.apply_upload(upload_id)


def sweep_inventory() -> int:
    """1. Fetch every feed that is due (each fetched file is checked and applied at once).
    2. Check every stored file still waiting (its task was lost, or a retry came due).
    3. Apply every confirmed file still waiting."""
    done = poll_due_feeds()
    for step, pending in (
        (actions.check_upload, actions.pending_checks()),
        (actions.apply_upload, actions.pending_applies()),
    ):
        for pk in jobs.due_ids(pending):
            try:
                done += step(pk) is not None
            except DATABASE_AWAY:
                raise
            except Exception:
                log.exception("inventory file %s could not be processed; going on with the others", pk)
    return done

"""Background work of the notifications app, run by `manage.py runworker`."""

from __future__ import annotations

import logging

from django.db.models import QuerySet
from django.tasks import task
from django.utils import timezone

from forecourt.lib import jobs
from notifications.email import DeliveryError, send_stored_email
from notifications.models import OutboundEmail

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 8


def pending_emails() -> QuerySet[OutboundEmail]:
    return OutboundEmail.objects.filter(status=OutboundEmail.Status.PENDING)


@task()
def send_email(email_id: int) -> None:
    deliver_email(email_id)


def deliver_email(email_id: int) -> bool:
    """Send one stored email, at most once.

    1. Claim the row with a lease; a worker that loses the race does nothing.
    2. Call the SMTP server, outside any transaction.
    3. Record the outcome: sent, retry later with back-off, or failed for good.
    """
    if not jobs.claim(pending_emails(), email_id):
        return False
    email = OutboundEmail.objects.get(pk=email_id)
    try:
        send_stored_email(email)
    except DeliveryError as exc:
        give_up = exc.permanent or email.attempts >= MAX_ATTEMPTS
        log.warning("email %s to %s failed (attempt %s): %s", email.pk, email.to, email.attempts, exc)
        pending_emails().filter(pk=email.pk).update(
            status=OutboundEmail.Status.FAILED if give_up else OutboundEmail.Status.PENDING,
            due_at=timezone.now() + jobs.retry_delay(email.attempts),
            claimed_until=None,
            last_error=str(exc),
        )
        return False
    pending_emails().filter(pk=email.pk).update(status=OutboundEmail.Status.SENT, sent_at=timezone.now())
    return True


def sweep_emails() -> int:
    """Send every due email nobody holds: new ones whose task was lost, retries, expired leases."""
    return sum(deliver_email(pk) for pk in jobs.due_ids(pending_emails()))

"""Background work of the notifications app, run by `manage.py runworker`."""

from __future__ import annotations

import logging
import smtplib

from django.core.mail.backends.base import BaseEmailBackend
from django.db.models import QuerySet
from django.tasks import task
from django.utils import timezone

from forecourt.lib import jobs
from notifications.email import DeliveryError, send_stored_email, smtp_connection
from notifications.models import OutboundEmail, OutboundText
from notifications.sms import current_provider

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 8


def pending_emails() -> QuerySet[OutboundEmail]:
    return OutboundEmail.objects.filter(status=OutboundEmail.Status.PENDING)


def pending_texts() -> QuerySet[OutboundText]:
    return OutboundText.objects.filter(status=OutboundText.Status.PENDING)


@task()
def send_email(email_id: int) -> None:
    deliver_email(email_id)


@task()
def send_text(text_id: int) -> None:
    deliver_text(text_id)


def deliver_email(email_id: int, connection: BaseEmailBackend | None = None) -> bool:
    """Send one stored email, at most once; True if it was sent now."""
    return _deliver_email(email_id, connection) == "sent"


def _deliver_email(email_id: int, connection: BaseEmailBackend | None) -> str:
    """Send one stored email: "sent", "failed" (recorded, retried later) or "skipped".

    1. Claim the row with a lease; a worker that loses the race does nothing ("skipped").
    2. Call the SMTP server, outside any transaction.
    3. Record the outcome: sent, retry later with back-off, or failed for good. Anything other
       than a delivery error (a header that cannot be built, a bug) would fail the same way every
       time: the row is failed at once with the reason, and the caller goes on with the next one.
    """
    if not jobs.claim(pending_emails(), email_id):
        return "skipped"
    email = OutboundEmail.objects.get(pk=email_id)
    try:
        send_stored_email(email, connection)
    except DeliveryError as exc:
        log.warning("email %s to %s failed (attempt %s): %s", email.pk, email.to, email.attempts, exc)
        _record_failure(pending_emails(), email, str(exc), give_up=exc.permanent or email.attempts >= MAX_ATTEMPTS)
        return "failed"
    except Exception as exc:
        log.exception("email %s to %s cannot be sent", email.pk, email.to)
        _record_failure(pending_emails(), email, _reason(exc), give_up=True)
        return "failed"
    pending_emails().filter(pk=email.pk).update(status=OutboundEmail.Status.SENT, sent_at=timezone.now())
    return "sent"


def deliver_text(text_id: int) -> bool:
    """Send one stored staff text, like an email: claim, call the provider outside a transaction, record."""
    if not jobs.claim(pending_texts(), text_id):
        return False
    text = OutboundText.objects.get(pk=text_id)
    try:
        provider = current_provider()
        sid = provider.send(text)
    except DeliveryError as exc:
        log.warning("text %s to %s failed (attempt %s): %s", text.pk, text.to, text.attempts, exc)
        _record_failure(pending_texts(), text, str(exc), give_up=exc.permanent or text.attempts >= MAX_ATTEMPTS)
        return False
    except Exception as exc:  # not the provider refusing: it would fail the same way every time
        log.exception("text %s to %s cannot be sent", text.pk, text.to)
        _record_failure(pending_texts(), text, _reason(exc), give_up=True)
        return False
    pending_texts().filter(pk=text.pk).update(
        status=OutboundText.Status.SENT, sent_at=timezone.now(), provider=provider.name, provider_sid=sid[:64]
    )
    return True


def _reason(exc: Exception) -> str:
    return f"{type(exc).__name__}: {exc}"[:2000]


def _record_failure(
    pending: QuerySet[OutboundEmail] | QuerySet[OutboundText],
    row: OutboundEmail | OutboundText,
    reason: str,
    *,
    give_up: bool,
) -> None:
    """Failed for good (`give_up`), or pending again after a back-off; the reason is kept on the row."""
    pending.filter(pk=row.pk).update(
        status=row.Status.FAILED if give_up else row.Status.PENDING,
        due_at=timezone.now() + jobs.retry_delay(row.attempts),
        claimed_until=None,
        last_error=reason,
    )


def open_connection() -> BaseEmailBackend | None:
    """An SMTP connection opened once for many emails, or None if the server cannot be reached
    (then each email tries on its own, fails, and backs off)."""
    connection = smtp_connection()
    try:
        connection.open()
    except (smtplib.SMTPException, OSError) as exc:
        log.warning("cannot reach the SMTP server: %s", exc)
        return None
    return connection


def sweep_emails() -> int:
    """Send every due email nobody holds: new ones whose task was lost, retries, expired leases.

    One SMTP connection carries the whole sweep (a new connection per email costs more than the
    email); after a failure the next email gets a fresh connection.
    """
    due = jobs.due_ids(pending_emails())
    if not due:
        return 0
    sent = 0
    connection = open_connection()
    try:
        for pk in due:
            outcome = _deliver_email(pk, connection)
            sent += outcome == "sent"
            if outcome == "failed" and connection is not None:
                connection.close()  # it may be the connection that broke
                connection = open_connection()
    finally:
        if connection is not None:
            connection.close()
    return sent


def sweep_texts() -> int:
    """Send every due staff text nobody holds."""
    return sum(deliver_text(pk) for pk in jobs.due_ids(pending_texts()))

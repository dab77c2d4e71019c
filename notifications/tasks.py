"""Background work of the notifications app, run by `manage.py runworker`: staff emails, texts and
web push alerts leave through the one outbox (forecourt.lib.outbox)."""

from __future__ import annotations

import logging
import smtplib
import time
from functools import partial
from typing import Any

from django.conf import settings
from django.core.mail.backends.base import BaseEmailBackend
from django.db.models import F, QuerySet
from django.tasks import task
from django.utils import timezone

from forecourt.lib import jobs
from forecourt.lib.outbox import DeliveryError, Outbox
from notifications import push
from notifications.email import send_stored_email, smtp_connection
from notifications.models import OutboundEmail, OutboundPush, OutboundText, PushSubscription
from notifications.sms import Text, current_provider

log = logging.getLogger(__name__)


def _send_email(email: OutboundEmail, connection: BaseEmailBackend | None = None) -> dict[str, Any]:
    send_stored_email(email, connection)
    return {}


def _send_text(text: OutboundText) -> dict[str, Any]:
    provider = current_provider()
    sid = provider.send(Text(to=text.to, from_number=text.from_number, body=text.body, key=str(text.pk)))
    return {"provider": provider.name, "provider_sid": sid[:64]}


def _send_push(row: OutboundPush) -> dict[str, Any]:
    """Send one alert to its device; the device's record says how its last attempt went.

    A device removed since (by its user, or by a push service that forgot it) or whose user was
    deactivated gets nothing: the row fails with the reason.
    """
    device = (
        PushSubscription.objects.select_related("user").filter(pk=row.subscription_id).first()
        if row.subscription_id is not None
        else None
    )
    if device is None:
        raise DeliveryError("the device was removed before the alert went out", permanent=True)
    if not device.user.is_active:
        raise DeliveryError(f"{device.user} is deactivated", permanent=True)
    alert = push.Alert(title=row.title, body=row.body, url=row.url, tag=row.tag)
    target = push.Device(endpoint=device.endpoint, p256dh=device.p256dh, auth=device.auth)
    try:
        push.send(target, alert, topic=row.key, urgency=row.urgency)
    except push.PushGone:
        PushSubscription.objects.filter(pk=device.pk).delete()
        raise
    except DeliveryError:
        PushSubscription.objects.filter(pk=device.pk).update(failures=F("failures") + 1)
        raise
    PushSubscription.objects.filter(pk=device.pk).update(last_success_at=timezone.now(), failures=0)
    return {}


EMAILS = Outbox(
    model=OutboundEmail,
    waiting=OutboundEmail.Status.PENDING,
    sent=OutboundEmail.Status.SENT,
    failed=OutboundEmail.Status.FAILED,
    send=_send_email,
)
TEXTS = Outbox(
    model=OutboundText,
    waiting=OutboundText.Status.PENDING,
    sent=OutboundText.Status.SENT,
    failed=OutboundText.Status.FAILED,
    send=_send_text,
    send_uses_database=False,
)

PUSHES = Outbox(
    model=OutboundPush,
    waiting=OutboundPush.Status.PENDING,
    sent=OutboundPush.Status.SENT,
    failed=OutboundPush.Status.FAILED,
    send=_send_push,
)


def pending_emails() -> QuerySet[OutboundEmail]:
    return EMAILS.pending()


def pending_texts() -> QuerySet[OutboundText]:
    return TEXTS.pending()


@task()
def send_email(email_id: int) -> None:
    deliver_email(email_id)


@task()
def send_text(text_id: int) -> None:
    deliver_text(text_id)


@task()
def send_push(push_id: int) -> None:
    deliver_push(push_id)


def deliver_email(email_id: int, connection: BaseEmailBackend | None = None) -> bool:
    """Send one stored email, at most once; True if it was sent now."""
    return EMAILS.deliver(email_id, send=partial(_send_email, connection=connection)) == "sent"


def deliver_text(text_id: int) -> bool:
    """Send one stored staff text, at most once; True if it was sent now."""
    return TEXTS.deliver(text_id) == "sent"


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


TEXTS_BETWEEN_EMAILS_SECONDS = 0.1
EMAILS_CLAIMED_AT_ONCE = 20


def sweep_emails() -> int:
    """Send every due email nobody holds: new ones whose task was lost, retries, expired leases.

    They are claimed `EMAILS_CLAIMED_AT_ONCE` at a time (one transaction for twenty rather than
    one each: a burst of leads queues an alert email per lead), sent one after another, each
    recorded as it goes. One SMTP connection carries the whole sweep (a new connection per email
    costs more than the email); after a failure the next email gets a fresh connection. Every
    `TEXTS_BETWEEN_EMAILS_SECONDS` between two emails, the texts and push alerts queued meanwhile
    (a burst's next batch of leads, taken in while the last one's alerts go out by email) are
    sent first: they reach a salesperson's phone in seconds, and a hundred emails take a while.
    """
    due = EMAILS.due()
    if not due:
        return 0
    sent = 0
    connection = open_connection()
    look_again = time.monotonic() + TEXTS_BETWEEN_EMAILS_SECONDS
    try:
        for start in range(0, len(due), EMAILS_CLAIMED_AT_ONCE):
            for row in EMAILS.claim(due[start : start + EMAILS_CLAIMED_AT_ONCE]):
                if not jobs.lease_holds(row):  # claimed long ago: a mail server slow over the ones before
                    continue
                if time.monotonic() > look_again:
                    sent += sweep_texts() + sweep_pushes()
                    look_again = time.monotonic() + TEXTS_BETWEEN_EMAILS_SECONDS
                outcome = EMAILS.record(row, EMAILS.attempt(row, partial(_send_email, connection=connection)))
                sent += outcome == "sent"
                if outcome == "failed" and connection is not None:
                    connection.close()  # it may be the connection that broke
                    connection = open_connection()
    finally:
        if connection is not None:
            connection.close()
    return sent


def sweep_texts() -> int:
    """Send every due staff text nobody holds, `FORECOURT_SENDS_AT_ONCE` at a time."""
    return TEXTS.sweep(at_once=settings.SENDS_AT_ONCE)


def deliver_push(push_id: int) -> bool:
    """Send one stored push alert, at most once; True if it was sent now."""
    return PUSHES.deliver(push_id) == "sent"


def sweep_pushes() -> int:
    """Send every due push alert nobody holds."""
    return PUSHES.sweep()

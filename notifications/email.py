"""Sending one stored email through the configured SMTP server, with a timeout."""

from __future__ import annotations

import smtplib

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.backends.console import EmailBackend as ConsoleBackend
from django.core.mail.backends.smtp import EmailBackend as SmtpBackend

from forecourt.lib.env import smtp_options
from forecourt.lib.outbox import DeliveryError
from forecourt.lib.text import one_line
from notifications.models import OutboundEmail


def smtp_connection() -> BaseEmailBackend:
    """The connection SMTP_URL describes: smtp://user:pass@host:port, smtps://… or ?starttls=1.

    Without SMTP_URL, emails are written to the worker's console so a fresh install works.
    """
    if not settings.SMTP_URL:
        return ConsoleBackend(alias="forecourt")
    return SmtpBackend(alias="forecourt", **smtp_options(settings.SMTP_URL), timeout=settings.OUTBOUND_TIMEOUT_SECONDS)


def send_stored_email(email: OutboundEmail, connection: BaseEmailBackend | None = None) -> None:
    """Send one stored email, over `connection` if given (kept open by the caller) or a new one.

    Headers are put on one line here too, for rows stored before their values were cleaned."""
    message = EmailMultiAlternatives(
        subject=one_line(email.subject),
        body=email.body,
        from_email=one_line(email.from_email) or settings.DEFAULT_FROM_EMAIL,
        to=email.to,
        reply_to=[one_line(email.reply_to)] if email.reply_to else None,
        # Every email Forecourt sends staff is its own automatic mail: no auto-responder answers it.
        headers={"Message-ID": email.message_id, "Auto-Submitted": "auto-generated"},
        connection=connection or smtp_connection(),
    )
    if email.html:
        message.attach_alternative(email.html, "text/html")
    for attachment in email.attachments.all():
        message.attach(one_line(attachment.name), bytes(attachment.content), attachment.content_type)
    try:
        message.send()
    except smtplib.SMTPRecipientsRefused as exc:
        raise DeliveryError(f"recipient refused: {exc.recipients}", permanent=True) from exc
    except (smtplib.SMTPException, OSError) as exc:
        raise DeliveryError(f"{type(exc).__name__}: {exc}") from exc

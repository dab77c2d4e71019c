"""Sending one stored email through the configured SMTP server, with a timeout."""

from __future__ import annotations

import smtplib
from urllib.parse import parse_qs, unquote, urlparse

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.backends.console import EmailBackend as ConsoleBackend
from django.core.mail.backends.smtp import EmailBackend as SmtpBackend

from forecourt.lib.outbox import DeliveryError
from notifications.models import OutboundEmail


def smtp_connection() -> BaseEmailBackend:
    """The connection SMTP_URL describes: smtp://user:pass@host:port, smtps://… or ?starttls=1.

    Without SMTP_URL, emails are written to the worker's console so a fresh install works.
    """
    if not settings.SMTP_URL:
        return ConsoleBackend(alias="forecourt")
    url = urlparse(settings.SMTP_URL)
    options = parse_qs(url.query)
    return SmtpBackend(
        alias="forecourt",
        host=url.hostname or "127.0.0.1",
        port=url.port or (465 if url.scheme == "smtps" else 25),
        username=unquote(url.username or ""),
        password=unquote(url.password or ""),
        use_ssl=url.scheme == "smtps",
        use_tls=options.get("starttls", ["0"])[0] in ("1", "true"),
        timeout=settings.OUTBOUND_TIMEOUT_SECONDS,
    )


def send_stored_email(email: OutboundEmail, connection: BaseEmailBackend | None = None) -> None:
    """Send one stored email, over `connection` if given (kept open by the caller) or a new one."""
    message = EmailMultiAlternatives(
        subject=email.subject,
        body=email.body,
        from_email=email.from_email or settings.DEFAULT_FROM_EMAIL,
        to=email.to,
        reply_to=[email.reply_to] if email.reply_to else None,
        headers={"Message-ID": email.message_id},
        connection=connection or smtp_connection(),
    )
    if email.html:
        message.attach_alternative(email.html, "text/html")
    try:
        message.send()
    except smtplib.SMTPRecipientsRefused as exc:
        raise DeliveryError(f"recipient refused: {exc.recipients}", permanent=True) from exc
    except (smtplib.SMTPException, OSError) as exc:
        raise DeliveryError(f"{type(exc).__name__}: {exc}") from exc

"""Handing one email to the outbound SMTP server (SMTP_URL), with a timeout.

Without SMTP_URL, the mail is written to the worker's console so a fresh install works.
"""

from __future__ import annotations

import logging
import smtplib
from email.message import EmailMessage

from django.conf import settings

from forecourt.lib.env import smtp_options
from forecourt.lib.outbox import DeliveryError

log = logging.getLogger(__name__)


def submit(message: EmailMessage, *, sender: str, recipients: list[str]) -> None:
    """Send `message` to `recipients` (the envelope: Bcc included) with `sender` as the return path.
    DeliveryError, permanent when the server refused every recipient for good."""
    if not settings.SMTP_URL:
        log.info("email (no SMTP_URL, not sent) to %s:\n%s", recipients, message.as_string())
        return
    options = smtp_options(settings.SMTP_URL)
    timeout = settings.OUTBOUND_TIMEOUT_SECONDS
    try:
        client_class = smtplib.SMTP_SSL if options["use_ssl"] else smtplib.SMTP
        with client_class(options["host"], options["port"], timeout=timeout) as client:
            if options["use_tls"]:
                client.starttls()
            if options["username"]:
                client.login(options["username"], options["password"])
            client.send_message(message, from_addr=sender, to_addrs=recipients)
    except smtplib.SMTPRecipientsRefused as exc:
        permanent = all(code >= 500 for code, _ in exc.recipients.values())
        raise DeliveryError(f"recipient refused: {exc.recipients}", permanent=permanent) from exc
    except (smtplib.SMTPException, OSError) as exc:
        raise DeliveryError(f"{type(exc).__name__}: {exc}") from exc

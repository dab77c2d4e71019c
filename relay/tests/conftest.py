"""The email relay's tests: a real SMTP server receiving what Forecourt sends (SmtpSink), the real
`manage.py smtpd` receiving what customers and salespeople send, and mail as mail programs write it."""

from __future__ import annotations

import smtplib
from collections.abc import Iterator
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import make_msgid
from typing import Any

import pytest

from conftest import make_lead
from forecourt.testing import SmtpSink, running_smtpd, wait_until
from intake.models import InboundEmail
from leads.models import Lead
from relay.addresses import relay_address_of


@pytest.fixture
def sink(settings: Any) -> Iterator[SmtpSink]:
    server = SmtpSink().start()
    settings.SMTP_URL = server.url
    yield server
    server.stop()


@pytest.fixture
def lead(riverside, carol) -> Lead:
    riverside.email_from_name = "Riverside Toyota Sales"
    riverside.save()
    return make_lead(riverside, assigned_to=carol)


@pytest.fixture
def relay(lead) -> str:
    return relay_address_of(lead).address


@pytest.fixture
def smtpd(riverside) -> Iterator[int]:
    with running_smtpd() as port:
        yield port


def customer_mail(
    to: str,
    *,
    sender: str = "Jordan Sample <jordan@example.com>",
    subject: str = "Re: Your enquiry at Riverside Toyota",
    text: str = "Yes, Saturday at 10 works for me.",
    headers: dict[str, str] | None = None,
    attachments: list[tuple[str, str, bytes]] = (),  # type: ignore[assignment]
    message_id: str | None = None,
) -> bytes:
    """An email as a mail program writes it: text, optional attachments (name, type, bytes)."""
    mail = EmailMessage(policy=SMTP)
    mail["From"] = sender
    mail["To"] = to
    mail["Subject"] = subject
    mail["Message-ID"] = message_id or make_msgid(domain="mail.example.com")
    for name, value in (headers or {}).items():
        mail[name] = value
    mail.set_content(text)
    for name, kind, content in attachments:
        maintype, _, subtype = kind.partition("/")
        mail.add_attachment(content, maintype=maintype, subtype=subtype, filename=name)
    return mail.as_bytes()


def deliver(port: int, raw: bytes, to: str, sender: str = "jordan@example.com") -> None:
    """Hand `raw` to smtpd as a sending mail server would."""
    with smtplib.SMTP("127.0.0.1", port, timeout=30) as client:
        client.sendmail(sender, [to], raw)


def settled(count: int = 1, timeout: float = 30) -> list[InboundEmail]:
    """The stored relay mails once `count` of them have been worked on, oldest first."""

    def done() -> list[InboundEmail]:
        rows = list(InboundEmail.objects.exclude(status=InboundEmail.Status.RECEIVED).order_by("received_at", "id"))
        return rows if len(rows) >= count else []

    return wait_until(done, timeout=timeout)

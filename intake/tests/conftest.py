"""Lead email as senders produce it, for the intake tests: ADF documents and whole emails
carrying them in the ways real senders do (plain, quoted-printable, base64, HTML, attachments)."""

from __future__ import annotations

import socket
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import make_msgid
from html import escape
from typing import Any

import pytest
from django.conf import settings

from accounts.models import ApiToken, User


def adf(
    *,
    first: str = "Jordan",
    last: str = "Sample",
    email: str = "jordan.sample@example.com",
    phone: str = "512-555-0100",
    lead_id: str | None = "CG-100001",
    provider: str = "CarGurus",
    status: str = "new",
    comments: str = "Is this truck still available?",
    vehicle: tuple[str, str, str, str] = ("2016", "RAM", "2500", "D9760"),
    interest: str = "buy",
) -> str:
    year, make, model, stock = vehicle
    id_line = f'<id sequence="1" source="{provider}">{lead_id}</id>' if lead_id else ""
    email_line = f"<email>{email}</email>" if email else ""
    phone_line = f'<phone type="voice">{phone}</phone>' if phone else ""
    provider_line = f'<provider><name part="full">{provider}</name></provider>' if provider else ""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<?adf version="1.0"?>
<adf>
  <prospect status="{status}">
    {id_line}
    <requestdate>2026-03-16T15:37:03-05:00</requestdate>
    <vehicle interest="{interest}" status="used">
      <year>{year}</year><make>{make}</make><model>{model}</model><stock>{stock}</stock>
      <price type="asking" currency="USD">34995</price>
    </vehicle>
    <customer>
      <contact>
        <name part="first">{first}</name><name part="last">{last}</name>
        {email_line}
        {phone_line}
      </contact>
      <comments>{escape(comments)}</comments>
    </customer>
    <vendor><vendorname>Riverside Toyota</vendorname></vendor>
    {provider_line}
  </prospect>
</adf>
"""


def intake_address(slug: str = "riverside-toyota") -> str:
    return f"{slug}@{settings.INTAKE_DOMAIN}"


def lead_email(
    document: str | None = None,
    *,
    how: str = "plain",
    sender: str = "CarGurus Leads <leads@cargurus.com>",
    to: str | None = None,
    subject: str = "New CarGurus lead",
    message_id: str | None = None,
) -> bytes:
    """A whole email carrying `document` (ADF) the way `how` says:
    plain | qp | base64 | html | xml-attachment | adf-attachment | none (no ADF at all)."""
    document = document if document is not None else adf()
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to or intake_address()
    message["Subject"] = subject
    message["Message-ID"] = message_id or make_msgid(domain="cargurus.com")
    intro = "You have a new lead from CarGurus.\n\n"
    if how == "plain":
        message.set_content(document, cte="8bit")
    elif how == "qp":
        message.set_content(intro + document, cte="quoted-printable")
    elif how == "base64":
        message.set_content(document, cte="base64")
    elif how == "html":
        message.set_content(intro)
        body = escape(document).replace("\n", "<br />\n")
        message.add_alternative(f"<html><body><p>New lead</p><p>{body}</p></body></html>", subtype="html")
    elif how in ("xml-attachment", "adf-attachment"):
        message.set_content(intro + "The lead is attached.")
        name = "lead.xml" if how == "xml-attachment" else "lead.adf"
        message.add_attachment(document.encode(), maintype="application", subtype="xml", filename=name)
    elif how == "none":
        message.set_content("Hi, please call me back about the Camry. Thanks, Pat")
    else:
        raise ValueError(how)
    # On the wire, as a sending mail server writes it: CRLF line ends.
    return message.as_bytes(policy=SMTP)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def port_open(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


@pytest.fixture
def intake_token(db: None) -> Any:
    def make(user: User, scope: str = ApiToken.Scope.INTAKE) -> str:
        return ApiToken.issue(user=user, scope=scope)[1]

    return make

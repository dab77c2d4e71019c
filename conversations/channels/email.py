"""Email to a customer from the lead's reply address (the email relay, `relay` app).

The mail goes out from `lead-<token>@FORECOURT_RELAY_DOMAIN` as "<Salesperson> at <from name>",
threads under the customer's last email (In-Reply-To, References), carries its attachments (a
voice note), a Bcc to the sender when they chose "Copy me", and `Auto-Submitted: auto-generated`
when Forecourt wrote it itself. It leaves through the outbound SMTP server (SMTP_URL).
"""

from __future__ import annotations

from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import formatdate
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.http import HttpRequest

from conversations.channels.base import CannotSend, Inbound, NoAddress, Transport
from conversations.models import Autoresponse, Message
from forecourt.lib.names import name_for_customers
from forecourt.lib.outbox import DeliveryError
from forecourt.lib.text import one_line
from leads.models import Lead

if TYPE_CHECKING:
    from accounts.models import User


class EmailsOff(CannotSend):
    """The dealership has turned off emails to customers (settings, email, send_emails)."""

    code = "emails_off"


def customer_email(lead: Lead) -> str:
    """The customer's address to write to: the first one that has not bounced, "" when none."""
    from relay.models import BouncedAddress

    bounced = set(BouncedAddress.objects.filter(customer=lead.customer).values_list("email", flat=True))
    domain = "@" + settings.RELAY_DOMAIN.lower()
    for row in lead.customer.emails.all():
        address = row.email.strip().lower()
        if address and address not in bounced and not address.endswith(domain):
            return address
    return ""


def reachable_email(lead: Lead) -> str:
    """The customer's address to write to; EmailsOff or NoAddress when no email can go (nothing is written)."""
    if not lead.dealership.send_emails:
        raise EmailsOff(f"{lead.dealership.name} does not send emails to customers (dealership settings, email).")
    customer = customer_email(lead)
    if not customer:
        raise NoAddress(f"{lead.customer.display_name} has no email address that can take mail.")
    return customer


def sender_name(message: Message) -> str:
    """ "Carol Seller at Riverside Toyota" (the name as the dealership shows names to customers:
    "Carol S. at …"), or the dealership's from-name alone for Forecourt's own mail; the
    autoresponder writes for the lead's assignee, when there is one."""
    lead = message.conversation.lead
    dealership = lead.dealership
    from_name = one_line(dealership.email_from_name) or one_line(dealership.name)
    person = message.sent_by if not message.automated else None
    if message.automated and Autoresponse.objects.filter(message=message).exists():
        person = lead.assigned_to
    name = one_line(name_for_customers(person, dealership))
    return f"{name} at {from_name}" if name else from_name


def build_email(message: Message) -> EmailMessage:
    """The MIME message for one stored outbound email, built with the `email` package: every
    header value is put on one line first, and the package refuses any line break that is left."""
    from relay.models import Attachment, EmailDetails

    details = EmailDetails.objects.filter(message=message).first()
    mail = EmailMessage(policy=SMTP)
    local, _, domain = message.from_address.partition("@")
    mail["From"] = Address(display_name=sender_name(message), username=local, domain=domain)
    mail["To"] = one_line(message.to_address)
    mail["Subject"] = one_line(message.subject) or f"Your enquiry at {one_line(message.lead.dealership.name)}"
    mail["Date"] = formatdate(usegmt=True)
    mail["Message-ID"] = outbound_message_id(message)
    if details is not None and details.in_reply_to:
        mail["In-Reply-To"] = one_line(details.in_reply_to)
        mail["References"] = one_line(details.in_reply_to)
    if message.automated:
        mail["Auto-Submitted"] = "auto-generated"
    mail.set_content(message.body or "")
    for attachment in Attachment.objects.filter(message=message):
        maintype, _, subtype = attachment.content_type.partition("/")
        mail.add_attachment(
            bytes(attachment.content),
            maintype=maintype or "application",
            subtype=subtype or "octet-stream",
            filename=one_line(attachment.name) or "attachment",
        )
    return mail


def outbound_message_id(message: Message) -> str:
    """Fixed by the message's key, so a retry sends the very same mail and a reply finds the message."""
    return f"<{message.key}@{settings.RELAY_DOMAIN}>"


class EmailTransport(Transport):
    name = "email"

    def addresses(self, lead: Lead) -> tuple[str, str]:
        from relay.addresses import relay_address_of

        customer = reachable_email(lead)
        return relay_address_of(lead).address, customer

    def prepared(self, message: Message, *, actor: User | None) -> None:
        from relay.models import EmailDetails
        from relay.preferences import copies_me

        answered = (
            EmailDetails.objects.filter(
                message__conversation_id=message.conversation_id, message__direction=Message.Direction.IN
            )
            .exclude(header_id="")
            .order_by("-message__created_at", "-message_id")
            .values_list("header_id", flat=True)
            .first()
        )
        copy = actor.email if actor is not None and not message.automated and copies_me(actor) else ""
        EmailDetails.objects.create(
            message=message, header_id=outbound_message_id(message), in_reply_to=answered or "", copy_to=copy
        )

    def send(self, message: Message) -> dict[str, Any]:
        from relay.mail import submit
        from relay.models import EmailDetails

        dealership = message.conversation.lead.dealership
        if not dealership.send_emails:  # turned off after the email was queued: it never leaves
            raise DeliveryError(
                f"Not sent: {dealership.name} does not send emails to customers (dealership settings, email).",
                permanent=True,
            )
        mail = build_email(message)
        recipients = [message.to_address]
        copy = EmailDetails.objects.filter(message=message).values_list("copy_to", flat=True).first()
        if copy:
            recipients.append(copy)
        submit(mail, sender=message.from_address, recipients=recipients)
        return {"provider_id": outbound_message_id(message)[:100]}

    def verify(self, request: HttpRequest) -> bool:
        return False  # email arrives by SMTP (`manage.py smtpd`), never by webhook

    def parse(self, request: HttpRequest) -> list[Inbound]:
        raise ValueError("Email arrives by SMTP, not by webhook.")

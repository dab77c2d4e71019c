"""Mail that reached a lead's reply address, kept raw first (an `InboundEmail` of channel relay,
stored by `smtpd`), then worked on here, once, by whoever holds its lease.

1. Read it with the `email` package. Mail to a retired or unknown address attaches to no lead:
   it stays on the Intake screen with the reason.
2. A delivery report (a hard bounce) marks the customer's address as failing on the lead.
3. Mail from the assignee or a collaborator (their own address, a reply to the forward in their
   inbox) is sent on to the customer as their email: a human reply.
4. Anything else is the customer's: it joins the thread (new words shown, quoted history folded,
   attachments kept); the assignee and collaborators are told, and the assignee gets a copy in
   their own inbox that they can answer. Mail a machine sent is recorded, and nothing answers it.
"""

from __future__ import annotations

import hashlib
import logging
from email import message_from_bytes
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import default as default_policy

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from conversations.actions import receive_message, send_message
from conversations.channels import CannotSend, Inbound
from conversations.models import Message
from dealerships.modes import is_tracking
from forecourt.lib.text import one_line
from intake.models import InboundEmail
from leads.models import Lead
from notifications.actions import notify, queue_email
from notifications.models import Kind
from relay.addresses import relay_for
from relay.models import Attachment, BouncedAddress, EmailDetails, RelayAddress
from relay.reading import Bounce, File, Reading, hard_bounces, read_email

log = logging.getLogger(__name__)
MAX_ATTACHMENTS = 30


def finish(inbound: InboundEmail, status: str, reason: str, lead: Lead | None = None) -> None:
    now = timezone.now()
    InboundEmail.objects.filter(pk=inbound.pk).update(
        status=status, reason=reason[:2000], processed_at=now, claimed_until=None
    )
    inbound.status, inbound.reason, inbound.processed_at = status, reason, now
    if lead is not None:
        inbound.leads.add(lead)


def process_relay_mail(inbound: InboundEmail) -> None:
    """Steps 1 to 4 for one held row; an unexpected error is left to the caller (retry with back-off)."""
    mail = message_from_bytes(inbound.raw_bytes, policy=default_policy)
    assert isinstance(mail, EmailMessage)
    relay = relay_for(inbound.rcpt_to)
    if relay is None or relay.retired_at is not None:
        why = "a retired" if relay is not None else "an unknown"
        finish(inbound, InboundEmail.Status.NO_LEAD, f"Sent to {why} reply address: attached to no lead.")
        return
    lead = Lead.objects.select_related("dealership", "customer", "assigned_to").get(pk=relay.lead_id)
    with transaction.atomic():
        bounces = hard_bounces(mail)
        if bounces is not None:
            _bounced(inbound, lead, bounces)
            return
        reading = read_email(mail)
        if _from_ourselves(reading):
            finish(
                inbound, InboundEmail.Status.NO_LEAD, "Mail from Forecourt's own relay domain: a loop, not answered."
            )
            return
        staff = _staff_sender(lead, reading.sender)
        if staff is not None:
            _sent_on(inbound, lead, relay, staff, reading)
        else:
            _from_customer(inbound, lead, relay, reading)


def _from_ourselves(reading: Reading) -> bool:
    return reading.sender.endswith("@" + settings.RELAY_DOMAIN.lower())


def _staff_sender(lead: Lead, sender: str) -> User | None:
    """The assignee or a collaborator whose own address `sender` is."""
    if not sender:
        return None
    people = [lead.assigned_to, *lead.collaborators.all()]
    return next((p for p in people if p is not None and p.is_active and p.email.lower() == sender), None)


def provider_id(reading: Reading, raw: bytes) -> str:
    """The Message-ID (a second delivery is stored once), or a digest of the mail when it has none."""
    if reading.message_id and len(reading.message_id) <= 100:
        return reading.message_id
    return "sha256:" + hashlib.sha256((reading.message_id or "").encode() or raw).hexdigest()


def _keep_files(message: Message, files: list[File]) -> None:
    Attachment.objects.bulk_create(
        Attachment(
            message=message,
            position=i,
            name=f.name,
            content_type=f.content_type or "application/octet-stream",
            content=f.content,
            size=len(f.content),
        )
        for i, f in enumerate(files[:MAX_ATTACHMENTS])
    )


def _from_customer(inbound: InboundEmail, lead: Lead, relay: RelayAddress, reading: Reading) -> None:
    body = reading.text or ("(no text)" if not reading.files else "")
    arrived = Inbound(
        provider_id=provider_id(reading, inbound.raw_bytes),
        from_address=reading.sender or inbound.mail_from,
        to_address=relay.address,
        body=body,
        subject=reading.subject,
        sender_name=reading.sender_name,
    )
    message, new = receive_message(lead=lead, channel="email", inbound=arrived)
    if not new:
        finish(inbound, InboundEmail.Status.PROCESSED, f"Already in the thread as message #{message.pk}.", lead)
        return
    EmailDetails.objects.create(
        message=message,
        header_id=reading.message_id,
        in_reply_to=reading.in_reply_to,
        quoted=reading.quoted,
        inbound=inbound,
    )
    _keep_files(message, reading.files)
    notes = "; ".join(reading.problems)
    if reading.automatic:
        finish(
            inbound,
            InboundEmail.Status.PROCESSED,
            f"In the thread as message #{message.pk}; sent by a machine ({reading.automatic}): nobody told, "
            "nothing answered." + (f" {notes}" if notes else ""),
            lead,
        )
        return
    _tell_people(lead, message)
    forwarded = _forward_to_assignee(lead, relay, message, reading)
    finish(
        inbound,
        InboundEmail.Status.PROCESSED,
        f"In the thread as message #{message.pk}"
        + (f"; forwarded to {forwarded}" if forwarded else "")
        + (f". {notes}" if notes else "."),
        lead,
    )


def _tell_people(lead: Lead, message: Message) -> None:
    people = [lead.assigned_to, *lead.collaborators.all()]
    said = message.subject or message.body
    text = f"{lead.customer.display_name} emailed: {one_line(said)[:120]}"
    for person in dict.fromkeys(p for p in people if p is not None):
        notify(user=person, kind=Kind.CUSTOMER_REPLIED, lead=lead, text=text)


def _forward_to_assignee(lead: Lead, relay: RelayAddress, message: Message, reading: Reading) -> str:
    """A copy of the customer's mail in the assignee's own inbox, with the reply address as
    Reply-To: answering it there sends the answer on to the customer through the lead."""
    person = lead.assigned_to
    if person is None or not person.is_active or not person.email or is_tracking(lead.dealership):
        return ""  # in lead tracking mode the customer's mail is kept on the lead, not sent to staff
    name = one_line(lead.customer.display_name)
    local, _, domain = relay.address.partition("@")
    sender = str(Address(display_name=f"{name} via {one_line(lead.dealership.name)}", username=local, domain=domain))
    files = Attachment.objects.filter(message=message)
    listed = "".join(f"\n  {f.name or 'attachment'} ({f.size:,} bytes)" for f in files)
    body = (
        f"{message.body}\n\n"
        + (f"Attachments (on the lead):{listed}\n\n" if listed else "")
        + f"-- \nReply to this email and your answer goes to {name}, recorded on the lead:\n"
        f"{settings.BASE_URL}/leads/{lead.pk}/#conversation\n"
    )
    subject = reading.subject or f"Email from {name}"
    queue_email(
        to=[person.email],
        subject=subject,
        body=body,
        purpose="relay_forward",
        reply_to=relay.address,
        from_email=sender,
    )
    return person.email


def _sent_on(inbound: InboundEmail, lead: Lead, relay: RelayAddress, person: User, reading: Reading) -> None:
    """The assignee's (or a collaborator's) answer from their own inbox, sent on to the customer."""
    if reading.automatic:
        finish(
            inbound,
            InboundEmail.Status.NO_LEAD,
            f"An automatic reply from {person.name}'s mailbox ({reading.automatic}): not sent to the customer.",
            lead,
        )
        return
    already = EmailDetails.objects.filter(message__conversation__lead=lead, inbound__message_id=inbound.message_id)
    if inbound.message_id and already.exclude(inbound=inbound).exists():
        finish(inbound, InboundEmail.Status.PROCESSED, "Already sent on to the customer.", lead)
        return
    try:
        message = send_message(lead=lead, channel="email", body=reading.text, subject=reading.subject, actor=person)
    except (CannotSend, ValueError) as refusal:
        finish(inbound, InboundEmail.Status.NO_LEAD, f"{person.name}'s answer could not go: {refusal}", lead)
        return
    EmailDetails.objects.filter(message=message).update(inbound=inbound, copy_to="")
    _keep_files(message, reading.files)
    finish(
        inbound,
        InboundEmail.Status.PROCESSED,
        f"{person.name}'s answer from their inbox, sent on to the customer as message #{message.pk}.",
        lead,
    )


def _bounced(inbound: InboundEmail, lead: Lead, bounces: list[Bounce]) -> None:
    """Mark each address that failed for good as failing on the customer, and the email it
    answers (when the report names it) as undelivered."""
    if not bounces:
        finish(
            inbound, InboundEmail.Status.PROCESSED, "A delivery report with no permanent failure: nothing to do.", lead
        )
        return
    customer_addresses = set(lead.customer.emails.values_list("email", flat=True))
    marked = []
    for bounce in bounces:
        sent = (
            Message.objects.filter(
                conversation__lead=lead,
                channel="email",
                direction=Message.Direction.OUT,
                provider_id=bounce.original_message_id,
            ).first()
            if bounce.original_message_id
            else None
        )
        if sent is not None:
            reason = f"bounced: {bounce.status} {bounce.diagnostic}".strip()
            Message.objects.filter(pk=sent.pk).update(status=Message.Status.UNDELIVERED, last_error=reason)
        if bounce.recipient not in customer_addresses:
            continue
        BouncedAddress.objects.update_or_create(
            customer=lead.customer,
            email=bounce.recipient,
            defaults={"reason": f"{bounce.status} {bounce.diagnostic}".strip(), "at": timezone.now(), "message": sent},
        )
        marked.append(bounce.recipient)
    said = (
        f"Hard bounce: {', '.join(marked)} marked as failing."
        if marked
        else "A bounce for no address of this customer."
    )
    finish(inbound, InboundEmail.Status.PROCESSED, said, lead)

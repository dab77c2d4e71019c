"""The worker's side of /hooks/messenger: one stored request (`WebhookCall`, kind "messenger")
read event by event, each taken once.

A customer's message goes on their open lead at the dealership whose page they wrote to, found by
their page-scoped id (PSID); a person the page has not heard from becomes a new lead (source
"Facebook Messenger") through the one door, named by their Messenger profile when Meta gives it.
An echo (a message the page sent) that Forecourt did not send itself, i.e. one a person typed in
Messenger or the page's inbox, is put in the thread as sent by the page. Delivery and read receipts
mark Forecourt's messages delivered. Everything is keyed by Meta's message id (`mid`), so a
request Meta sends twice, or that the worker works on twice, adds nothing the second time.
"""

from __future__ import annotations

import logging
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from conversations.actions import conversation_of, receive_message
from conversations.channels import Inbound
from conversations.models import Message, WebhookCall
from conversations.webhook_calls import keep_media
from dealerships.models import Dealership
from intake.door import take_in_lead
from leads.matching import lock_customer_matching
from leads.models import Lead
from messenger import graph, payload
from messenger.models import MessengerContact
from notifications.actions import notify
from notifications.models import Kind

log = logging.getLogger(__name__)

SOURCE = "Facebook Messenger"


class TryAgain(RuntimeError):
    """Part of the request could not be done yet (a photo Meta would not hand over)."""


def process_event(call: WebhookCall) -> tuple[str, str]:
    """Work on one stored Messenger request: (the call's new status, why, in words). Raises
    TryAgain (or anything unexpected) for the call to be tried again later."""
    try:
        found = payload.events(payload.load(call.body))
    except ValueError as exc:
        return WebhookCall.Status.FAILED, str(exc)
    pages = {
        d.messenger_page_id: d for d in Dealership.objects.filter(messenger_page_id__in={e.page_id for e in found})
    }
    notes: list[str] = []
    taken = 0
    waiting: list[str] = []
    for event in found:
        dealership = pages.get(event.page_id)
        if dealership is None:
            notes.append(f"no dealership has the Facebook page {event.page_id}")
            continue
        if event.kind == "message" and event.mid:
            message, new = _customer_message(dealership, event)
            kept = message.media_files.filter(fetched_at__isnull=False).count()
            if event.attachments and kept < len(event.attachments):  # new, or a photo still to fetch
                failures, permanent = keep_media(message, event.attachments)
                if failures and not permanent:
                    waiting.extend(failures)
                new = new or not failures
            taken += new
        elif event.kind == "echo" and event.mid:
            outcome = _echo(dealership, event)
            taken += outcome == ""
            if outcome:
                notes.append(outcome)
        elif event.kind in ("delivery", "read"):
            taken += _receipt(event)
    if waiting:
        raise TryAgain("; ".join(waiting))
    first = call.provider_id
    if first and call.message_id is None:
        made = Message.objects.filter(channel="messenger", provider_id=first).first()
        if made is not None:
            WebhookCall.objects.filter(pk=call.pk).update(message=made)
    if taken:
        return WebhookCall.Status.PROCESSED, "; ".join(notes)
    return WebhookCall.Status.IGNORED, "; ".join(notes) or "Nothing new: every event was already taken."


# A customer's message ------------------------------------------------------------------------


def _customer_message(dealership: Dealership, event: payload.Event) -> tuple[Message, bool]:
    """Put the message on the customer's lead; the message, and True when it was not there yet."""
    if (known := Message.objects.filter(channel="messenger", provider_id=event.mid).first()) is not None:
        return known, False
    wrote_before = MessengerContact.objects.filter(page_id=event.page_id, psid=event.psid).exists()
    # Asked outside any transaction: it calls Meta. A message never waits for a name.
    name = "" if wrote_before else graph.profile_name(page_token=dealership.messenger_page_token, psid=event.psid)
    inbound = Inbound(
        provider_id=event.mid,
        from_address=event.psid,
        to_address=event.page_id,
        body=event.text,
        media=[],
        sender_name=name,
    )
    with transaction.atomic():
        lead, contact, new_lead = _lead_of(dealership, event, name)
        message, new_message = receive_message(lead=lead, channel="messenger", inbound=inbound)
        if not new_message:
            return message, False
        at = min(event.at or timezone.now(), timezone.now())
        if contact.last_message_at is None or at > contact.last_message_at:
            MessengerContact.objects.filter(pk=contact.pk).update(last_message_at=at)
        if not new_lead:
            _tell_people_working(lead, message, has_photos=bool(event.attachments))
    return message, True


def _lead_of(dealership: Dealership, event: payload.Event, name: str) -> tuple[Lead, MessengerContact, bool]:
    """The customer's open lead at the dealership, or a new one through the one door; True when new.
    Under the organisation's matching lock, so two first messages at once make one customer."""
    lock_customer_matching(organization=dealership.organization)
    contact = MessengerContact.objects.filter(page_id=event.page_id, psid=event.psid).first()
    if contact is not None:
        open_lead = (
            Lead.objects.filter(customer=contact.customer, dealership=dealership, status__in=Lead.OPEN_STATUSES)
            .order_by("-received_at", "-id")
            .first()
        )
        if open_lead is not None:
            return open_lead, contact, False
    first, _, last = name.partition(" ")
    lead = take_in_lead(
        dealership=dealership,
        customer={"first_name": first, "last_name": last},
        existing_customer=contact.customer if contact else None,
        source_name=SOURCE,
        source_kind=Lead.SourceKind.MESSENGER,
        actor=None,
    )
    if contact is None:
        contact = MessengerContact.objects.create(
            dealership=dealership, page_id=event.page_id, psid=event.psid, customer=lead.customer, name=name
        )
    return lead, contact, True


def _tell_people_working(lead: Lead, message: Message, *, has_photos: bool) -> None:
    who = lead.customer.display_name
    text = f"{who} wrote on Messenger: {message.body[:120]}" if message.body else f"{who} sent a photo on Messenger"
    if has_photos and message.body:
        text += " (with a photo)"
    people = [lead.assigned_to, *lead.collaborators.all()]
    for person in dict.fromkeys(p for p in people if p is not None):
        notify(user=person, kind=Kind.CUSTOMER_REPLIED, lead=lead, text=text)


# What the page sent ------------------------------------------------------------------------


def _echo(dealership: Dealership, event: payload.Event) -> str:
    """Sync a message the page sent outside Forecourt into the thread; "" when it was added, else
    why not, in words."""
    if event.metadata.startswith(graph.METADATA_PREFIX) or _in_flight(event):
        return f"{event.mid} is Forecourt's own message"
    if Message.objects.filter(channel="messenger", provider_id=event.mid).exists():
        return f"{event.mid} is already in the thread"
    contact = MessengerContact.objects.filter(page_id=event.page_id, psid=event.psid).first()
    lead = (
        Lead.objects.filter(customer=contact.customer, dealership=dealership).order_by("-received_at", "-id").first()
        if contact
        else None
    )
    if lead is None:
        return f"the page wrote to {event.psid}, whom Forecourt does not know"
    at = min(event.at or timezone.now(), timezone.now())
    text = event.text or ("(a photo)" if event.attachments else "")
    _store_echo(lead, event, text, at)
    return ""


def _in_flight(event: payload.Event) -> bool:
    """A message of Forecourt's to this person, with this text, handed to Meta but not yet recorded
    as sent: its echo may come first, should Meta ever leave the metadata out."""
    return Message.objects.filter(
        channel="messenger",
        direction=Message.Direction.OUT,
        to_address=event.psid,
        body=event.text,
        provider_id="",
        status=Message.Status.QUEUED,
    ).exists()


def _store_echo(lead: Lead, event: payload.Event, text: str, at: datetime) -> None:
    try:
        with transaction.atomic():
            conversation = conversation_of(lead)
            Message.objects.create(
                conversation=conversation,
                channel="messenger",
                direction=Message.Direction.OUT,
                status=Message.Status.SENT,
                body=text,
                from_address=event.page_id,
                to_address=event.psid,
                provider_id=event.mid,
                automated=False,
                created_at=at,
                sent_at=at,
                due_at=at,
            )
            if conversation.last_message_at is None or at > conversation.last_message_at:
                type(conversation).objects.filter(pk=conversation.pk).update(last_message_at=at)
    except IntegrityError:
        pass  # the same echo, taken at the same moment by another worker


def _receipt(event: payload.Event) -> int:
    """Delivery or read receipt: Forecourt's messages it names (or, for a read, every message sent
    to this person before the watermark) are delivered. How many moved."""
    sent = Message.objects.filter(
        channel="messenger", direction=Message.Direction.OUT, status=Message.Status.SENT, to_address=event.psid
    )
    if event.mids:
        chosen = sent.filter(provider_id__in=event.mids)
    elif event.at is not None:
        chosen = sent.filter(sent_at__lte=event.at)
    else:
        return 0
    return chosen.update(status=Message.Status.DELIVERED, delivered_at=timezone.now())

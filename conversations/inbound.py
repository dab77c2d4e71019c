"""A text from a customer: which dealership it was sent to, which lead it belongs to (or the new lead
it makes), and who is told.

Webhooks and the customer simulator both come here once they have read the provider's request.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.db import transaction

from conversations.actions import lead_for_number, receive_message
from conversations.channels import Inbound
from conversations.consent import after_text_received
from conversations.models import Message
from dealerships.models import Dealership
from forecourt.lib.phone import to_e164
from leads.models import Lead
from notifications.actions import notify
from notifications.models import Kind


class UnknownNumber(LookupError):
    """No dealership texts from the number a message was sent to."""


@dataclass(frozen=True)
class Received:
    """What became of an inbound text: its message, its lead, and whether each is new."""

    message: Message
    lead: Lead
    new_message: bool
    new_lead: bool


def dealership_texted_at(number: str) -> Dealership:
    """The dealership whose leads number (else main number) is `number`; UnknownNumber otherwise.
    Settings store phones in E.164, as providers send them."""
    e164 = to_e164(number, "US") or number
    by_leads = Dealership.objects.select_related("organization").filter(leads_phone=e164).first()
    found = by_leads or Dealership.objects.select_related("organization").filter(main_phone=e164).first()
    if found is None:
        raise UnknownNumber(f"No dealership texts from {number}.")
    return found


def receive_text(
    *,
    to_number: str,
    from_number: str,
    body: str,
    provider_id: str,
    media: Sequence[str] = (),
    sender_name: str = "",
) -> Received:
    """Put a customer's text on their open lead at the dealership they texted, or on a new lead
    ("Unknown" unless the provider knows the name; source Text) that goes through the one door.

    The assignee and every collaborator are told of a text on a lead they already work; a new
    lead's people are told by its new-lead alert instead. A text delivered twice is stored once.
    """
    dealership = dealership_texted_at(to_number)
    sender = to_e164(from_number, dealership.country) or from_number
    inbound = Inbound(provider_id=provider_id, from_address=sender, to_address=to_number, body=body, media=list(media))
    existing = Message.objects.filter(channel="sms", provider_id=provider_id).select_related("conversation__lead")
    if (known := existing.first()) is not None:
        return Received(known, known.conversation.lead, new_message=False, new_lead=False)
    with transaction.atomic():
        first, _, last = sender_name.strip().partition(" ")
        lead, new_lead = lead_for_number(dealership=dealership, number=sender, first_name=first, last_name=last)
        message, new_message = receive_message(lead=lead, channel="sms", inbound=inbound)
        if new_message and not new_lead:
            _tell_people_working(lead, message)
        if new_message:  # STOP, START, HELP and the after-hours reply (conversations.consent)
            after_text_received(lead=lead, message=message)
    return Received(message, lead, new_message=new_message, new_lead=new_lead)


def _tell_people_working(lead: Lead, message: Message) -> None:
    people = [lead.assigned_to, *lead.collaborators.all()]
    text = (
        f"{lead.customer.display_name} texted: {message.body[:120]}"
        if message.body
        else (f"{lead.customer.display_name} sent a photo")
    )
    for person in dict.fromkeys(p for p in people if p is not None):
        notify(user=person, kind=Kind.CUSTOMER_REPLIED, lead=lead, text=text)

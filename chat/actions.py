"""What a website visitor's chat does: the first message makes (or finds) the lead through the one
door, later ones join its thread; the visitor reads only their own chat; a salesperson's answer
reaches them in the widget, or by text or email once they have left (docs/conversations.md).

Each visitor has an address of their own in the thread (`chat-visitor-<id>`): their messages
come from it, answers go to it, and a visitor's widget shows only the messages of that address,
never what the customer said on the lead before, nor another visitor's chat.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from chat.models import ChatPost, ChatVisitor, digest, new_token
from conversations.actions import receive_message, send_message
from conversations.channels import Inbound
from conversations.models import Message
from dealerships.models import Dealership
from dealerships.modes import is_tracking
from forecourt.lib.names import name_for_customers
from forecourt.lib.phone import to_e164
from forecourt.lib.text import one_line
from intake.door import take_in_lead
from leads.matching import lock_customer_matching, match_customer
from leads.models import CustomerPhone, Lead
from notifications.actions import notify
from notifications.models import Kind

SOURCE = "Chat"
MAX_MESSAGE = 2000
MAX_NAME = 100
# Widgets poll every few seconds; presence is written at most this often per visitor.
SEEN_EVERY = timedelta(seconds=15)


class Refusal(ValueError):
    """A post that makes nothing; `code` and the message go back to the widget (400)."""

    def __init__(self, code: str, message: str, *, fields: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.fields = fields or {}


def address_of(visitor: ChatVisitor) -> str:
    return f"chat-visitor-{visitor.pk}"


def visitor_for(dealership: Dealership, token: str) -> ChatVisitor | None:
    """The visitor of `dealership` holding `token`; None for a token it never issued."""
    if not token or len(token) > 200:
        return None
    return ChatVisitor.objects.select_related("lead").filter(dealership=dealership, token_digest=digest(token)).first()


def is_present(visitor: ChatVisitor, now: Any = None) -> bool:
    """Has the visitor's widget asked for news within CHAT_AWAY_MINUTES?"""
    now = now or timezone.now()
    return visitor.last_seen_at > now - timedelta(minutes=settings.CHAT_AWAY_MINUTES)


def latest_visitor(lead: Lead) -> ChatVisitor | None:
    return ChatVisitor.objects.filter(lead=lead).order_by("-last_seen_at", "-id").first()


# Reading a post ------------------------------------------------------------------------------------


def _body(data: dict[str, Any]) -> str:
    body = data.get("body")
    if not isinstance(body, str) or not body.replace("\x00", "").strip():
        raise Refusal("empty", "Write a message.", fields={"body": "Write a message."})
    body = body.replace("\x00", "").strip()  # PostgreSQL keeps no NUL in text
    if len(body) > MAX_MESSAGE:
        words = f"A message holds at most {MAX_MESSAGE:,} characters (this one has {len(body):,})."
        raise Refusal("too_long", words, fields={"body": words})
    return body


@dataclass(frozen=True)
class Contact:
    name: str
    phone: str
    email: str


def _contact(data: dict[str, Any], country: str) -> Contact:
    """The name and the phone or email a first message must carry, checked; Refusal names each problem."""
    problems: dict[str, str] = {}
    raw = {key: value if isinstance(value := data.get(key), str) else "" for key in ("name", "phone", "email")}
    name = one_line(raw["name"])[:MAX_NAME]
    if not name:
        problems["name"] = "Please tell us your name."
    phone = ""
    if raw["phone"].strip():
        phone = to_e164(raw["phone"], country) or ""
        if not phone:
            problems["phone"] = f"“{one_line(raw['phone'])[:40]}” is not a phone number we can reach."
    email = one_line(raw["email"]).lower()[:254]
    if email:
        try:
            validate_email(email)
        except ValidationError:
            problems["email"] = f"“{email}” is not an email address."
    if not (phone or email) and not problems.get("phone") and not problems.get("email"):
        problems["phone"] = "Please leave a phone number or an email address, so we can answer if you step away."
    if problems:
        raise Refusal("contact_needed", " ".join(problems.values()), fields=problems)
    return Contact(name=name, phone=phone, email=email)


# Posting -------------------------------------------------------------------------------------------


def start_chat(*, post: ChatPost, data: dict[str, Any]) -> tuple[ChatVisitor, str, Message]:
    """A visitor's first message: the customer's open lead at the dealership, or a new lead (source
    Chat) through the one door; the new visitor, their token (shown only now) and the message.

    The assignee of a new lead hears of it by its new-lead alert; of a lead already worked, by a
    "customer replied" notification. The visitor gets one automatic acknowledgement.
    """
    dealership = post.dealership
    body = _body(data)
    contact = _contact(data, dealership.country or "US")
    first, _, last = contact.name.partition(" ")
    customer = {
        "first_name": first,
        "last_name": last.strip(),
        "phones": [{"number": contact.phone, "type": CustomerPhone.Type.CELLPHONE}] if contact.phone else [],
        "emails": [contact.email] if contact.email else [],
    }
    token = new_token()
    with transaction.atomic():
        organization = dealership.organization
        lock_customer_matching(organization=organization)
        known = match_customer(organization=organization, data=customer, country=dealership.country or "US")
        lead = None
        if known is not None:
            lead = (
                Lead.objects.filter(customer=known, dealership=dealership, status__in=Lead.OPEN_STATUSES)
                .order_by("-received_at", "-id")
                .first()
            )
        new_lead = lead is None
        if lead is None:
            lead = take_in_lead(
                dealership=dealership,
                customer=customer,
                existing_customer=known,
                source_name=SOURCE,
                source_kind=Lead.SourceKind.CHAT,
                comments=body,
                actor=None,
            )
        visitor = ChatVisitor.objects.create(
            dealership=dealership,
            token_digest=digest(token),
            lead=lead,
            name=contact.name,
            phone=contact.phone,
            email=contact.email,
            origin=post.origin,
            address=post.address,
        )
        message = _take(post, visitor, body, tell=not new_lead)
        greeting = f"Thanks, {first}! Someone from {dealership.name} will answer you right here."
        if contact.phone or contact.email:
            greeting += " If you step away, we'll answer by " + ("text." if contact.phone else "email.")
        if not is_tracking(dealership):  # in tracking mode the dealership's own CRM answers, not Forecourt
            send_message(lead=lead, channel="chat", body=greeting, actor=None, automated=True)
    return visitor, token, message


def visitor_writes(*, post: ChatPost, visitor: ChatVisitor, data: dict[str, Any]) -> Message:
    """A later message of a known visitor, on their lead's thread; the people working it are told.

    A visitor whose lead was closed since (sold, lost) writes on the customer's open lead at the
    dealership, or on a new one (source Chat) through the one door, as a text would.
    """
    body = _body(data)
    with transaction.atomic():
        new_lead = False
        if visitor.lead.status not in Lead.OPEN_STATUSES:
            dealership = post.dealership
            lock_customer_matching(organization=dealership.organization)
            customer = visitor.lead.customer
            lead = (
                Lead.objects.filter(customer=customer, dealership=dealership, status__in=Lead.OPEN_STATUSES)
                .order_by("-received_at", "-id")
                .first()
            )
            if lead is None:
                new_lead = True
                lead = take_in_lead(
                    dealership=dealership,
                    customer={"first_name": customer.first_name, "last_name": customer.last_name},
                    existing_customer=customer,
                    source_name=SOURCE,
                    source_kind=Lead.SourceKind.CHAT,
                    comments=body,
                    actor=None,
                )
            ChatVisitor.objects.filter(pk=visitor.pk).update(lead=lead)
            visitor.lead = lead
        return _take(post, visitor, body, tell=not new_lead)


def _take(post: ChatPost, visitor: ChatVisitor, body: str, *, tell: bool) -> Message:
    now = timezone.now()
    inbound = Inbound(
        provider_id=f"chat-post-{post.pk}", from_address=address_of(visitor), to_address=post.origin, body=body
    )
    message, _ = receive_message(lead=visitor.lead, channel="chat", inbound=inbound)
    ChatPost.objects.filter(pk=post.pk).update(status=ChatPost.Status.TAKEN, message=message, visitor=visitor)
    ChatVisitor.objects.filter(pk=visitor.pk).update(last_seen_at=now)
    if tell:
        lead = visitor.lead
        people = [lead.assigned_to, *lead.collaborators.all()]
        text = f"{lead.customer.display_name} wrote in the website chat: {body[:120]}"
        for person in dict.fromkeys(p for p in people if p is not None):
            notify(user=person, kind=Kind.CUSTOMER_REPLIED, lead=lead, text=text)
    return message


# Reading -------------------------------------------------------------------------------------------


def visitor_thread(visitor: ChatVisitor, *, after: int = 0) -> list[Message]:
    """The visitor's own chat, oldest first: what they wrote and what was written to them, after
    message id `after`. Answers reaching them are delivered (read receipts for the thread); the
    visitor is present from now."""
    mine = address_of(visitor)
    messages = list(
        Message.objects.filter(conversation__lead_id=visitor.lead_id, channel="chat", pk__gt=after)
        .filter(
            Q(direction=Message.Direction.IN, from_address=mine) | Q(direction=Message.Direction.OUT, to_address=mine)
        )
        .exclude(status__in=(Message.Status.FAILED, Message.Status.HELD))
        .select_related("sent_by")
        .order_by("id")[:200]
    )
    now = timezone.now()
    reached = [m.pk for m in messages if m.direction == Message.Direction.OUT and m.delivered_at is None]
    if reached:
        Message.objects.filter(pk__in=reached).update(
            status=Message.Status.DELIVERED, delivered_at=now, sent_at=Coalesce("sent_at", Value(now))
        )
    if visitor.last_seen_at < now - SEEN_EVERY:
        ChatVisitor.objects.filter(pk=visitor.pk).update(last_seen_at=now)
    return messages


def for_widget(message: Message, dealership: Dealership) -> dict[str, Any]:
    """A message as the widget shows it: who wrote it in words the visitor knows."""
    if message.direction == Message.Direction.IN:
        who = "you"
        name = "You"
    else:
        who = "dealer"
        person = name_for_customers(message.sent_by, dealership) if not message.automated else ""
        name = f"{person} · {dealership.name}" if person else dealership.name
    return {"id": message.pk, "at": message.created_at.isoformat(), "from": who, "name": name, "body": message.body}

"""Consent as data: who may be messaged on which channel, since when, and who said so.

Every change is a `ConsentChange` row; the latest one per customer and channel is the state
(none: unknown). A customer is shared by the organisation's rooftops, so an opt-out ends
messages from every number of the organisation at once.

Three places ask: `send_message` refuses a message to a customer who opted out (`OptedOut`,
storing nothing); the outbox refuses, just before the provider is called, a message queued
before the opt-out (`check_before_sending`); and `receive_text` hands every new text to
`after_text_received`, which reads keywords (STOP, START, HELP, and revocations in the
customer's own words), answers them, and sends the after-hours auto-reply.

Consent changes are serialised per organisation by its customer-matching lock, which
`receive_text` already holds: two STOPs at once record one opt-out and send one confirmation.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from conversations.channels import CannotSend
from conversations.keywords import Intent, Reading, read_text
from conversations.models import ConsentChange, Message
from conversations.quiet_hours import when_a_text_may_go
from forecourt.lib.outbox import DeliveryError
from forecourt.lib.phone import display
from forecourt.templatetags import moments
from leads.actions import record_activity
from leads.matching import lock_customer_matching
from leads.models import Activity, Customer, Lead

UNKNOWN = "unknown"
OPTED_IN = ConsentChange.State.OPTED_IN.value
OPTED_OUT = ConsentChange.State.OPTED_OUT.value
CHANNEL_WORDS = {"sms": "texts", "email": "emails", "messenger": "Messenger messages", "chat": "chat messages"}
LEDGER_CHANNELS = ("sms", "email", "messenger")


class OptedOut(CannotSend):
    """The customer revoked consent for this channel; the message says who, since when and how."""

    code = "opted_out"

    def __init__(self, message: str, *, since: datetime) -> None:
        super().__init__(message)
        self.since = since


# Reading the ledger ---------------------------------------------------------------------------


def latest_change(customer: Customer, channel: str) -> ConsentChange | None:
    return ConsentChange.objects.filter(customer=customer, channel=channel).order_by("-at", "-id").first()


def consent_now(customer: Customer, channel: str) -> tuple[str, datetime | None, str]:
    """(state, since, words used): "opted_in", "opted_out" or "unknown" (never asked, None, "")."""
    change = latest_change(customer, channel)
    if change is None:
        return UNKNOWN, None, ""
    return change.state, change.at, change.text


def describe(change: ConsentChange, zone: str) -> str:
    """ "Jordan Sample opted out of texts on Mon Mar 16, 10:42 AM (replied STOP)." in `zone`, the
    way every screen writes a moment."""
    when = moments.when(change.at, zone)
    verb = "opted out of" if change.state == OPTED_OUT else "opted in to"
    what = CHANNEL_WORDS.get(change.channel, "messages")
    return f"{change.customer.display_name} {verb} {what} on {when} ({_how(change)})."


def _how(change: ConsentChange) -> str:
    words = change.text.strip()
    quoted = f': "{words}"' if words else ""
    who = change.actor.name if change.actor else "someone"
    match change.source:
        case ConsentChange.Source.KEYWORD:
            reading = read_text(words)
            return f"replied {reading.keyword if reading and reading.keyword else words}"
        case ConsentChange.Source.LANGUAGE:
            return f'wrote "{words}"'
        case ConsentChange.Source.STAFF:
            return f"recorded by {who}{quoted}"
        case ConsentChange.Source.API:
            return f"recorded through the API by {who}{quoted}"
        case _:
            return f"imported{quoted}"


# Refusing messages -------------------------------------------------------------------------


def check_may_send(*, lead: Lead, channel: str, answering: Message | None = None) -> None:
    """Raise OptedOut when the lead's customer opted out of `channel`.

    One message passes: the confirmation of an opt-out, answering the very text that opted out.
    """
    change = latest_change(lead.customer, channel)
    if change is None or change.state != OPTED_OUT:
        return
    confirming = answering is not None and change.message_id == answering.pk and change.confirmation_id is None
    if not confirming:
        raise OptedOut(describe(change, lead.dealership.timezone), since=change.at)


def check_before_sending(message: Message) -> None:
    """The outbox's last look before the provider is called: a message queued before the
    customer opted out fails with the reason (DeliveryError, permanent) and never goes, and so
    does an after-hours reply once the dealership has opened."""
    lead = message.conversation.lead
    change = latest_change(lead.customer, message.channel)
    if change is not None and change.state == OPTED_OUT and change.confirmation_id != message.pk:
        raise DeliveryError(describe(change, lead.dealership.timezone), permanent=True)
    after_hours = getattr(message, "after_hours", None)
    if after_hours is not None and after_hours.closed_until <= timezone.now():
        opened = after_hours.closed_until.astimezone(ZoneInfo(lead.dealership.timezone))
        raise DeliveryError(
            f"Not sent: {lead.dealership.name} opened at {opened:%H:%M} before quiet hours ended, "
            "so the after-hours reply was no longer needed.",
            permanent=True,
        )


# Quiet hours -----------------------------------------------------------------------------------


def send_at(
    *, lead: Lead, channel: str, number: str, automated: bool, answering: Message | None, now: datetime
) -> datetime:
    """When a new message may go: now, or for Forecourt's own texts, the end of the customer's
    quiet hours (conversations.quiet_hours). A person chose to send now, so their texts are
    never held; nor are answers to STOP, START and HELP (the customer just asked for them, and
    an opt-out is to be confirmed within minutes). `now` is the moment the message is stored."""
    if not automated or channel != "sms" or (answering is not None and _asked_for_an_answer(answering)):
        return now
    return when_a_text_may_go(now, number=number, dealership_zone=lead.dealership.timezone)


def _asked_for_an_answer(text: Message) -> bool:
    """HELP, or a text that changed the customer's consent (its confirmation is due). A "yes" from
    a customer who never opted out is an ordinary text, and so is its after-hours reply."""
    reading = read_text(text.body)
    if reading is None:
        return False
    return reading.intent == Intent.HELP or ConsentChange.objects.filter(message=text).exists()


def release_held_messages() -> int:
    """Held messages whose quiet hours are over become queued (the outbox then sends them);
    one still inside quiet hours (the clocks moved, a worker was away) waits for the next window."""
    now = timezone.now()
    released = 0
    held = Message.objects.filter(status=Message.Status.HELD, due_at__lte=now)
    for message in held.select_related("conversation__lead__dealership").order_by("due_at")[:500]:
        zone = message.conversation.lead.dealership.timezone
        may_go = when_a_text_may_go(now, number=message.to_address, dealership_zone=zone)
        still_held = Message.objects.filter(pk=message.pk, status=Message.Status.HELD)
        if may_go > now:
            still_held.update(due_at=may_go)
        else:
            released += still_held.update(status=Message.Status.QUEUED, due_at=now, claimed_until=None)
    return released


# Recording changes -------------------------------------------------------------------------------


def record_consent(
    *,
    customer: Customer,
    channel: str,
    state: str,
    source: str,
    text: str,
    actor: User | None,
    lead: Lead | None = None,
    message: Message | None = None,
) -> ConsentChange:
    """Record that `customer` opted in to or out of `channel` ("opted in by phone on 16 Mar" by
    staff, a STOP, an import); the lead's timeline says so when there is a lead. ValueError for a
    channel, state or source Forecourt does not know, and nothing is recorded then."""
    _check_choice("channel", channel, CHANNEL_WORDS)
    _check_choice("state", state, ConsentChange.State.values)
    _check_choice("source", source, ConsentChange.Source.values)
    if source in (ConsentChange.Source.STAFF, ConsentChange.Source.API) and actor is None:
        raise ValueError("A consent change recorded by staff or through the API needs the person who recorded it.")
    with transaction.atomic():
        lock_customer_matching(organization=customer.organization)
        change = ConsentChange.objects.create(
            customer=customer,
            channel=channel,
            state=state,
            source=source,
            text=text.strip()[:1000],
            at=timezone.now(),
            actor=actor,
            lead=lead,
            message=message,
        )
        if lead is not None:
            record_activity(
                lead=lead,
                kind=Activity.Kind.CUSTOMER,
                actor=actor,
                text=_timeline_text(change),
                data={"consent": state, "channel": channel, "source": source},
            )
    return change


def _check_choice(name: str, value: str, allowed: Collection[str]) -> None:
    if value not in allowed:
        raise ValueError(f"{name} must be one of {', '.join(sorted(allowed))}, not {value!r}.")


def _timeline_text(change: ConsentChange) -> str:
    customer = change.customer
    name = customer.first_name or customer.display_name
    what = CHANNEL_WORDS.get(change.channel, "messages")
    if change.source == ConsentChange.Source.LANGUAGE:
        return f"{name} asked not to be {'texted' if change.channel == 'sms' else 'contacted'}: '{change.text}'"
    verb = "opted out of" if change.state == OPTED_OUT else "opted in to"
    return f"{name} {verb} {what} ({_how(change)})"


# Answering a customer's text -----------------------------------------------------------------------


def after_text_received(*, lead: Lead, message: Message) -> None:
    """Called by `receive_text` for every new text, in its transaction: keywords are recorded and
    answered; any other text may get the after-hours auto-reply."""
    from conversations.after_hours import reply_after_hours

    reading = read_text(message.body) if message.channel == "sms" else None
    if reading is None or (reading.intent == Intent.YES and consent_now(lead.customer, "sms")[0] != OPTED_OUT):
        reply_after_hours(lead=lead, message=message)
        return
    _answer_keyword(lead=lead, message=message, reading=reading)


def _answer_keyword(*, lead: Lead, message: Message, reading: Reading) -> None:
    dealership = lead.dealership
    lock_customer_matching(organization=dealership.organization)
    state = consent_now(lead.customer, "sms")[0]
    if reading.intent == Intent.HELP:
        if state != OPTED_OUT:
            _reply(lead, message, help_text(lead))
        return
    wanted = OPTED_OUT if reading.intent == Intent.OPT_OUT else OPTED_IN
    if state == wanted:  # a second STOP gets nothing: one confirmation per opt-out
        return
    source = ConsentChange.Source.LANGUAGE if reading.language else ConsentChange.Source.KEYWORD
    change = record_consent(
        customer=lead.customer,
        channel="sms",
        state=wanted,
        source=source,
        text=message.body,
        actor=None,
        lead=lead,
        message=message,
    )
    if wanted == OPTED_OUT:
        body = f"You're unsubscribed from {dealership.name} texts. Reply START to resubscribe."
    else:
        body = f"You're resubscribed to {dealership.name} texts. Reply STOP to opt out, HELP for help."
    reply = _reply(lead, message, body)
    if wanted == OPTED_OUT:
        ConsentChange.objects.filter(pk=change.pk).update(confirmation=reply)


def help_text(lead: Lead) -> str:
    """ "Riverside Toyota: text STOP to opt out. Call (512) 555-0100." from the main phone."""
    dealership = lead.dealership
    phone = dealership.main_phone or dealership.leads_phone
    call = f" Call {display(phone)}." if phone else ""
    return f"{dealership.name}: text STOP to opt out.{call}"


def _reply(lead: Lead, message: Message, body: str) -> Message:
    from conversations.actions import send_message

    # Carriers require the answers to STOP, START and HELP, whatever mode the rooftop runs in.
    return send_message(
        lead=lead, channel=message.channel, body=body, actor=None, automated=True, answering=message, required=True
    )

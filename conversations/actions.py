"""The one door for a message: every message in or out, on any channel, passes through here.

`send_message` stores an outbound message (queued) and hands it to the worker after commit;
`receive_message` stores what a customer sent, once, on the right lead. A message a person sends
is the lead's human reply (the SLA clock stops); an automated one never is.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import User
from conversations import consent
from conversations.channels import Inbound, transport
from conversations.channels.base import TrackingMode
from conversations.models import Conversation, Message
from dealerships.models import Dealership
from dealerships.modes import is_tracking, refusal
from forecourt.lib.phone import to_e164
from forecourt.lib.wake import enqueue_on_commit
from intake.door import take_in_lead
from leads import actions as lead_actions
from leads.matching import lock_customer_matching, match_customer
from leads.models import CustomerPhone, Lead
from leads.queries import leads_visible_to

TEXT_SOURCE = "Text"


def conversation_of(lead: Lead) -> Conversation:
    """The lead's thread, made with its first message."""
    conversation, _ = Conversation.objects.get_or_create(lead=lead)
    return conversation


def send_message(
    *,
    lead: Lead,
    channel: str,
    body: str,
    actor: User | None,
    media: Sequence[str] = (),
    subject: str = "",
    automated: bool = False,
    answering: Message | None = None,
    required: bool = False,
) -> Message:
    """Queue a message to the lead's customer; the worker sends it once the transaction commits.

    `actor` is the person sending it (None, or `automated`, for Forecourt's own messages). Raises
    ValueError (NoAddress among them) when the message cannot be sent, OptedOut when the customer
    revoked consent for the channel, and stores nothing then. Forecourt's own texts wait for the
    end of the customer's quiet hours (held). `answering` is the customer's message an automated
    one answers (a STOP's confirmation, HELP, the after-hours reply): it goes back to the number
    that sent it, from the number it was sent to. A rooftop in lead tracking mode sends nothing
    (TrackingMode) but what the law and the carriers `required` (the answers to STOP and HELP).
    """
    if is_tracking(lead.dealership) and not required:
        raise TrackingMode(refusal(lead.dealership, "send customers messages"))
    body = body.strip()
    if not body and not media:
        raise ValueError("Write a message or attach a photo.")
    note = ""
    if answering is None and (instead := transport(channel).fallback(lead, automated=automated or actor is None)):
        channel, note = instead  # a chat visitor who left is answered by text or email
    carrier = transport(channel)
    sender, recipient = carrier.addresses(lead)
    carrier.check(body=body, media=media)
    if answering is not None:
        sender, recipient = answering.to_address or sender, answering.from_address or recipient
    automated = automated or actor is None
    consent.check_may_send(lead=lead, channel=channel, answering=answering)
    now = timezone.now()
    due = consent.send_at(
        lead=lead, channel=channel, number=recipient, automated=automated, answering=answering, now=now
    )
    with transaction.atomic():
        conversation = conversation_of(lead)
        message = Message.objects.create(
            conversation=conversation,
            channel=channel,
            direction=Message.Direction.OUT,
            status=Message.Status.QUEUED if due <= now else Message.Status.HELD,
            subject=subject.strip(),
            body=body,
            media=list(media),
            from_address=sender,
            to_address=recipient,
            sent_by=None if automated else actor,
            automated=automated,
            note=note,
            created_at=now,
            due_at=due,
        )
        Conversation.objects.filter(pk=conversation.pk).update(last_message_at=now)
        carrier.prepared(message, actor=actor)
        if not message.automated:
            lead_actions.record_human_reply(lead=lead, at=now, actor=actor, channel=channel)
        _wake_sender(message)
    return message


def _wake_sender(message: Message) -> None:
    from conversations.tasks import send_message_task

    enqueue_on_commit(send_message_task, message.pk)


def receive_message(*, lead: Lead, channel: str, inbound: Inbound) -> tuple[Message, bool]:
    """Store what the customer sent on `lead`'s thread, once per provider id; True if it is new.

    A webhook delivered twice, even at the same instant, stores one message: the second finds the
    first (or loses on the unique provider id and then finds it).
    """
    existing = Message.objects.filter(channel=channel, provider_id=inbound.provider_id).first()
    if existing is not None:
        return existing, False
    now = timezone.now()
    try:
        with transaction.atomic():
            conversation = conversation_of(lead)
            message = Message.objects.create(
                conversation=conversation,
                channel=channel,
                direction=Message.Direction.IN,
                status=Message.Status.RECEIVED,
                subject=inbound.subject,
                body=inbound.body,
                media=list(inbound.media),
                from_address=inbound.from_address,
                to_address=inbound.to_address,
                provider_id=inbound.provider_id,
                created_at=now,
            )
            Conversation.objects.filter(pk=conversation.pk).update(last_message_at=now)
    except IntegrityError:
        return Message.objects.get(channel=channel, provider_id=inbound.provider_id), False
    return message, True


def lead_for_number(
    *,
    dealership: Dealership,
    number: str,
    first_name: str = "",
    last_name: str = "",
    actor: User | None = None,
    assigned_to: User | None = None,
) -> tuple[Lead, bool]:
    """The open lead at `dealership` of the customer with this phone number (E.164), or a new lead
    through the one door (source Text; named "Unknown" when no name is known); True when new.

    Under the organisation's matching lock, so two texts from one new number at once make one
    customer and one lead. Call it inside a transaction.
    """
    organization = dealership.organization
    phones = [{"number": number, "type": CustomerPhone.Type.CELLPHONE}]
    lock_customer_matching(organization=organization)
    customer = match_customer(organization=organization, data={"phones": phones}, country=dealership.country)
    if customer is not None:
        lead = (
            Lead.objects.filter(customer=customer, dealership=dealership, status__in=Lead.OPEN_STATUSES)
            .order_by("-received_at", "-id")
            .first()
        )
        if lead is not None:
            return lead, False
    lead = take_in_lead(
        dealership=dealership,
        customer={"first_name": first_name.strip(), "last_name": last_name.strip(), "phones": phones},
        existing_customer=customer,
        source_name=TEXT_SOURCE,
        source_kind=Lead.SourceKind.TEXT,
        actor=actor,
        assigned_to=assigned_to,
        assign_reason=f"{assigned_to.name} invited the customer by text" if assigned_to else "",
    )
    return lead, True


def invite_customer(
    *, dealership: Dealership, phone: str, body: str, actor: User, first_name: str = "", last_name: str = ""
) -> tuple[Lead, Message]:
    """Invite customer: a text to any number, on that customer's open lead at the dealership, or
    on a new lead (source Text) that is the inviting salesperson's, or distributed when a manager
    invites. ValueError (nothing stored) for a number that is not one or a text that cannot go."""
    number = to_e164(phone, dealership.country)
    if number is None:
        raise ValueError("This is not a phone number.")
    if not body.strip():
        raise ValueError("Write a message.")
    membership = actor.memberships.filter(dealership=dealership).first()
    if membership is None:
        raise ValueError(f"{actor.name} does not work at {dealership.name}.")
    selling = not membership.is_manager and membership.can_be_assigned
    with transaction.atomic():
        lead, new = lead_for_number(
            dealership=dealership,
            number=number,
            first_name=first_name,
            last_name=last_name,
            actor=actor,
            assigned_to=actor if selling else None,
        )
        if not new and not leads_visible_to(actor).filter(pk=lead.pk).exists():
            # Another salesperson's customer: texting them behind their back is not an invitation.
            owner = f"assigned to {lead.assigned_to.name}" if lead.assigned_to else "not assigned yet"
            raise ValueError(
                f"This number belongs to a customer whose open lead at {dealership.name} is {owner}; ask a manager."
            )
        message = send_message(lead=lead, channel="sms", body=body, actor=actor)
    return lead, message

"""The demo's conversations: texts in and out on some of the demo's open leads, and a customer who
texts a dealership out of the blue on a Sunday and gets its after-hours reply.

Everything goes through `conversations.actions` and `conversations.inbound` with the one clock
set to each moment, as the rest of the demo does. Nothing reaches a provider: the demo's texts are
handed to a stand-in sender that only records them, whatever SMS_PROVIDER says.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import django.utils.timezone
from django.db.models import Max

from conversations.actions import send_message
from conversations.inbound import receive_text
from conversations.models import Message
from conversations.tasks import MESSAGES
from dealerships.models import Dealership
from forecourt.lib.outbox import DeliveryError
from leads.models import Activity, Lead

# (who speaks, words): "in" is the customer, "out" the lead's salesperson; {first} and {vehicle}
# are filled in from the lead. The last outbound text of a thread marked "fails" is not delivered.
THREADS: list[list[tuple[str, str]]] = [
    [
        ("in", "Hi, is the {vehicle} still available?"),
        ("out", "Hi {first}, yes it is! Would you like to come see it this week?"),
        ("in", "Maybe Thursday after work, around 6?"),
        ("out", "Thursday at 6 works. I'll have it pulled up front for you."),
    ],
    [
        ("out", "Hi {first}, thanks for your enquiry about the {vehicle}. When is a good time to talk?"),
        ("in", "Can you text me the out-the-door price first?"),
        ("out", "Sure, I'm putting the numbers together now and will send them within the hour."),
    ],
    [
        ("out", "Hi {first}, just checking in: are you still shopping for a {vehicle}?"),
    ],
]
FAILED_REASON = "30006: the number cannot receive texts (landline or unreachable carrier)"
STRANGER = "Hi, do you have any hybrids in stock? What are your hours tomorrow?"


@contextmanager
def _clock(at: datetime) -> Iterator[None]:
    real = django.utils.timezone.now
    django.utils.timezone.now = lambda: at
    try:
        yield
    finally:
        django.utils.timezone.now = real


def _record(message: Message) -> dict[str, str]:
    """The demo's stand-in provider: records the text as handed over, sends nothing."""
    return {"provider_id": f"demo-{message.key}"}


def _refuse(message: Message) -> dict[str, str]:
    raise DeliveryError(FAILED_REASON, permanent=True)


def add_conversations(rng: random.Random, dealerships: list[Dealership], now: datetime) -> int:
    """Threads on a few open leads of each dealership and one text from a stranger; how many texts
    the dealerships' threads hold then (Forecourt's own answers to them included)."""
    for dealership in dealerships:
        leads = list(
            Lead.objects.filter(dealership=dealership, status__in=Lead.OPEN_STATUSES, assigned_to__isnull=False)
            .select_related("customer", "assigned_to", "dealership")
            .order_by("received_at", "id")
        )
        for number, (lead, thread) in enumerate(zip(leads[-len(THREADS) :], THREADS, strict=False)):
            _thread(rng, lead, thread, now, fails=number == len(THREADS) - 1)
        _stranger(rng, dealership, now)
    return Message.objects.filter(conversation__lead__dealership__in=dealerships).count()


def _stepper(rng: random.Random, start: datetime, now: datetime, dealership: Dealership) -> Callable[[], datetime]:
    """Moments a few minutes apart after `start`, moved into opening hours, never after now."""
    calendar = dealership.calendar()
    moment = [start]

    def step() -> datetime:
        at = moment[0] + timedelta(minutes=rng.randrange(2, 25), seconds=rng.randrange(0, 60))
        if not calendar.is_open(at):
            at = calendar.next_opening(at) + timedelta(minutes=rng.randrange(1, 20))
        moment[0] = min(at, now - timedelta(seconds=30))
        return moment[0]

    return step


def _thread(rng: random.Random, lead: Lead, thread: list[tuple[str, str]], now: datetime, *, fails: bool) -> None:
    seller = lead.assigned_to
    assert seller is not None
    vehicle = lead.preferred_vehicle
    words = {"first": lead.customer.first_name or "there", "vehicle": vehicle.model if vehicle else "car"}
    started = Activity.objects.filter(lead=lead).aggregate(last=Max("at"))["last"] or lead.received_at
    step = _stepper(rng, started, now, lead.dealership)
    customer = lead.customer.phones.exclude(number=None).values_list("number", flat=True).first()
    for index, (direction, text) in enumerate(thread):
        body = text.format(**words)
        at = step()
        with _clock(at):
            if direction == "in":
                receive_text(
                    to_number=lead.dealership.leads_phone,
                    from_number=customer or "",
                    body=body,
                    provider_id=f"demo-{lead.pk}-{index}",
                )
                continue
            message = send_message(lead=lead, channel="sms", body=body, actor=seller)
        _deliver(message, at, rng, fails=fails and index == len(thread) - 1)


def _deliver(message: Message, at: datetime, rng: random.Random, *, fails: bool = False) -> None:
    """Hand the text to the stand-in provider a moment later; the carrier's receipt follows."""
    with _clock(at + timedelta(seconds=2)):
        MESSAGES.deliver(message.pk, send=_refuse if fails else _record)
    if not fails:
        delivered = at + timedelta(seconds=rng.randrange(4, 20))
        Message.objects.filter(pk=message.pk, status=Message.Status.SENT).update(
            status=Message.Status.DELIVERED, delivered_at=delivered
        )


def _stranger(rng: random.Random, dealership: Dealership, now: datetime) -> None:
    """Someone texts the leads number on the last Sunday morning (closed): a new lead, source Text,
    through the one door, answered by the after-hours text; its salesperson replies on Monday."""
    zone = ZoneInfo(dealership.timezone)
    local = django.utils.timezone.localtime(now - timedelta(days=2), zone)
    sunday = (local - timedelta(days=(local.weekday() + 1) % 7)).replace(hour=10, minute=rng.randrange(5, 50))
    number = f"+1{dealership.leads_phone[2:5]}5550199"
    with _clock(sunday):
        received = receive_text(
            to_number=dealership.leads_phone, from_number=number, body=STRANGER, provider_id=f"demo-{dealership.slug}"
        )
    lead = received.lead
    already = Message.objects.filter(conversation__lead=lead, direction=Message.Direction.OUT, automated=True)
    if dealership.after_hours_sms and not already.exists():
        at = sunday + timedelta(seconds=3)
        with _clock(at):
            reply = send_message(lead=lead, channel="sms", body=dealership.after_hours_sms, actor=None, automated=True)
        _deliver(reply, at, rng)
    lead.refresh_from_db()
    if lead.assigned_to is not None:
        at = _stepper(rng, sunday, now, dealership)()
        with _clock(at):
            answer = send_message(
                lead=lead,
                channel="sms",
                body=f"Good morning! This is {lead.assigned_to.name.split()[0]} at {dealership.name}. "
                "Yes, we have several hybrids; we're open until 7 tonight. What are you looking for?",
                actor=lead.assigned_to,
            )
        _deliver(answer, at, rng)

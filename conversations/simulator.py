"""The customer simulator: with the console SMS provider on, an admin texts their dealership as a
customer would, and reads the customer's side of the conversation, so a fresh install shows a
living conversation without a Twilio account. Everything goes through `conversations.inbound`,
exactly as a real text from Twilio's webhook does."""

from __future__ import annotations

import random
import uuid

from django.conf import settings
from django.db.models import Q, QuerySet

from accounts.models import User
from accounts.queries import dealerships_administered_by, is_admin_anywhere
from conversations.channels.sms import dealership_number as texting_number
from conversations.inbound import Received, receive_text
from conversations.models import Message
from dealerships.models import Dealership
from leads.models import CustomerPhone


def simulator_on(user: User) -> bool:
    """Whether `user` may use the simulator: an admin, while texts are only recorded (console)."""
    return settings.SMS_PROVIDER == "console" and is_admin_anywhere(user)


def simulated_dealerships(user: User) -> list[Dealership]:
    """The dealerships an admin may text as a customer: theirs, when they have a number to text."""
    return [d for d in dealerships_administered_by(user).order_by("name") if texting_number(d)]


def made_up_number(dealership: Dealership, rng: random.Random | None = None) -> str:
    """A real-looking number no customer of the organisation has: the dealership's area code and
    one of the 555-01xx numbers set aside for fiction."""
    rng = rng or random.Random()
    own = texting_number(dealership)
    area = own[2:5] if own.startswith("+1") else "512"
    taken = set(
        CustomerPhone.objects.filter(
            customer__organization_id=dealership.organization_id, number__startswith=f"+1{area}55501"
        ).values_list("number", flat=True)
    )
    endings = list(range(100))
    rng.shuffle(endings)
    for ending in endings:
        number = f"+1{area}55501{ending:02d}"
        if number not in taken and number != own:
            return number
    return f"+1{area}5550199"


def text_as_customer(*, dealership: Dealership, from_number: str, body: str) -> Received:
    """Hand the text to `receive_text` as the webhook would, with a made-up provider id."""
    return receive_text(
        to_number=texting_number(dealership),
        from_number=from_number,
        body=body,
        provider_id=f"simulated-{uuid.uuid4().hex}",
    )


def thread_of_number(dealership: Dealership, number: str) -> QuerySet[Message]:
    """Every text between `number` and the dealership, oldest first, as the customer's phone shows them."""
    return (
        Message.objects.filter(conversation__lead__dealership=dealership, channel="sms")
        .filter(Q(from_address=number) | Q(to_address=number))
        .order_by("created_at", "id")
    )

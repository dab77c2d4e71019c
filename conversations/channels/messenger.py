"""Facebook Messenger, on the dealership's Facebook page (docs/conversations.md, Messenger).

A customer's address is their page-scoped id (PSID), kept in `messenger.models.MessengerContact`
when they first write. Meta signs every webhook with `X-Hub-Signature-256`: "sha256=" and the
HMAC-SHA256 of the raw body under MESSENGER_APP_SECRET (Meta has no Python library for it, so
the standard library checks it, in constant time). Replies go through the Send API.

Meta lets a page answer a person only within 24 hours of that person's last message (the standard
messaging window). Past it, Forecourt refuses the message before it is queued and says so, rather
than sending it with the HUMAN_AGENT tag: that tag needs a permission Meta grants each app after a
review, which a dealership's app may not have, and it only stretches the window to 7 days.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone

from conversations.channels.base import CannotSend, Inbound, NoAddress, Transport
from conversations.models import Message
from forecourt.lib.http import HttpError
from forecourt.lib.outbox import DeliveryError
from leads.models import Lead
from messenger import graph, payload
from messenger.models import MessengerContact

WINDOW = timedelta(hours=24)
MAX_TEXT = 2000  # the Send API refuses a longer text
SIGNATURE_HEADER = "X-Hub-Signature-256"


class WindowClosed(CannotSend):
    """The customer last wrote more than 24 hours ago: Meta no longer lets the page answer."""

    code = "messenger_window_closed"


def signature_of(body: bytes, secret: str) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def contact_of(lead: Lead) -> MessengerContact | None:
    """The customer's most recent contact on the dealership's page now connected, if any."""
    page = lead.dealership.messenger_page_id
    if not page:
        return None
    contacts = MessengerContact.objects.filter(customer=lead.customer, page_id=page)
    return contacts.order_by("-last_message_at", "-id").first()


class MessengerTransport(Transport):
    name = "messenger"

    def addresses(self, lead: Lead) -> tuple[str, str]:
        dealership = lead.dealership
        if not (dealership.messenger_page_id and dealership.messenger_page_token):
            raise NoAddress(
                f"{dealership.name} has no Facebook page connected (dealership settings, Facebook Messenger)."
            )
        contact = contact_of(lead)
        if contact is None:
            raise NoAddress(f"{lead.customer.display_name} has not written to {dealership.name} on Messenger.")
        last = contact.last_message_at
        if last is None or timezone.now() - last > WINDOW:
            raise WindowClosed(
                f"{lead.customer.display_name} last wrote on Messenger more than 24 hours ago; Meta lets the "
                "page answer only within 24 hours of the customer's last message. Text, call or email them instead."
            )
        return dealership.messenger_page_id, contact.psid

    def check(self, *, body: str, media: Sequence[str]) -> None:
        if media:
            raise ValueError("Photos cannot be sent on Messenger from Forecourt yet; send them by text.")
        if len(body) > MAX_TEXT:
            raise ValueError(f"A Messenger message holds at most {MAX_TEXT:,} characters (this one has {len(body):,}).")

    def send(self, message: Message) -> dict[str, Any]:
        if message.media:
            raise DeliveryError("Photos cannot be sent on Messenger from Forecourt yet.", permanent=True)
        token = message.conversation.lead.dealership.messenger_page_token
        if not token:
            raise DeliveryError("The dealership's Facebook page has no page token (settings).", permanent=True)
        try:
            mid = graph.send_text(page_token=token, psid=message.to_address, text=message.body, key=str(message.key))
        except HttpError as exc:
            raise DeliveryError(f"Messenger: {exc}", permanent=exc.permanent) from exc
        return {"provider_id": mid[:100]}

    def verify(self, request: HttpRequest) -> bool:
        secret = settings.MESSENGER_APP_SECRET
        given = request.headers.get(SIGNATURE_HEADER, "")
        if not (secret and given):
            return False
        return hmac.compare_digest(given.encode(), signature_of(request.body, secret).encode())

    def parse(self, request: HttpRequest) -> list[Inbound]:
        return [
            Inbound(provider_id=e.mid, from_address=e.psid, to_address=e.page_id, body=e.text, media=e.attachments)
            for e in payload.events(payload.load(request.body))
            if e.kind == "message" and e.mid
        ]

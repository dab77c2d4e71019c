"""Live chat on the dealership's website (the `chat` app): the visitor's widget is the provider.

An answer is stored like any message and the widget fetches it on its next poll (every few
seconds), which marks it delivered; there is no one else to hand it to. A visitor who has left the
chat (no poll for CHAT_AWAY_MINUTES) is answered by text, else by email, when they left a number or
an address and consent allows (`fallback`); the message then says where it went.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.http import HttpRequest

from conversations.channels.base import Inbound, NoAddress, Transport

if TYPE_CHECKING:
    from conversations.models import Message
    from leads.models import Lead

# The channels a left visitor is answered on, in this order, as the thread words them.
FALLBACKS = (("sms", "text"), ("email", "email"))


class ChatTransport(Transport):
    name = "chat"

    def addresses(self, lead: Lead) -> tuple[str, str]:
        from chat.actions import address_of, latest_visitor

        visitor = latest_visitor(lead)
        if visitor is None:
            raise NoAddress(f"{lead.customer.display_name} has not chatted on {lead.dealership.name}'s website.")
        return visitor.origin, address_of(visitor)

    def send(self, message: Message) -> dict[str, Any]:
        # Waiting in the thread is all sending is: the widget picks it up (and marks it delivered).
        return {}

    def fallback(self, lead: Lead, *, automated: bool) -> tuple[str, str] | None:
        """(channel, note) to answer a visitor who left the chat on; None to keep to the chat (the
        visitor is there, the message is Forecourt's own, or nothing else may reach them: the
        visitor then sees it when they come back)."""
        from chat.actions import is_present, latest_visitor
        from conversations.channels import CHANNELS
        from conversations.consent import check_may_send

        visitor = latest_visitor(lead)
        if automated or visitor is None or is_present(visitor):
            return None
        for channel, word in FALLBACKS:
            if channel not in CHANNELS:
                continue
            try:
                check_may_send(lead=lead, channel=channel)
                _, to = CHANNELS[channel].addresses(lead)
            except ValueError:
                continue
            return channel, f"{visitor.name} had left the chat, so this went by {word} to {to}."
        return None

    def verify(self, request: HttpRequest) -> bool:
        return False  # the widget posts to the chat app's own endpoints, never to a webhook

    def parse(self, request: HttpRequest) -> list[Inbound]:
        raise ValueError("Chat messages come in through the chat widget's endpoints.")

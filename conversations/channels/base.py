"""What every channel does: the base class, what a webhook brought in, and the error of a customer
who cannot be reached on a channel."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.http import HttpRequest

if TYPE_CHECKING:
    from accounts.models import User
    from conversations.models import Message
    from leads.models import Lead


class CannotSend(ValueError):
    """A message that must not or cannot go; `code` names why for the API (409 with that code)."""

    code = "cannot_send"


class TrackingMode(CannotSend):
    """The lead's rooftop runs in lead tracking mode: Forecourt speaks to no customer for it."""

    code = "tracking_mode"


class NoAddress(CannotSend):
    """The customer cannot be reached on this channel (no mobile number, no email, …)."""

    code = "no_address"


@dataclass(frozen=True)
class Inbound:
    """One message a provider brought in, as the channel read it from the webhook."""

    provider_id: str
    from_address: str
    to_address: str
    body: str = ""
    subject: str = ""
    media: list[str] = field(default_factory=list)
    sender_name: str = ""


class Transport:
    """What every channel does; each channel module subclasses it once."""

    name = ""

    def addresses(self, lead: Lead) -> tuple[str, str]:
        """(from, to) for a new message to the lead's customer; NoAddress if there is none."""
        raise NotImplementedError

    def fallback(self, lead: Lead, *, automated: bool) -> tuple[str, str] | None:
        """(another channel, why) when this channel cannot reach the customer now but that one can
        (a chat visitor who left is answered by text); None to send on this channel."""
        return None

    def check(self, *, body: str, media: Sequence[str]) -> None:
        """ValueError, in words, for a message this channel cannot carry (before anything is stored)."""

    def prepared(self, message: Message, *, actor: User | None) -> None:
        """Called once a new outbound message is stored, in the same transaction: a channel keeps
        what it needs to send it later (email: the mail it answers, the sender's copy)."""

    def send(self, message: Message) -> dict[str, Any]:
        """Hand one stored message to the provider, outside any transaction; returns the fields
        to record (at least `provider_id`) or raises forecourt.lib.outbox.DeliveryError."""
        raise NotImplementedError

    def verify(self, request: HttpRequest) -> bool:
        """True if the webhook request carries the provider's valid signature."""
        raise NotImplementedError

    def parse(self, request: HttpRequest) -> list[Inbound]:
        """The messages a verified webhook request brought (ValueError if it is not readable)."""
        raise NotImplementedError

"""The channels a conversation runs on: one module per channel, one base class, one registry dict.

Every message in or out passes through `conversations.actions` (`send_message`,
`receive_message`); a channel only knows its provider: how to address a lead's customer, how to
send one stored message (`send`), how to check that a webhook really came from the provider
(`verify`) and how to read what it brought (`parse`).
"""

from __future__ import annotations

from conversations.channels.base import CannotSend, Inbound, NoAddress, Transport
from conversations.channels.chat import ChatTransport
from conversations.channels.email import EmailTransport
from conversations.channels.messenger import MessengerTransport
from conversations.channels.sms import SmsTransport

CHANNELS: dict[str, Transport] = {
    "sms": SmsTransport(),
    "email": EmailTransport(),
    "messenger": MessengerTransport(),
    "chat": ChatTransport(),
}


def transport(channel: str) -> Transport:
    """The transport of `channel`; ValueError for a channel Forecourt cannot use."""
    try:
        return CHANNELS[channel]
    except KeyError:
        raise ValueError(f"Forecourt cannot send on {channel!r}.") from None


__all__ = ["CHANNELS", "CannotSend", "Inbound", "NoAddress", "Transport", "transport"]

"""Sending customer messages: the worker's side of `conversations.actions.send_message`, through the
one outbox (forecourt.lib.outbox)."""

from __future__ import annotations

from typing import Any

from django.tasks import task

from conversations.channels import transport
from conversations.models import Message
from forecourt.lib.outbox import Outbox


def _send(message: Message) -> dict[str, Any]:
    return transport(message.channel).send(message)


MESSAGES = Outbox(
    model=Message,
    waiting=Message.Status.QUEUED,
    sent=Message.Status.SENT,
    failed=Message.Status.FAILED,
    send=_send,
)


@task()
def send_message_task(message_id: int) -> None:
    MESSAGES.deliver(message_id)


def sweep_messages() -> int:
    """Send every due customer message nobody holds."""
    return MESSAGES.sweep()

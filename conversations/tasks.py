"""Sending customer messages: the worker's side of `conversations.actions.send_message`, through the
one outbox (forecourt.lib.outbox)."""

from __future__ import annotations

from typing import Any

from django.tasks import task

from conversations import consent
from conversations.channels import transport
from conversations.models import Message
from forecourt.lib.outbox import Outbox


def _send(message: Message) -> dict[str, Any]:
    # Queued before the customer opted out, or an after-hours reply the opening made needless.
    consent.check_before_sending(message)
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
    """Release held messages whose quiet hours are over, then send every due customer message nobody holds."""
    return consent.release_held_messages() + MESSAGES.sweep()

"""Writes of the notifications app: queueing emails for the worker."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import transaction

from notifications.models import OutboundEmail


def queue_email(
    *, to: list[str], subject: str, body: str, purpose: str, html: str = "", reply_to: str = ""
) -> OutboundEmail:
    """Store an email and hand it to the worker once the surrounding transaction commits."""
    from notifications.tasks import send_email

    domain = settings.RELAY_DOMAIN
    email = OutboundEmail.objects.create(
        to=to,
        subject=subject,
        body=body,
        html=html,
        reply_to=reply_to,
        purpose=purpose,
        message_id=f"<{uuid.uuid4().hex}@{domain}>",
    )
    transaction.on_commit(lambda: send_email.enqueue(email.pk))
    return email

"""A lead's conversation with its customer: every message in or out, on every channel, in one thread."""

from __future__ import annotations

import secrets
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from forecourt.lib.jobs import LeasedJob
from leads.models import Lead


class Channel(models.TextChoices):
    """The ways a message reaches or leaves a customer; each has a module in `conversations.channels`."""

    SMS = "sms", "Text"
    EMAIL = "email", "Email"
    MESSENGER = "messenger", "Messenger"
    CHAT = "chat", "Chat"


class Conversation(models.Model):
    """The thread of one lead: made with its first message, in or out."""

    lead = models.OneToOneField(Lead, on_delete=models.CASCADE, related_name="conversation")
    created_at = models.DateTimeField(default=timezone.now)
    last_message_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"conversation of lead {self.lead_id}"


class Message(LeasedJob):
    """One message in a conversation. An outbound one is saved (queued) before any provider is
    called and sent by the worker (see conversations.tasks); an inbound one is saved as it arrives.

    Why a message failed, in the provider's words, is its `last_error`. `provider_id` is the provider's id for it (Twilio's MessageSid, Messenger's mid), unique per
    channel, so a webhook delivered twice stores the message once. `key` goes with every attempt
    to send it, so a retry can be recognised as the same message and never reaches the customer twice.
    """

    class Direction(models.TextChoices):
        IN = "in", "Received"
        OUT = "out", "Sent"

    class Status(models.TextChoices):
        RECEIVED = "received", "Received"
        QUEUED = "queued", "Queued"
        HELD = "held", "Held until quiet hours end"
        SENT = "sent", "Sent"
        DELIVERED = "delivered", "Delivered"
        FAILED = "failed", "Failed"
        UNDELIVERED = "undelivered", "Undelivered"

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="messages")
    channel = models.CharField(max_length=12, choices=Channel.choices)
    direction = models.CharField(max_length=3, choices=Direction.choices)
    status = models.CharField(max_length=12, choices=Status.choices)
    subject = models.CharField(max_length=300, blank=True)
    body = models.TextField(blank=True)
    media = models.JSONField(default=list, blank=True, help_text="URLs of the photos it carries.")
    from_address = models.CharField(max_length=254, blank=True, help_text="E.164, an email address or a page id.")
    to_address = models.CharField(max_length=254, blank=True)
    provider_id = models.CharField(max_length=100, blank=True)
    key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    sent_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    automated = models.BooleanField(default=False, help_text="Sent by Forecourt itself (auto-reply, automation).")
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "provider_id"], condition=~Q(provider_id=""), name="message_once_per_provider_id"
            )
        ]
        indexes = [
            models.Index(fields=["status", "due_at"], name="message_pending_due"),
            models.Index(fields=["conversation", "created_at"], name="message_thread"),
        ]

    def __str__(self) -> str:
        return f"{self.channel} {self.direction}: {self.body[:40]}"

    @property
    def lead(self) -> Lead:
        return self.conversation.lead


class WebhookCall(LeasedJob):
    """One request a provider made to a webhook, kept exactly as it came (its form fields) before
    anything reads it, then worked on by the worker (see conversations.webhook_calls).

    A call whose work cannot be done yet (a photo the provider would not hand over) waits again
    with back-off; one that makes nothing (an unknown number, a second delivery) is `ignored`
    with the reason, and one that cannot be read is `failed` with it. None is ever deleted.
    """

    class Status(models.TextChoices):
        RECEIVED = "received", "Received, not processed yet"
        PROCESSED = "processed", "Processed"
        IGNORED = "ignored", "Nothing to do"
        FAILED = "failed", "Failed"

    class Kind(models.TextChoices):
        TEXT = "text", "Text or photo from a customer"
        STATUS = "status", "Delivery status"

    provider = models.CharField(max_length=20, default="twilio")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    path = models.CharField(max_length=200)
    form = models.JSONField(default=dict, help_text="The form fields as sent: each name with its values.")
    provider_id = models.CharField(max_length=100, blank=True, db_index=True, help_text="Twilio's MessageSid.")
    received_at = models.DateTimeField(default=timezone.now)
    processed_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RECEIVED)
    reason = models.TextField(blank=True)
    message = models.ForeignKey(Message, null=True, blank=True, on_delete=models.SET_NULL, related_name="webhook_calls")

    class Meta:
        ordering = ["received_at", "id"]
        indexes = [models.Index(fields=["status", "due_at"], name="webhook_call_pending_due")]

    def __str__(self) -> str:
        return f"{self.provider} {self.kind} {self.provider_id or self.pk}: {self.status}"

    def field(self, name: str) -> str:
        """The first value of form field `name`, "" when it was not sent."""
        values = self.form.get(name) or [""]
        return str(values[0])


def _media_token() -> str:
    return secrets.token_urlsafe(24)


class MessageMedia(models.Model):
    """Forecourt's copy of a photo (or other file) a customer sent by MMS: fetched from the
    provider once, kept here, served at an unguessable URL to the staff who may see the lead."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="media_files")
    position = models.PositiveSmallIntegerField(help_text="Its place among the message's media (MediaUrl0 is 0).")
    source_url = models.URLField(max_length=1000, help_text="Where the provider keeps it.")
    token = models.CharField(max_length=64, unique=True, default=_media_token, editable=False)
    content = models.BinaryField(null=True, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    size = models.PositiveIntegerField(default=0)
    fetched_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True, help_text="Why it could not be fetched, in the last attempt.")

    class Meta:
        ordering = ["message", "position"]
        constraints = [models.UniqueConstraint(fields=["message", "position"], name="message_media_once")]

    def __str__(self) -> str:
        return f"media {self.position} of message {self.message_id}"

    @property
    def url(self) -> str:
        return reverse("message-media", args=[self.token])

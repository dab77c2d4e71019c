"""A lead's conversation with its customer: every message in or out, on every channel, in one thread."""

from __future__ import annotations

import secrets
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
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


class MessageTemplate(models.Model):
    """A dealership's ready-made text with merge fields (`conversations.templates`), picked in the
    composer and filled in for the lead. The default one is what the alert email's reply sends."""

    dealership = models.ForeignKey("dealerships.Dealership", on_delete=models.CASCADE, related_name="message_templates")
    name = models.CharField(max_length=80)
    body = models.TextField(max_length=1000)
    is_default = models.BooleanField(default=False, help_text="The template the alert email's reply sends.")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["dealership", "name"], name="message_template_name_once"),
            models.UniqueConstraint(
                fields=["dealership"], condition=Q(is_default=True), name="message_template_one_default"
            ),
        ]

    def __str__(self) -> str:
        return self.name


def photo_token() -> str:
    return secrets.token_urlsafe(24)


class Photo(models.Model):
    """A photo a salesperson uploaded to text a customer, kept by Forecourt in the database (so any
    web process can serve it) and served at `/m/<token>` without a login: the provider fetches MMS
    media by URL, so the unguessable token is the only key (docs/conversations.md)."""

    dealership = models.ForeignKey("dealerships.Dealership", on_delete=models.CASCADE, related_name="+")
    token = models.CharField(max_length=64, unique=True, default=photo_token, editable=False)
    content_type = models.CharField(max_length=20)
    content = models.BinaryField()
    size = models.PositiveIntegerField()
    name = models.CharField(max_length=200, blank=True, help_text="The file's name as uploaded.")
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.name or self.token

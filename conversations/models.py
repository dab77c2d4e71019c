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
    note = models.CharField(
        max_length=300,
        blank=True,
        help_text="Where it went when not as asked: an answer to a visitor who had left the chat went by text.",
    )
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
            # What people sent, by time: the Activity report counts a day's messages through it.
            models.Index(
                fields=["created_at"],
                condition=models.Q(direction="out", automated=False, sent_by__isnull=False),
                name="message_sent_by_person",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.channel} {self.direction}: {self.body[:40]}"

    @property
    def lead(self) -> Lead:
        return self.conversation.lead


class ConsentChange(models.Model):
    """One change of a customer's consent to be messaged on a channel: the ledger TCPA asks for.

    The customer's current state on a channel is its latest row (none: unknown). A customer is
    shared by the organisation's rooftops, so an opt-out ends messages from every one of them.
    `text` keeps the words used ("STOP", "please stop texting me", a staff note); `message` is the
    customer's text that said it and `confirmation` the one reply confirming an opt-out.
    """

    class State(models.TextChoices):
        OPTED_OUT = "opted_out", "Opted out"
        OPTED_IN = "opted_in", "Opted in"

    class Source(models.TextChoices):
        KEYWORD = "keyword", "Keyword"
        LANGUAGE = "language", "In their own words"
        STAFF = "staff", "Staff"
        API = "api", "API"
        IMPORT = "import", "Import"

    customer = models.ForeignKey("leads.Customer", on_delete=models.CASCADE, related_name="consent_changes")
    channel = models.CharField(max_length=12, choices=Channel.choices)
    state = models.CharField(max_length=10, choices=State.choices)
    source = models.CharField(max_length=10, choices=Source.choices)
    text = models.TextField(blank=True)
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    lead = models.ForeignKey(Lead, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    message = models.ForeignKey(Message, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    confirmation = models.OneToOneField(
        Message, null=True, blank=True, on_delete=models.SET_NULL, related_name="confirmed_consent"
    )

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["customer", "channel", "at"], name="consent_latest")]

    def __str__(self) -> str:
        return f"customer {self.customer_id} {self.channel} {self.state} ({self.source})"


class AfterHoursReply(models.Model):
    """The after-hours auto-reply a conversation got in one closed period, named by the moment the
    dealership opens again (`closed_until`): one per conversation and period, even when two texts
    arrive at once."""

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="after_hours_replies")
    closed_until = models.DateTimeField()
    message = models.OneToOneField(Message, on_delete=models.CASCADE, related_name="after_hours")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["conversation", "closed_until"], name="after_hours_once_per_closed_period")
        ]

    def __str__(self) -> str:
        return f"after-hours reply on conversation {self.conversation_id} until {self.closed_until:%Y-%m-%d %H:%M}"


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
        MESSENGER = "messenger", "Messenger event"

    provider = models.CharField(max_length=20, default="twilio")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    path = models.CharField(max_length=200)
    form = models.JSONField(default=dict, help_text="The form fields as sent: each name with its values.")
    body = models.TextField(blank=True, help_text="The body as sent when it is not a form (Messenger's JSON).")
    provider_id = models.CharField(
        max_length=100, blank=True, db_index=True, help_text="Twilio's MessageSid, Messenger's mid."
    )
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


class Autoresponse(models.Model):
    """The autoresponder's answer to a new lead's customer on one channel (`conversations.autoresponder`):
    at most one per lead and channel, even when the lead is taken in twice at once. `message` is
    what went (queued or held); without one, `reason` says why nothing went, for staff to read."""

    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="autoresponses")
    channel = models.CharField(max_length=12, choices=Channel.choices)
    dealership = models.ForeignKey(
        "dealerships.Dealership", on_delete=models.CASCADE, related_name="+", help_text="Whose autoresponder it was."
    )
    message = models.OneToOneField(
        Message, null=True, blank=True, on_delete=models.SET_NULL, related_name="autoresponse"
    )
    reason = models.CharField(max_length=300, blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "id"]
        constraints = [models.UniqueConstraint(fields=["lead", "channel"], name="autoresponse_once_per_channel")]

    def __str__(self) -> str:
        return f"autoresponse {self.channel} to lead {self.lead_id}"

"""The email relay: each lead's reply address, what an email in the thread carried beyond its
text (its Message-ID, the quoted history folded away, its attachments), customer addresses that
bounced, and who wants a copy of the emails they send."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from conversations.models import Message
from leads.models import Customer, Lead


def new_token() -> str:
    """160 random bits, in lower-case hex: mail servers may lower-case the local part of an address."""
    return secrets.token_hex(20)


class RelayAddress(models.Model):
    """A lead's reply address, `lead-<token>@FORECOURT_RELAY_DOMAIN`: email to the customer goes
    out from it and their replies come back to it. A retired one never attaches mail to the lead
    again (it is kept on the Intake screen instead); the lead then gets a new one when next needed."""

    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="relay_addresses")
    token = models.CharField(max_length=64, unique=True, default=new_token, editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    retired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["lead"], condition=Q(retired_at__isnull=True), name="one_live_relay_per_lead"
            )
        ]

    def __str__(self) -> str:
        return self.address

    @property
    def address(self) -> str:
        return f"lead-{self.token}@{settings.RELAY_DOMAIN}"


class EmailDetails(models.Model):
    """What an email in the thread carries besides its text: its Message-ID (so a reply threads
    under it), the history it quoted (folded away on the lead page), and the raw mail it came in."""

    message = models.OneToOneField(Message, on_delete=models.CASCADE, related_name="email")
    header_id = models.CharField(max_length=300, blank=True, db_index=True, help_text="Its Message-ID header.")
    in_reply_to = models.CharField(max_length=300, blank=True)
    quoted = models.TextField(blank=True, help_text="The earlier mail the sender quoted below their words.")
    inbound = models.ForeignKey(
        "intake.InboundEmail", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    copy_to = models.CharField(max_length=254, blank=True, help_text="The sender's own address, copied (Copy me).")

    def __str__(self) -> str:
        return f"email details of message {self.message_id}: {self.header_id}"


def _attachment_token() -> str:
    return secrets.token_urlsafe(24)


class Attachment(models.Model):
    """A file an email carried (in or out): a customer's attachment, or a salesperson's voice note.
    Served at an unguessable URL to the staff who may see the lead."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="attachments")
    position = models.PositiveSmallIntegerField(default=0)
    name = models.CharField(max_length=200, blank=True)
    content_type = models.CharField(max_length=100, default="application/octet-stream")
    content = models.BinaryField()
    size = models.PositiveIntegerField(default=0)
    token = models.CharField(max_length=64, unique=True, default=_attachment_token, editable=False)

    class Meta:
        ordering = ["message", "position", "id"]

    def __str__(self) -> str:
        return self.name or f"attachment {self.pk}"

    @property
    def url(self) -> str:
        return reverse("relay-attachment", args=[self.token])

    @property
    def is_audio(self) -> bool:
        return self.content_type.startswith("audio/")

    @property
    def is_image(self) -> bool:
        return self.content_type in ("image/jpeg", "image/png", "image/gif", "image/webp")


class BouncedAddress(models.Model):
    """A customer's email address that bounced for good (a hard bounce): shown on the lead, and
    not written to again until someone clears it."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="bounced_addresses")
    email = models.CharField(max_length=254)
    reason = models.TextField(blank=True)
    at = models.DateTimeField(default=timezone.now)
    message = models.ForeignKey(Message, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["customer", "email"], name="one_bounce_per_address")]

    def __str__(self) -> str:
        return f"{self.email} bounced"


class CopyMe(models.Model):
    """A salesperson's choice to get a copy (Bcc) of every email they send a customer. No row: yes."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="relay_copy")
    copy_me = models.BooleanField(default=True)

    def __str__(self) -> str:
        return f"{self.user}: copy me {'on' if self.copy_me else 'off'}"

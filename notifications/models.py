"""Everything the system sends to staff: emails (and, later, texts and in-app alerts)."""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from forecourt.lib.jobs import LeasedJob


class OutboundEmail(LeasedJob):
    """One email to send. It is saved before any SMTP server is called, then sent by the worker.

    `message_id` is fixed when the row is made, so a retry sends the very same message.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting to send"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"

    to = models.JSONField(default=list)
    subject = models.CharField(max_length=300)
    body = models.TextField()
    html = models.TextField(blank=True)
    from_email = models.CharField(max_length=300, blank=True)
    reply_to = models.CharField(max_length=300, blank=True)
    message_id = models.CharField(max_length=200, unique=True)
    purpose = models.CharField(max_length=40, help_text="What the email is for, e.g. password_reset.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["status", "due_at"], name="email_pending_due")]

    def __str__(self) -> str:
        return f"{self.purpose} to {', '.join(self.to)}"

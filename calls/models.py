"""Phone calls with customers: click-to-call bridges a salesperson dials from the lead, and the
calls customers make to the dealership's leads number (docs/calls.md)."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from forecourt.lib.jobs import LeasedJob


def call_token() -> str:
    """An unguessable part of a webhook URL: 256 random bits."""
    return secrets.token_urlsafe(32)


class Call(LeasedJob):
    """One phone call between the dealership and a customer, in or out.

    A click-to-call is saved (queued) before any provider is called and placed by the worker
    through the one outbox (calls.tasks): first the salesperson's phone (`staff_phone`), then,
    once they pressed a key, the customer from the dealership's number. `bridge_token` is the
    URL of the next step of that bridge and is used once (a new one for each step, none after
    the customer was dialled); `status_token` names this call, and only it, in status callbacks.

    An inbound call has no lead when the caller has no open lead at the dealership; its
    `customer` then keeps the number, so a later text or lead from it finds the same customer.
    """

    class Direction(models.TextChoices):
        OUT = "out", "Outbound"
        IN = "in", "Inbound"

    class Status(models.TextChoices):
        QUEUED = "queued", "Placing the call"
        PLACED = "placed", "Ringing the salesperson"
        CONNECTING = "connecting", "Dialling the customer"
        RINGING = "ringing", "Ringing"
        TALKING = "talking", "In the call"
        ENDED = "ended", "Ended"
        FAILED = "failed", "Failed"

    class Outcome(models.TextChoices):
        ANSWERED = "answered", "Answered"
        NO_ANSWER = "no_answer", "No answer"
        BUSY = "busy", "Busy"
        FAILED = "failed", "Failed"
        VOICEMAIL = "voicemail", "Voicemail"

    dealership = models.ForeignKey("dealerships.Dealership", on_delete=models.CASCADE, related_name="calls")
    lead = models.ForeignKey("leads.Lead", null=True, blank=True, on_delete=models.CASCADE, related_name="calls")
    customer = models.ForeignKey(
        "leads.Customer", null=True, blank=True, on_delete=models.SET_NULL, related_name="calls"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="calls",
        help_text="The salesperson who placed it, or whose phone an inbound call rang.",
    )
    direction = models.CharField(max_length=3, choices=Direction.choices)
    status = models.CharField(max_length=12, choices=Status.choices)
    outcome = models.CharField(max_length=12, choices=Outcome.choices, blank=True)
    from_number = models.CharField(max_length=20, blank=True, help_text="Who called: E.164.")
    to_number = models.CharField(max_length=20, blank=True, help_text="Who was called: E.164.")
    staff_phone = models.CharField(
        max_length=40, blank=True, help_text="The salesperson's phone rung first, with pauses and extension."
    )
    answered_by = models.CharField(max_length=20, blank=True, help_text="The number that took an inbound call.")
    route = models.JSONField(default=list, blank=True, help_text="Numbers an inbound call rings, in order.")
    tried = models.PositiveSmallIntegerField(default=0, help_text="How many numbers of `route` were rung.")
    provider_id = models.CharField(max_length=64, blank=True, help_text="Twilio's CallSid of the first leg.")
    customer_leg_id = models.CharField(max_length=64, blank=True, help_text="Twilio's CallSid of the customer's leg.")
    bridge_token = models.CharField(max_length=64, null=True, blank=True, unique=True, default=call_token)
    status_token = models.CharField(max_length=64, unique=True, default=call_token, editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True, help_text="When the provider took the call.")
    answered_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    duration_seconds = models.PositiveIntegerField(null=True, blank=True, help_text="How long the customer talked.")
    recording_url = models.URLField(max_length=500, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["provider_id"], condition=~Q(provider_id=""), name="call_once_per_sid")
        ]
        indexes = [
            models.Index(fields=["status", "due_at"], name="call_pending_due"),
            models.Index(fields=["lead", "created_at"], name="call_of_lead"),
        ]

    # The conversation thread shows calls among messages and tells them apart by this.
    is_call = True

    def __str__(self) -> str:
        return f"{self.direction} call {self.pk}: {self.status} {self.outcome}".strip()

    @property
    def is_over(self) -> bool:
        return self.status in (self.Status.ENDED, self.Status.FAILED)


class CallEvent(models.Model):
    """One request Twilio made to a voice webhook, kept exactly as it came (its form fields)
    before anything reads it, with what Forecourt made of it. None is ever deleted."""

    call = models.ForeignKey(Call, null=True, blank=True, on_delete=models.SET_NULL, related_name="events")
    path = models.CharField(max_length=200)
    form = models.JSONField(default=dict, help_text="The form fields as sent: each name with its values.")
    received_at = models.DateTimeField(default=timezone.now)
    result = models.TextField(blank=True, help_text="What it did, or why it changed nothing.")

    class Meta:
        ordering = ["received_at", "id"]

    def __str__(self) -> str:
        return f"{self.path}: {self.result[:40]}"

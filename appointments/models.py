"""Appointments and other calendar events (test drive, delivery, call back), and each person's
secret calendar feed."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone

# A customer is reminded this long before the appointment (the day before).
REMINDER_BEFORE = timedelta(hours=24)


def new_feed_token() -> str:
    """256 random bits, URL-safe: the whole key to a person's calendar feed."""
    return secrets.token_urlsafe(32)


class Appointment(models.Model):
    """A time booked with a customer (on a lead) or for oneself (free-standing, no lead).

    `user` is who keeps it (the lead's salesperson by default). The customer is told when it is
    booked and reminded the day before (kinds in `CUSTOMER_KINDS`, on a lead); `reminder_sent_at`
    is written in the same transaction as the reminder's messages, so a worker killed at any
    moment reminds once or not yet, never twice.
    """

    class Kind(models.TextChoices):
        APPOINTMENT = "appointment", "Appointment"
        TEST_DRIVE = "test_drive", "Test drive"
        DELIVERY = "delivery", "Delivery"
        CALL_BACK = "call_back", "Call back"
        OTHER = "other", "Other"

    class Status(models.TextChoices):
        BOOKED = "booked", "Booked"
        KEPT = "kept", "Kept"
        NO_SHOW = "no_show", "No-show"
        CANCELLED = "cancelled", "Cancelled"

    # The customer comes in for these: they get a confirmation and a reminder.
    CUSTOMER_KINDS = (Kind.APPOINTMENT, Kind.TEST_DRIVE, Kind.DELIVERY)

    dealership = models.ForeignKey("dealerships.Dealership", on_delete=models.CASCADE, related_name="appointments")
    lead = models.ForeignKey("leads.Lead", null=True, blank=True, on_delete=models.CASCADE, related_name="appointments")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="appointments")
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.APPOINTMENT)
    title = models.CharField(max_length=200, blank=True, help_text="For a free-standing event: what it is.")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    vehicle = models.ForeignKey(
        "leads.VehicleInterest",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="appointments",
        help_text="One of the lead's vehicles (a stock unit or a search vehicle) to have ready.",
    )
    note = models.TextField(blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.BOOKED)
    outside_hours = models.BooleanField(default=False, help_text="Booked outside opening hours on purpose.")
    booked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    marked_at = models.DateTimeField(null=True, blank=True)
    marked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reminder_due_at = models.DateTimeField(null=True, blank=True)
    reminder_sent_at = models.DateTimeField(null=True, blank=True)
    customer_notice = models.CharField(
        max_length=300, blank=True, help_text="Why the customer could not be told (no mobile, opted out…)."
    )

    class Meta:
        ordering = ["starts_at", "id"]
        indexes = [
            models.Index(fields=["user", "starts_at"], name="appointment_user_start"),
            models.Index(fields=["dealership", "starts_at"], name="appointment_dealership_start"),
            models.Index(
                fields=["reminder_due_at"],
                name="appointment_reminder_due",
                condition=models.Q(reminder_sent_at__isnull=True, status="booked"),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")), name="appointment_ends_after_start"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.starts_at:%Y-%m-%d %H:%M} ({self.what})"

    @property
    def what(self) -> str:
        """What the calendar shows: the customer's name, or the event's title."""
        if self.lead is not None:
            return self.lead.customer.display_name
        return self.title or self.get_kind_display()

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.BOOKED

    def needs_marking(self, now: datetime | None = None) -> bool:
        """Started and nobody has said yet whether it was kept: it needs attention."""
        return self.is_open and self.starts_at <= (now or timezone.now())


class CalendarFeed(models.Model):
    """A person's secret `.ics` address: whoever holds the token reads their calendar, so it can
    be changed (the old address then stops working at once)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed")
    token = models.CharField(max_length=64, unique=True, default=new_feed_token)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"calendar feed of {self.user}"

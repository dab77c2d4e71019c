"""Follow-up tasks on leads, and the tasks every new lead of a category gets by default."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class Category(models.TextChoices):
    """Which default tasks a lead gets: by where it came from, or when it is sold."""

    THIRD_PARTY = "third_party", "Leads from a third-party source"
    MANUAL = "manual", "Leads entered by hand"
    SOLD = "sold", "Sold leads"


class FollowUp(models.Model):
    """A task on a lead: call back, send a quote, thank for the purchase.

    `assignee` None means "whoever works the lead", so a reassigned lead takes its tasks along.
    Completing one needs a comment; an open one past its due time is a resubmission, chased
    by the escalation timers (escalations.Timer).
    """

    lead = models.ForeignKey("leads.Lead", on_delete=models.CASCADE, related_name="followups")
    title = models.CharField(max_length=200)
    due_at = models.DateTimeField()
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="followups"
    )
    category = models.CharField(max_length=12, choices=Category.choices, blank=True, help_text="Default it came from.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    completed_at = models.DateTimeField(null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    comment = models.TextField(blank=True)

    class Meta:
        ordering = ["due_at", "id"]
        indexes = [models.Index(fields=["due_at"], name="followup_open_due", condition=Q(completed_at__isnull=True))]

    def __str__(self) -> str:
        return f"{self.title} (lead {self.lead_id})"

    @property
    def is_done(self) -> bool:
        return self.completed_at is not None

    def is_overdue(self, now: datetime | None = None) -> bool:
        return self.completed_at is None and self.due_at <= (now or timezone.now())


class DefaultTask(models.Model):
    """A task every lead of `category` at the dealership gets, due `due_after_hours` later."""

    dealership = models.ForeignKey("dealerships.Dealership", on_delete=models.CASCADE, related_name="default_tasks")
    category = models.CharField(max_length=12, choices=Category.choices)
    title = models.CharField(max_length=200)
    due_after_hours = models.PositiveIntegerField(default=24)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["category", "position", "id"]

    def __str__(self) -> str:
        return f"{self.title} (+{self.due_after_hours} h, {self.category})"


class DefaultTasksSeeded(models.Model):
    """Marks a dealership whose default tasks were set up, so removing them all keeps them removed."""

    dealership = models.OneToOneField(
        "dealerships.Dealership", on_delete=models.CASCADE, related_name="+", primary_key=True
    )
    at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"default tasks of {self.dealership_id} set up {self.at:%Y-%m-%d}"

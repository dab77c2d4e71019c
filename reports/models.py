"""What the reports add up: each lead's first human reply, measured once when it is recorded."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class ReplyTime(models.Model):
    """How long a lead waited for its first human reply, in the dealership's working minutes and in
    clock minutes (see `reports.working_time` for the exact rule).

    Written when the first reply is recorded (`leads.signals.human_replied`) and by the
    `backfill_reply_times` command for leads answered before reports existed, so that a report is
    an aggregate over rows, not a walk through the business calendar per lead. A lead with no row
    and no `first_response_at` was never answered.
    """

    lead = models.OneToOneField("leads.Lead", on_delete=models.CASCADE, primary_key=True, related_name="reply_time")
    working_minutes = models.FloatField()
    clock_minutes = models.FloatField()

    class Meta:
        # A report reads each of its leads' minutes by lead: from this index alone, not the table.
        indexes = [models.Index(fields=["lead", "working_minutes", "clock_minutes"], name="replytime_minutes")]

    def __str__(self) -> str:
        return f"lead {self.lead_id}: {self.working_minutes:.1f} working minutes"


class WeeklySummary(models.Model):
    """A manager's choice to receive the weekly summary email (opt-in: no row, no email)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="weekly_summary"
    )
    subscribed_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"weekly summary for {self.user}"


class WeeklySummarySent(models.Model):
    """The summary of one week made for one user: the unique row that keeps it to once a week."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    week = models.DateField(help_text="The Monday of the week summarised.")
    email = models.ForeignKey("notifications.OutboundEmail", null=True, on_delete=models.SET_NULL, related_name="+")
    made_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "week"], name="one_weekly_summary_per_week")]

    def __str__(self) -> str:
        return f"summary of the week of {self.week} for {self.user_id}"


class ActivityDay(models.Model):
    """What one person sent on one past day at one dealership (the day in its zone): the Activity
    report's figures for days that are over, counted once so a month's report adds up rows
    instead of joining every message to its lead. Today's figures are always counted live.
    Written by `reports.activity_days` for the days listed in ActivityDayCounted."""

    dealership = models.ForeignKey("dealerships.Dealership", on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    texts = models.PositiveIntegerField(default=0)
    calls = models.PositiveIntegerField(default=0)
    emails = models.PositiveIntegerField(default=0)
    messages = models.PositiveIntegerField(default=0)
    contacts = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["dealership", "day", "user"], name="one_activity_day_per_person")
        ]

    def __str__(self) -> str:
        return f"activity of {self.user_id} on {self.day} at {self.dealership_id}"


class ActivityDayCounted(models.Model):
    """A past day of a dealership whose activity is counted in ActivityDay (a day with no
    activity has a row here and none there). Counted in the zone named: if the dealership's
    zone changes, the day is counted again."""

    dealership = models.ForeignKey("dealerships.Dealership", on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    timezone = models.CharField(max_length=64)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["dealership", "day"], name="one_activity_count_per_day")]

    def __str__(self) -> str:
        return f"activity of {self.dealership_id} counted for {self.day}"

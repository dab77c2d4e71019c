"""A lead's reply clock (LeadSla) and the timers that fire when it runs out."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone

from forecourt.lib.jobs import LeasedJob


class LeadSla(models.Model):
    """Where a lead stands against its deadline for a first human reply.

    The due times are fixed when the lead arrives (escalation settings of its dealership,
    counted on its business calendar) and shown as they were computed, so what a dealer sees is
    what the worker acts on. `state` moves running → stage1 → stage2 as timers fire, or to met
    at the first human reply; `none` means no clock (imported leads, escalation switched off).
    `stage_reached` remembers the last stage passed even after a late reply, for reports.
    """

    class State(models.TextChoices):
        RUNNING = "running", "Waiting for a first reply"
        MET = "met", "Answered"
        STAGE1 = "stage1", "Overdue"
        STAGE2 = "stage2", "Overdue, supervisor told"
        NONE = "none", "No deadline"

    lead = models.OneToOneField("leads.Lead", on_delete=models.CASCADE, related_name="sla", primary_key=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.RUNNING)
    started_at = models.DateTimeField(default=timezone.now)
    reminder_at = models.DateTimeField(null=True, blank=True)
    stage1_due_at = models.DateTimeField(null=True, blank=True)
    stage2_due_at = models.DateTimeField(null=True, blank=True)
    met_at = models.DateTimeField(null=True, blank=True)
    stage_reached = models.CharField(max_length=10, blank=True, help_text="stage1 or stage2 once passed.")

    class Meta:
        verbose_name = "lead SLA"

    def __str__(self) -> str:
        return f"SLA of lead {self.lead_id}: {self.state}"


class Timer(LeasedJob):
    """One moment at which the worker must act on a lead: remind, escalate, or chase a follow-up.

    A timer fires at most once (`fired_at`, set by a conditional UPDATE in the same transaction
    as the notifications it makes) or is cancelled (`cancelled_at`) by a first reply or a
    completed follow-up, whichever commits first. The partial index holds only timers still to
    fire, so a worker pass reads the due ones without touching the rest.
    """

    class Kind(models.TextChoices):
        REMINDER = "reminder", "Reminder to the salesperson"
        STAGE1 = "stage1", "Stage 1: overdue, salesperson told"
        STAGE2 = "stage2", "Stage 2: supervisor told"
        RESUBMISSION = "resubmission", "Follow-up due: salesperson reminded"
        RESUBMISSION_STAGE2 = "resubmission_stage2", "Follow-up overdue: supervisor told"

    SLA_KINDS = (Kind.REMINDER, Kind.STAGE1, Kind.STAGE2)

    lead = models.ForeignKey("leads.Lead", on_delete=models.CASCADE, related_name="timers")
    followup = models.ForeignKey(
        "followups.FollowUp", null=True, blank=True, on_delete=models.CASCADE, related_name="timers"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    fired_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["due_at"],
                name="timer_pending_due",
                condition=Q(fired_at__isnull=True, cancelled_at__isnull=True),
            )
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["lead", "kind"], condition=Q(followup__isnull=True), name="one_sla_timer_per_stage"
            ),
            models.UniqueConstraint(
                fields=["followup", "kind"], condition=Q(followup__isnull=False), name="one_followup_timer_per_stage"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} of lead {self.lead_id} at {self.due_at:%Y-%m-%d %H:%M}"

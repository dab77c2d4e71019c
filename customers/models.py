"""Merges of two customer records into one, kept so they can be undone, and pairs people said
are not the same person."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from dealerships.models import Dealership, Organization
from leads.models import Customer


class CustomerMerge(models.Model):
    """One customer (`removed_id`) merged into another (`kept`), with everything its undo needs.

    `snapshot` is written at merge time and never guessed later: the removed customer's row, the
    kept one's fields before they were filled in, every row that moved (model, field, ids),
    duplicate rows dropped (a phone both had), consent rows the merge added. The removed
    customer's row is deleted; an undo makes it again with the same id. `kept` becomes empty when
    the kept customer is itself merged into a third: that later merge must be undone first.
    """

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    dealership = models.ForeignKey(Dealership, on_delete=models.CASCADE, related_name="customer_merges")
    kept = models.ForeignKey(Customer, null=True, on_delete=models.SET_NULL, related_name="merges_kept")
    kept_name = models.CharField(max_length=200)
    removed_id = models.BigIntegerField(help_text="The id the merged-away customer had, and gets back on undo.")
    removed_name = models.CharField(max_length=200)
    reasons = models.JSONField(default=list, blank=True, help_text="Why they looked like one person.")
    snapshot = models.JSONField()
    merged_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    merged_at = models.DateTimeField(default=timezone.now)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    undone_at = models.DateTimeField(null=True, blank=True)
    undo_summary = models.TextField(blank=True, help_text="What the undo restored, and what it left where it was.")

    class Meta:
        ordering = ["-merged_at", "-id"]
        indexes = [models.Index(fields=["dealership", "-merged_at"], name="customer_merge_recent")]

    def __str__(self) -> str:
        return f"{self.removed_name} (#{self.removed_id}) merged into {self.kept_name}"

    @property
    def is_undone(self) -> bool:
        return self.undone_at is not None


class NotDuplicate(models.Model):
    """Two customers someone said are not the same person: never suggested as a pair again.

    The pair is stored smaller id first, so it is one row whichever way round it was dismissed.
    """

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    first_id = models.BigIntegerField()
    second_id = models.BigIntegerField()
    dismissed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    dismissed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["first_id", "second_id"], name="not_duplicate_once"),
            models.CheckConstraint(condition=Q(first_id__lt=F("second_id")), name="not_duplicate_ordered"),
        ]

    def __str__(self) -> str:
        return f"customers {self.first_id} and {self.second_id} are two people"

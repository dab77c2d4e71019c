"""What the reports add up: each lead's first human reply, measured once when it is recorded."""

from __future__ import annotations

from django.db import models


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

    def __str__(self) -> str:
        return f"lead {self.lead_id}: {self.working_minutes:.1f} working minutes"

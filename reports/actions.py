"""Writes of the reports app: measuring first replies (live and backfilled)."""

from __future__ import annotations

from django.db.models import Exists, OuterRef

from dealerships.calendar import BusinessCalendar
from dealerships.models import Dealership
from leads.models import Lead
from reports.models import ReplyTime
from reports.working_time import reply_minutes


def _measured(lead: Lead, calendar: BusinessCalendar) -> ReplyTime:
    assert lead.first_response_at is not None
    working, clock = reply_minutes(calendar, lead.received_at, lead.first_response_at)
    return ReplyTime(lead_id=lead.pk, working_minutes=working, clock_minutes=clock)


def measure_first_reply(*, lead: Lead) -> None:
    """Store how long the lead waited for its first human reply, once; later replies change nothing.

    Runs inside the transaction that records the reply. `ignore_conflicts` makes a second call
    (a later reply, a race with the backfill) a no-op instead of an error.
    """
    if lead.first_response_at is None:
        return
    ReplyTime.objects.bulk_create([_measured(lead, lead.dealership.calendar())], ignore_conflicts=True)


def backfill_reply_times(*, batch: int = 2000) -> int:
    """Measure every answered lead that has no ReplyTime yet; returns how many were written."""
    missing = (
        Lead.objects.filter(first_response_at__isnull=False)
        .filter(~Exists(ReplyTime.objects.filter(lead_id=OuterRef("pk"))))
        .only("pk", "received_at", "first_response_at", "dealership_id")
        .order_by("pk")
    )
    calendars = {d.pk: d.calendar() for d in Dealership.objects.all()}
    written = 0
    last = 0
    while True:
        chunk = list(missing.filter(pk__gt=last)[:batch])
        if not chunk:
            return written
        ReplyTime.objects.bulk_create(
            [_measured(lead, calendars[lead.dealership_id]) for lead in chunk], ignore_conflicts=True
        )
        written += len(chunk)
        last = chunk[-1].pk

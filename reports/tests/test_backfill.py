"""Leads answered before reports existed are measured by `manage.py backfill_reply_times`."""

from __future__ import annotations

from io import StringIO

from django.core.management import call_command

from reports.models import ReplyTime
from reports.tests.conftest import answered_lead


def test_backfill_measures_answered_leads_that_have_no_reply_time(riverside, carol):
    late = answered_lead(riverside, arrived="2026-12-01 21:00", replied="2026-12-02 09:05", by=carol)
    answered_lead(riverside, arrived="2026-12-01 10:00", replied=None, by=carol)
    ReplyTime.objects.all().delete()  # as if answered before this version
    out = StringIO()

    call_command("backfill_reply_times", stdout=out)
    call_command("backfill_reply_times", stdout=out)

    assert ReplyTime.objects.get().lead_id == late.pk
    assert ReplyTime.objects.get().working_minutes == 5
    assert out.getvalue().splitlines() == ["1 leads measured.", "0 leads measured."]

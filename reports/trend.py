"""The weekly trend of the median first reply, added up by PostgreSQL where it can be.

`percentile_cont` interpolates exactly as `reports.stats.percentile` does (the same definition),
so on PostgreSQL the medians of eight weeks come back as eight rows instead of every lead of eight
weeks going through Python (`reports.summed.summed_trend`). On SQLite, or when some answered lead has no ReplyTime yet (before
`backfill_reply_times`), the Python path in `reports.speed.weekly_trend` is used.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.db import connection
from django.db.models import Case, DateField, QuerySet, When
from django.db.models.functions import Trunc

from dealerships.models import Dealership
from leads.models import Lead
from reports.speed import WeekPoint, _rounded, weekly_trend
from reports.summed import summed_trend


def trend(leads: QuerySet[Lead], dealerships: Sequence[Dealership], weeks: list[date]) -> list[WeekPoint]:
    """Median working minutes per week (Mondays in `weeks`, each lead's week in its own zone)."""
    if connection.vendor != "postgresql" or not dealerships:
        return weekly_trend(leads, dealerships, weeks)
    week = Case(
        *(
            When(
                dealership_id=d.pk,
                then=Trunc("received_at", "week", output_field=DateField(), tzinfo=ZoneInfo(d.timezone)),
            )
            for d in dealerships
        ),
        output_field=DateField(),
    )
    by_week = summed_trend(leads, week)
    if by_week is None:
        return weekly_trend(leads, dealerships, weeks)
    # DATE_TRUNC inside CASE comes back as a timestamp, whatever the output field says.
    by_monday = {key.date() if isinstance(key, datetime) else key: value for key, value in by_week.items()}
    points = []
    for monday in weeks:
        count, answered, median = by_monday.get(monday, (0, 0, None))
        points.append(WeekPoint(monday, count, answered, _rounded(median)))
    return points

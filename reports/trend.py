"""The weekly trend of the median first reply, added up by PostgreSQL where it can be.

`percentile_cont` interpolates exactly as `reports.stats.percentile` does (the same definition),
so on PostgreSQL the medians of eight weeks come back as eight rows instead of every lead of eight
weeks going through Python. On SQLite, or when some answered lead has no ReplyTime yet (before
`backfill_reply_times`), the Python path in `reports.speed.weekly_trend` is used.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.db import connection
from django.db.models import Aggregate, Case, Count, DateField, FloatField, QuerySet, When
from django.db.models.functions import Trunc

from dealerships.models import Dealership
from leads.models import Lead
from reports.speed import WeekPoint, _rounded, weekly_trend, with_minutes


class PercentileCont(Aggregate):
    """PostgreSQL's percentile_cont(p) WITHIN GROUP (ORDER BY expression)."""

    function = "percentile_cont"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()

    def __init__(self, expression: Any, fraction: float) -> None:
        if not 0 <= fraction <= 1:
            raise ValueError(f"percentile {fraction} is not between 0 and 1")
        super().__init__(expression, fraction=float(fraction))


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
    rows = (
        with_minutes(leads)
        .annotate(week=week)
        .values("week")
        .annotate(
            leads=Count("pk"),
            answered=Count("first_response_at"),
            measured=Count("measured_working"),
            median=PercentileCont("measured_working", 0.5),
        )
        .order_by()
    )
    # DATE_TRUNC inside CASE comes back as a timestamp, whatever the output field says.
    by_week = {row["week"].date() if isinstance(row["week"], datetime) else row["week"]: row for row in rows}
    if any(row["answered"] != row["measured"] for row in by_week.values()):
        return weekly_trend(leads, dealerships, weeks)
    points = []
    for monday in weeks:
        row = by_week.get(monday)
        if row is None:
            points.append(WeekPoint(monday, 0, 0, None))
        else:
            points.append(WeekPoint(monday, int(row["leads"]), int(row["answered"]), _rounded(row["median"])))
    return points

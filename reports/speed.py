"""Speed to lead: how fast each salesperson, source, department or dealership gave a first reply.

Read from each lead's `ReplyTime` (working and clock minutes, see `reports.working_time`) and its
`first_response_channel`. Percentiles are computed here from the sorted minutes
(`reports.stats.percentile`), the same on SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import OuterRef, QuerySet, Subquery

from dealerships.models import Dealership
from leads.models import Lead
from reports.models import ReplyTime
from reports.queries import GROUPINGS, row_labels
from reports.stats import percentile
from reports.tables import Column, Table, shares
from reports.working_time import reply_minutes

CHANNELS = ("sms", "call", "email", "messenger", "chat", "contact")
CHANNEL_NAMES = {
    "sms": "Text",
    "call": "Call",
    "email": "Email",
    "messenger": "Messenger",
    "chat": "Chat",
    "contact": "Logged contact",
}


@dataclass
class SpeedRow:
    """One line of the speed-to-lead table. `within_5`, `within_30` and `never` are numbers of
    leads, as `leads` and `answered` are: a share is that number over `leads`."""

    key: str | None
    label: str
    leads: int = 0
    answered: int = 0
    median_working_minutes: float | None = None
    p90_working_minutes: float | None = None
    median_clock_minutes: float | None = None
    within_5: int = 0
    within_30: int = 0
    never: int = 0
    waiting: int = 0
    channels: dict[str, int] = field(default_factory=dict)
    _working: list[float] = field(default_factory=list, repr=False)
    _clock: list[float] = field(default_factory=list, repr=False)

    def add(self, working: float | None, clock: float | None, channel: str, still_open: bool) -> None:
        self.leads += 1
        if working is None or clock is None:
            self.never += 1
            self.waiting += still_open
            return
        self.answered += 1
        self._working.append(working)
        self._clock.append(clock)
        self.within_5 += working <= 5
        self.within_30 += working <= 30
        if channel:
            self.channels[channel] = self.channels.get(channel, 0) + 1

    def finish(self) -> SpeedRow:
        self._working.sort()
        self._clock.sort()
        self.median_working_minutes = _rounded(percentile(self._working, 0.5))
        self.p90_working_minutes = _rounded(percentile(self._working, 0.9))
        self.median_clock_minutes = _rounded(percentile(self._clock, 0.5))
        return self

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        for private in ("_working", "_clock"):
            data.pop(private)
        return data


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


class Minutes:
    """(working, clock) minutes of an answered lead: its ReplyTime row, or measured now for a lead
    answered before reports existed and not yet backfilled, so no figure is ever missing one."""

    def __init__(self, dealerships: Sequence[Dealership]) -> None:
        self.calendars = {d.pk: d.calendar() for d in dealerships}

    def of(
        self,
        dealership_id: int,
        received: datetime,
        replied: datetime | None,
        working: float | None,
        clock: float | None,
    ) -> tuple[float | None, float | None]:
        if replied is None:
            return None, None
        if working is None or clock is None:
            return reply_minutes(self.calendars[dealership_id], received, replied)
        return working, clock


ROW_FIELDS = (
    "dealership_id",
    "received_at",
    "first_response_at",
    "measured_working",
    "measured_clock",
    "first_response_channel",
    "status",
)


def with_minutes(leads: QuerySet[Lead]) -> QuerySet[Lead]:
    """Each lead with its ReplyTime minutes, read by primary key per lead. A join would have
    PostgreSQL hash the whole ReplyTime table (a million rows) for a month's few thousand leads."""
    measured = ReplyTime.objects.filter(lead_id=OuterRef("pk"))
    return leads.order_by().annotate(
        measured_working=Subquery(measured.values("working_minutes")),
        measured_clock=Subquery(measured.values("clock_minutes")),
    )


def speed_to_lead(leads: QuerySet[Lead], dealerships: Sequence[Dealership], by: str) -> list[SpeedRow]:
    """The speed-to-lead rows of these leads grouped `by` (a key of GROUPINGS), busiest first."""
    group_field = GROUPINGS[by]
    minutes = Minutes(dealerships)
    rows: dict[str | None, SpeedRow] = {}
    for key, dealership_id, received, replied, working, clock, channel, status in with_minutes(leads).values_list(
        group_field, *ROW_FIELDS
    ):
        row = rows.get(key)
        if row is None:
            row = rows[key] = SpeedRow(key=key, label=key or "")
        working, clock = minutes.of(dealership_id, received, replied, working, clock)
        row.add(working, clock, channel, status in Lead.OPEN_STATUSES)
    names = row_labels(list(rows), by, dealerships)
    for key, row in rows.items():
        row.label = names[key]
    return sorted((row.finish() for row in rows.values()), key=lambda r: (-r.leads, r.label))


def total(rows: list[SpeedRow]) -> SpeedRow:
    """One row over all the rows of a table (each lead is in exactly one): the figures above it."""
    everything = SpeedRow(key=None, label="All")
    for row in rows:
        everything.leads += row.leads
        everything.answered += row.answered
        everything.within_5 += row.within_5
        everything.within_30 += row.within_30
        everything.never += row.never
        everything.waiting += row.waiting
        everything._working.extend(row._working)
        everything._clock.extend(row._clock)
        for channel, count in row.channels.items():
            everything.channels[channel] = everything.channels.get(channel, 0) + count
    return everything.finish()


@dataclass
class WeekPoint:
    """The median first reply of the leads that arrived in one week (Monday to Sunday)."""

    monday: date
    leads: int
    answered: int
    median_working_minutes: float | None


def weekly_trend(leads: QuerySet[Lead], dealerships: Sequence[Dealership], weeks: list[date]) -> list[WeekPoint]:
    """Median working minutes per week, for the weeks starting on the Mondays in `weeks`
    (each lead's week read in its dealership's zone)."""
    minutes = Minutes(dealerships)
    zones = {d.pk: ZoneInfo(d.timezone) for d in dealerships}
    by_week: dict[date, list[float]] = {monday: [] for monday in weeks}
    counts: Counter[date] = Counter()
    for dealership_id, received, replied, working, clock, _channel, _status in with_minutes(leads).values_list(
        *ROW_FIELDS
    ):
        day = received.astimezone(zones[dealership_id]).date()
        monday = day - timedelta(days=day.weekday())
        if monday not in by_week:
            continue
        counts[monday] += 1
        working, _ = minutes.of(dealership_id, received, replied, working, clock)
        if working is not None:
            by_week[monday].append(working)
    points = []
    for monday in weeks:
        values = sorted(by_week[monday])
        points.append(WeekPoint(monday, counts[monday], len(values), _rounded(percentile(values, 0.5))))
    return points


SPEED_COLUMNS = [
    Column("label", "", "text"),
    Column("leads", "Leads", figure="leads"),
    Column("answered_share", "Answered", "share", figure="answered"),
    Column("median_working_minutes", "Median reply (working min)", "minutes"),
    Column("p90_working_minutes", "90th percentile (working min)", "minutes"),
    Column("median_clock_minutes", "Median reply (clock min)", "minutes"),
    Column("within_5_share", "Within 5 min", "share", figure="within_5"),
    Column("within_30_share", "Within 30 min", "share", figure="within_30"),
    Column("never", "Never answered", figure="never"),
    Column("waiting", "Still waiting", figure="waiting"),
    *(Column(f"channel_{c}", f"First reply by {name.lower()}", csv_only=True) for c, name in CHANNEL_NAMES.items()),
]


def speed_table(rows: list[SpeedRow], by: str) -> Table:
    table = Table("speed", "Speed to lead", SPEED_COLUMNS[:], group=by)
    table.columns[0] = Column("label", by.capitalize(), "text")
    for row in rows:
        line = row.as_json()
        shares(
            line, "leads", {"answered_share": "answered", "within_5_share": "within_5", "within_30_share": "within_30"}
        )
        for channel in CHANNEL_NAMES:
            line[f"channel_{channel}"] = row.channels.get(channel, 0)
        table.rows.append(line)
    return table

"""Counting what people sent per day, for the Activity report; days that are over counted once.

A day of a dealership (in its zone) is counted into `ActivityDay` rows the first time a report
covers it after it ended, and marked in `ActivityDayCounted`; from then on reports add those rows
up. A day is over an hour after local midnight (`SETTLE`), so a message written in its last
moments is in. Messages and logged contacts are stamped when they are written, never back-dated,
so a day once over does not change: only a deleted lead takes its messages away from days already
counted (they stay in those days' figures). Today's figures are always counted live.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Sequence
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Case, Count, DateField, Q, When
from django.db.models.functions import TruncDate

from conversations.models import Message
from dealerships.models import Dealership
from leads.models import Activity
from reports.models import ActivityDay, ActivityDayCounted
from reports.period import Period

KINDS = {"sms": "texts", "call": "calls", "email": "emails", "messenger": "messages", "chat": "messages"}
KIND_KEYS = ["texts", "calls", "emails", "messages", "contacts"]
# How long after local midnight a day is taken as over (and counted once).
SETTLE = timedelta(hours=1)


def _as_date(value: date | datetime | str) -> date:
    """A day as the database returned it from inside a CASE: a date, a timestamp or a string."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, str):
        return date.fromisoformat(value[:10])
    return value


def count_activity(
    dealerships: Sequence[Dealership], start: datetime, end: datetime, own: Collection[int] = (), user_id: int = 0
) -> dict[tuple[int, int, date], dict[str, int]]:
    """(dealership id, person id, local day) -> counts per kind of what people sent in [start, end)
    at these dealerships; at those in `own`, only what `user_id` sent.

    One query for messages and one for contacts, whatever the number of rooftops and zones: each
    row's day is read in its dealership's zone."""
    counts: dict[tuple[int, int, date], dict[str, int]] = defaultdict(lambda: dict.fromkeys(KIND_KEYS, 0))
    if not dealerships:
        return counts
    everyone = [d.pk for d in dealerships if d.pk not in own]
    owned = [d.pk for d in dealerships if d.pk in own]

    def local_day(field: str, lead: str) -> Case:
        return Case(
            *(When(**{lead: d.pk}, then=TruncDate(field, tzinfo=ZoneInfo(d.timezone))) for d in dealerships),
            output_field=DateField(),
        )

    messages = (
        Message.objects.filter(
            Q(conversation__lead__dealership_id__in=everyone)
            | Q(conversation__lead__dealership_id__in=owned, sent_by_id=user_id),
            direction=Message.Direction.OUT,
            automated=False,
            sent_by__isnull=False,
            created_at__gte=start,
            created_at__lt=end,
        )
        .annotate(day=local_day("created_at", "conversation__lead__dealership_id"))
        .values("conversation__lead__dealership_id", "sent_by_id", "day", "channel")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for row in messages:
        kind = KINDS.get(row["channel"])
        if kind:
            counts[(row["conversation__lead__dealership_id"], row["sent_by_id"], _as_date(row["day"]))][kind] += row[
                "n"
            ]
    contacts = (
        Activity.objects.filter(
            Q(lead__dealership_id__in=everyone) | Q(lead__dealership_id__in=owned, actor_id=user_id),
            kind=Activity.Kind.CONTACT,
            actor__isnull=False,
            at__gte=start,
            at__lt=end,
        )
        .annotate(day=local_day("at", "lead__dealership_id"))
        .values("lead__dealership_id", "actor_id", "day")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for contact in contacts:
        counts[(contact["lead__dealership_id"], contact["actor_id"], _as_date(contact["day"]))]["contacts"] += contact[
            "n"
        ]
    return counts


def first_live_day(dealership: Dealership, now: datetime) -> date:
    """The first day of this dealership still counted live: today, or yesterday in the hour after
    midnight."""
    return (now - SETTLE).astimezone(ZoneInfo(dealership.timezone)).date()


def count_past_days(dealerships: Sequence[Dealership], period: Period, now: datetime) -> dict[int, date]:
    """Count the days of the period that are over and not counted yet (in the dealership's zone
    of now); return, per dealership, the first day of the period that is counted live (the day
    after the period when all of it is over, its first day when none of it is)."""
    after = period.last + timedelta(days=1)
    cutoffs = {d.pk: max(period.first, min(first_live_day(d, now), after)) for d in dealerships}
    wanted = {(d.pk, day) for d in dealerships for day in period.days if day < cutoffs[d.pk]}
    if not wanted:
        return cutoffs
    zones = {d.pk: d.timezone for d in dealerships}
    done = ActivityDayCounted.objects.filter(
        dealership_id__in=list(zones), day__gte=period.first, day__lte=period.last
    ).values_list("dealership_id", "day", "timezone")
    stale = {(dealership_id, day) for dealership_id, day, zone in done if zone != zones[dealership_id]}
    missing = wanted - ({(dealership_id, day) for dealership_id, day, _ in done} - stale)
    if not missing:
        return cutoffs
    if stale:
        again = Q(pk__in=[])
        for dealership_id, day in stale:
            again |= Q(dealership_id=dealership_id, day=day)
        ActivityDay.objects.filter(again).delete()
        ActivityDayCounted.objects.filter(again).delete()
    todo = [d for d in dealerships if any(dealership_id == d.pk for dealership_id, _ in missing)]
    first, last = min(day for _, day in missing), max(day for _, day in missing)
    span = Period(first, last)
    start = min(span.bounds(d.timezone)[0] for d in todo)
    end = max(span.bounds(d.timezone)[1] for d in todo)
    counted = count_activity(todo, start, end)
    ActivityDay.objects.bulk_create(
        [
            ActivityDay(dealership_id=dealership_id, user_id=person, day=day, **counts)
            for (dealership_id, person, day), counts in counted.items()
            if (dealership_id, day) in missing and any(counts.values())
        ],
        ignore_conflicts=True,
    )
    ActivityDayCounted.objects.bulk_create(
        [ActivityDayCounted(dealership_id=d, day=day, timezone=zones[d]) for d, day in missing], ignore_conflicts=True
    )
    return cutoffs

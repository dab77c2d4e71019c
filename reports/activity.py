"""Activity: what each salesperson sent per day, and the follow-ups they let slip.

Messages are `conversations.Message` rows sent by a person (`sent_by` set, not `automated`), by
channel: texts are "sms", calls "call", emails "email", and "messenger"/"chat" count as messages;
rows of channels added later count as soon as they exist. Contacts logged by hand are `Activity`
rows of kind "contact". A day is the local date at the lead's dealership.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.db.models import Case, Count, DateField, F, Q, QuerySet, When
from django.db.models.functions import Coalesce, TruncDate

from accounts.models import User
from conversations.models import Message
from dealerships.models import Dealership
from followups.models import FollowUp
from leads.models import Activity, Lead
from reports.period import Period
from reports.queries import row_labels
from reports.tables import Column, Table

KINDS = {"sms": "texts", "call": "calls", "email": "emails", "messenger": "messages", "chat": "messages"}
COLUMNS = [
    Column("texts", "Texts"),
    Column("calls", "Calls"),
    Column("emails", "Emails"),
    Column("messages", "Messenger and chat"),
    Column("contacts", "Logged contacts"),
]


def _as_date(value: date | datetime | str) -> date:
    """A day as the database returned it from inside a CASE: a date, a timestamp or a string."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, str):
        return date.fromisoformat(value[:10])
    return value


def _daily(
    user: User, dealerships: Sequence[Dealership], period: Period, own_only: set[int]
) -> dict[tuple[str, date], dict[str, int]]:
    """(salesperson email, local day) -> counts per kind. Managers see everyone's at the
    dealerships they manage; elsewhere a person sees only what they sent themselves."""
    counts: dict[tuple[str, date], dict[str, int]] = defaultdict(lambda: {c.key: 0 for c in COLUMNS})
    if not dealerships:
        return counts
    # One query for messages and one for contacts, whatever the number of rooftops and zones:
    # each row's day is read in its dealership's zone, and days outside the period are dropped.
    bounds = [period.bounds(d.timezone) for d in dealerships]
    start, end = min(b[0] for b in bounds), max(b[1] for b in bounds)
    everyone = [d.pk for d in dealerships if d.pk not in own_only]
    own = [d.pk for d in dealerships if d.pk in own_only]
    days = set(period.days)

    def local_day(field: str, lead: str) -> Case:
        return Case(
            *(When(**{lead: d.pk}, then=TruncDate(field, tzinfo=ZoneInfo(d.timezone))) for d in dealerships),
            output_field=DateField(),
        )

    messages = (
        Message.objects.filter(
            Q(conversation__lead__dealership_id__in=everyone)
            | Q(conversation__lead__dealership_id__in=own, sent_by_id=user.pk),
            direction=Message.Direction.OUT,
            automated=False,
            sent_by__isnull=False,
            created_at__gte=start,
            created_at__lt=end,
        )
        .annotate(day=local_day("created_at", "conversation__lead__dealership_id"))
        .values("sent_by__email", "day", "channel")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for row in messages:
        kind, day = KINDS.get(row["channel"]), _as_date(row["day"])
        if kind and day in days:
            counts[(row["sent_by__email"], day)][kind] += row["n"]
    contacts = (
        Activity.objects.filter(
            Q(lead__dealership_id__in=everyone) | Q(lead__dealership_id__in=own, actor_id=user.pk),
            kind=Activity.Kind.CONTACT,
            actor__isnull=False,
            at__gte=start,
            at__lt=end,
        )
        .annotate(day=local_day("at", "lead__dealership_id"))
        .values("actor__email", "day")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for contact in contacts:
        day = _as_date(contact["day"])
        if day in days:
            counts[(contact["actor__email"], day)]["contacts"] += contact["n"]
    return counts


def activity_tables(
    user: User, dealerships: Sequence[Dealership], period: Period, own_only: set[int]
) -> tuple[Table, Table]:
    """Per salesperson over the period (with a per-day average), and per salesperson and day."""
    daily = _daily(user, dealerships, period, own_only)
    names = row_labels(sorted({email for email, _ in daily}), "salesperson", dealerships)
    totals: dict[str, dict[str, int]] = defaultdict(lambda: {c.key: 0 for c in COLUMNS})
    per_day = Table(
        "activity-daily",
        "Activity per day",
        [Column("label", "Salesperson", "text"), Column("day", "Day", "text"), *COLUMNS],
        group="salesperson",
    )
    for (email, day), counts in sorted(daily.items(), key=lambda item: (names[item[0][0]], item[0][1])):
        per_day.rows.append({"key": email, "label": names[email], "day": day.isoformat(), **counts})
        for kind, n in counts.items():
            totals[email][kind] += n
    days = len(period.days)
    summary = Table(
        "activity",
        "Activity",
        [Column("label", "Salesperson", "text"), *COLUMNS, Column("per_day", "Per day", "minutes")],
        group="salesperson",
        note=f"Sent by people (not automated), over {days} day{'s' if days != 1 else ''}.",
    )
    for email, counts in sorted(totals.items(), key=lambda item: names[item[0]]):
        summary.rows.append({"key": email, "label": names[email], **counts, "per_day": sum(counts.values()) / days})
    return summary, per_day


def overdue_followups_table(
    user: User, visible: QuerySet[Lead], dealerships: Sequence[Dealership], now: datetime, own_only: set[int]
) -> Table:
    """Open follow-ups past due now, per person responsible (the task's assignee, else the lead's)."""
    followups = FollowUp.objects.filter(
        lead__in=visible.filter(dealership__in=dealerships), completed_at__isnull=True, due_at__lte=now
    ).annotate(owner=Coalesce(F("assignee__email"), F("lead__assigned_to__email")))
    if own_only:
        followups = followups.exclude(Q(lead__dealership_id__in=own_only) & ~Q(owner=user.email))
    counted = followups.values("owner").annotate(overdue=Count("pk")).order_by()
    rows = [{"key": row["owner"], "overdue": row["overdue"]} for row in counted]
    names = row_labels([row["key"] for row in rows], "salesperson", dealerships)
    for row in rows:
        row["label"] = names[row["key"]]
    rows.sort(key=lambda r: (-r["overdue"], r["label"]))
    return Table(
        "followups-overdue",
        "Follow-ups overdue now",
        [Column("label", "Salesperson", "text"), Column("overdue", "Overdue")],
        rows,
        group="salesperson",
    )

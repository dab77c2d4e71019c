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

from django.db.models import Count, F, Q, QuerySet
from django.db.models.functions import Coalesce

from accounts.models import User
from dealerships.models import Dealership
from followups.models import FollowUp
from leads.models import Lead
from reports.activity_days import KIND_KEYS, count_activity, count_past_days
from reports.models import ActivityDay
from reports.period import Period
from reports.queries import row_labels
from reports.tables import Column, Table

COLUMNS = [
    Column("texts", "Texts"),
    Column("calls", "Calls"),
    Column("emails", "Emails"),
    Column("messages", "Messenger and chat"),
    Column("contacts", "Logged contacts"),
]


def _daily(
    user: User, dealerships: Sequence[Dealership], period: Period, own_only: set[int], now: datetime
) -> dict[tuple[str, date], dict[str, int]]:
    """(salesperson email, local day) -> counts per kind. Managers see everyone's at the
    dealerships they manage; elsewhere a person sees only what they sent themselves.

    Days that are over are read from ActivityDay (counted once, `reports.activity_days`); the
    rest (today, and the hour after midnight) are counted live from the messages and contacts."""
    by_person: dict[tuple[int, date], dict[str, int]] = defaultdict(lambda: {c.key: 0 for c in COLUMNS})
    if not dealerships:
        return {}
    cutoffs = count_past_days(dealerships, period, now)
    stored = Q(pk__in=[])
    for dealership in dealerships:
        days = Q(dealership_id=dealership.pk, day__gte=period.first, day__lt=cutoffs[dealership.pk])
        stored |= days & Q(user_id=user.pk) if dealership.pk in own_only else days
    for row in ActivityDay.objects.filter(stored).values("user_id", "day", *KIND_KEYS):
        totals = by_person[(row["user_id"], row["day"])]
        for kind in KIND_KEYS:
            totals[kind] += row[kind]
    live = [d for d in dealerships if cutoffs[d.pk] <= period.last]
    if live:
        start = min(Period(cutoffs[d.pk], period.last).bounds(d.timezone)[0] for d in live)
        end = max(period.bounds(d.timezone)[1] for d in live)
        counted = count_activity(live, start, end, own_only, user.pk)
        for (dealership_id, person, day), counts in counted.items():
            if cutoffs[dealership_id] <= day <= period.last:
                totals = by_person[(person, day)]
                for kind in KIND_KEYS:
                    totals[kind] += counts[kind]
    emails = dict(User.objects.filter(pk__in={person for person, _ in by_person}).values_list("pk", "email"))
    return {(emails[person], day): counts for (person, day), counts in by_person.items()}


def activity_tables(
    user: User, dealerships: Sequence[Dealership], period: Period, own_only: set[int], now: datetime
) -> tuple[Table, Table]:
    """Per salesperson over the period (with a per-day average), and per salesperson and day."""
    daily = _daily(user, dealerships, period, own_only, now)
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

"""Funnel: new → worked → appointment → sold, and lost with its reasons, by source or salesperson.

What each stage reads (all counted over the leads that arrived in the period):
* worked: a first human reply (`first_response_at`) or any status past "new";
* appointment: status "appointment" now, or a status change to Appointment on the timeline
  (`Activity` kind "status");
* kept: a customer appointment (appointment, test drive, delivery) on the lead marked kept; the
  show rate is kept over appointment;
* sold / lost: the lead's status; lost reasons from `lost_reason`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import connection
from django.db.models import BooleanField, Case, Count, Exists, OuterRef, Q, QuerySet, Value, When

from appointments.models import Appointment
from dealerships.models import Dealership
from leads.models import Lead
from reports.figures import FIGURES, had_appointment
from reports.queries import GROUPINGS, row_labels
from reports.summed import counted_by
from reports.tables import Column, Table, shares

# Leads with a customer appointment marked kept.
KEPT = Exists(
    Appointment.objects.filter(lead=OuterRef("pk"), status=Appointment.Status.KEPT, kind__in=Appointment.CUSTOMER_KINDS)
)

COLUMNS = [
    Column("label", "", "text"),
    Column("leads", "Leads", figure="leads"),
    Column("working", "Worked", figure="working"),
    Column("appointment", "Appointment", figure="appointment"),
    Column("kept", "Kept"),
    Column("show_rate", "Show rate", "share"),
    Column("sold", "Sold", figure="sold"),
    Column("conversion", "Conversion", "share"),
    Column("lost", "Lost", figure="lost"),
]


def _counts(leads: QuerySet[Lead]) -> dict[str, Count]:
    counts = {
        "leads": Count("pk"),
        "working": Count("pk", filter=FIGURES["working"][1]),
        "appointment": Count("pk", filter=Q(had_appointment_=True)),
        "sold": Count("pk", filter=FIGURES["sold"][1]),
        "lost": Count("pk", filter=FIGURES["lost"][1]),
    }
    counts["kept"] = Count("pk", filter=Q(KEPT))
    return counts


def _finish(row: dict[str, Any]) -> dict[str, Any]:
    row.setdefault("kept", None)
    shares(row, "leads", {"conversion": "sold"})
    row["show_rate"] = row["kept"] / row["appointment"] if row["kept"] is not None and row["appointment"] else None
    return row


def _with_appointment(leads: QuerySet[Lead]) -> QuerySet[Lead]:
    return leads.order_by().annotate(
        had_appointment_=Case(
            When(had_appointment(), then=Value(True)), default=Value(False), output_field=BooleanField()
        )
    )


# On PostgreSQL, each lead's appointment and kept visit are looked up once for all the tables
# (`counted_by`); the conditions are those of FIGURES and KEPT.
COUNTS = {
    "working": "l.first_response_at IS NOT NULL OR l.status <> 'new'",
    "appointment": "l.had_appointment_",
    "sold": "l.status = 'sold'",
    "lost": "l.status = 'lost'",
    "kept": "l.kept_",
}


def _counted(leads: QuerySet[Lead], groupings: Sequence[str | None]) -> dict[str | None, list[dict[str, Any]]]:
    if connection.vendor == "postgresql":
        annotated = _with_appointment(leads).annotate(kept_=KEPT)
        return counted_by(annotated, groupings, ["first_response_at", "status", "had_appointment_", "kept_"], COUNTS)
    found: dict[str | None, list[dict[str, Any]]] = {}
    for by in groupings:
        if by is None:
            found[by] = [{**_with_appointment(leads).aggregate(**_counts(leads)), "key": None}]
        else:
            field = GROUPINGS[by]
            counted = _with_appointment(leads).values(field).annotate(**_counts(leads))
            found[by] = [dict(row, key=row.pop(field)) for row in counted]
    return found


def funnel_tables(
    leads: QuerySet[Lead], dealerships: Sequence[Dealership], groupings: Sequence[str]
) -> tuple[list[Table], dict[str, Any]]:
    """The funnel table for each grouping ("source", "salesperson") and the whole funnel in one
    row (for the chart), counted together."""
    counted = _counted(leads, [*groupings, None])
    totals = (
        counted[None][0]
        if counted[None]
        else {"leads": 0, "working": 0, "appointment": 0, "sold": 0, "lost": 0, "kept": 0}
    )
    totals.pop("key", None)
    return [_table(counted[by], dealerships, by) for by in groupings], _finish(totals)


def _table(rows: list[dict[str, Any]], dealerships: Sequence[Dealership], by: str) -> Table:
    rows = [_finish(row) for row in rows]
    names = row_labels([row["key"] for row in rows], by, dealerships)
    for row in rows:
        row["label"] = names[row["key"]]
    rows.sort(key=lambda r: (-r["leads"], r["label"]))
    columns = [Column("label", by.capitalize(), "text"), *COLUMNS[1:]]
    return Table(f"funnel-{by}", f"Funnel by {by}", columns, rows, group=by)


def funnel_table(leads: QuerySet[Lead], dealerships: Sequence[Dealership], by: str) -> Table:
    return funnel_tables(leads, dealerships, [by])[0][0]


def lost_reasons_table(leads: QuerySet[Lead]) -> Table:
    counted = (
        leads.order_by()
        .filter(status=Lead.Status.LOST)
        .values("lost_reason")
        .annotate(leads=Count("pk"))
        .order_by("-leads", "lost_reason")
    )
    rows = [{"label": row["lost_reason"] or "(no reason given)", "leads": row["leads"]} for row in counted]
    return Table("lost-reasons", "Lost, and why", [Column("label", "Reason", "text"), Column("leads", "Leads")], rows)

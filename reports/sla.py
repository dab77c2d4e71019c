"""SLA: how often leads went past their reply deadline, per salesperson or dealership.

Reads escalations' `LeadSla.stage_reached` (kept after a late reply: "stage1" or "stage2") and
the reminder timers that fired (`Timer` kind "reminder", `fired_at` set). A lead counts for the
salesperson it is assigned to now.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import connection
from django.db.models import Count, Q, QuerySet

from dealerships.models import Dealership
from leads.models import Lead
from reports.figures import reminded, stage_reached
from reports.queries import GROUPINGS, row_labels
from reports.summed import counted_by
from reports.tables import Column, Table, shares

COLUMNS = [
    Column("label", "", "text"),
    Column("leads", "Leads", figure="leads"),
    Column("stage1", "Overdue (stage 1)", figure="stage1"),
    Column("stage1_share", "Overdue share", "share"),
    Column("stage2", "Supervisor told (stage 2)", figure="stage2"),
    Column("reminded", "Reminders sent", figure="reminded"),
]


# On PostgreSQL, each lead's stage and reminder are read once for every table (`counted_by`).
COUNTS = {
    "stage1": "l.stage IN ('stage1', 'stage2')",
    "stage2": "l.stage = 'stage2'",
    "reminded": "l.was_reminded",
}


def _counted(leads: QuerySet[Lead], groupings: Sequence[str]) -> dict[str | None, list[dict[str, Any]]]:
    annotated = leads.order_by().annotate(was_reminded=reminded(), stage=stage_reached())
    if connection.vendor == "postgresql":
        return counted_by(annotated, groupings, ["stage", "was_reminded"], COUNTS)
    found: dict[str | None, list[dict[str, Any]]] = {}
    for by in groupings:
        field = GROUPINGS[by]
        counted = annotated.values(field).annotate(
            leads=Count("pk"),
            stage1=Count("pk", filter=Q(stage__in=["stage1", "stage2"])),
            stage2=Count("pk", filter=Q(stage="stage2")),
            reminded=Count("pk", filter=Q(was_reminded=True)),
        )
        found[by] = [dict(row, key=row.pop(field)) for row in counted]
    return found


def sla_tables(leads: QuerySet[Lead], dealerships: Sequence[Dealership], groupings: Sequence[str]) -> list[Table]:
    """The SLA table for each grouping ("salesperson", "dealership"), counted together."""
    counted = _counted(leads, groupings)
    return [_table(counted[by], dealerships, by) for by in groupings]


def sla_table(leads: QuerySet[Lead], dealerships: Sequence[Dealership], by: str) -> Table:
    return sla_tables(leads, dealerships, [by])[0]


def _table(rows: list[dict[str, Any]], dealerships: Sequence[Dealership], by: str) -> Table:
    names = row_labels([row["key"] for row in rows], by, dealerships)
    for row in rows:
        row["label"] = names[row["key"]]
        shares(row, "leads", {"stage1_share": "stage1"})
    rows.sort(key=lambda r: (-r["stage1"], -r["leads"], r["label"]))
    columns = [Column("label", by.capitalize(), "text"), *COLUMNS[1:]]
    return Table(f"sla-{by}", f"SLA by {by}", columns, rows, group=by)

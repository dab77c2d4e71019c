"""Speed to lead and its weekly trend added up by PostgreSQL, one row per group.

The same figures as the Python path in `reports.speed` (which SQLite uses): `percentile_cont`
interpolates exactly as `reports.stats.percentile` does, and a lead counts as answered only with
both a first reply and its ReplyTime. While some answered lead of the report has no ReplyTime yet
(before `backfill_reply_times`), these return None and the Python path measures it on the fly.

The report's leads are read first into a materialized CTE (a few thousand rows), and each one's
minutes are then read by primary key (`LATERAL … OFFSET 0` keeps PostgreSQL from hashing the
whole ReplyTime table, a million rows, instead). Each lead's minutes are read once, however many
figures use them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import connection
from django.db.models import QuerySet

from dealerships.models import Dealership
from leads.models import Lead
from reports.queries import GROUPINGS, row_labels
from reports.speed import CHANNELS, SpeedRow, _rounded, speed_to_lead, total

MINUTES = """
    LEFT JOIN LATERAL (
        SELECT r.working_minutes AS working, r.clock_minutes AS clock FROM reports_replytime r
        WHERE r.lead_id = l.id AND l.replied IS NOT NULL OFFSET 0
    ) AS m ON true"""


def _rows(sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def summed_speed(leads: QuerySet[Lead], group_field: str) -> tuple[list[SpeedRow], SpeedRow] | None:
    """The rows grouped by `group_field` (labels still the keys) and the row over all of them,
    or None when some answered lead is not measured yet."""
    inner, params = (
        leads.order_by()
        .values_list(group_field, "id", "first_response_at", "status", "first_response_channel")
        .query.sql_with_params()
    )
    open_statuses = ", ".join(["%s"] * len(Lead.OPEN_STATUSES))
    channels = "".join(", count(*) FILTER (WHERE m.working IS NOT NULL AND l.channel = %s)" for _ in CHANNELS)
    sql = f"""
        WITH l (key, id, replied, status, channel) AS MATERIALIZED ({inner})
        SELECT GROUPING(l.key), l.key, count(*), count(l.replied), count(m.working),
               percentile_cont(0.5) WITHIN GROUP (ORDER BY m.working),
               percentile_cont(0.9) WITHIN GROUP (ORDER BY m.working),
               percentile_cont(0.5) WITHIN GROUP (ORDER BY m.clock),
               count(*) FILTER (WHERE m.working <= 5), count(*) FILTER (WHERE m.working <= 30),
               count(*) FILTER (WHERE l.replied IS NULL AND l.status IN ({open_statuses})),
               count(*) FILTER (WHERE m.working IS NOT NULL AND l.channel <> ''){channels}
        FROM l{MINUTES}
        GROUP BY ROLLUP (l.key)"""  # noqa: S608 - our compiled query; values go as parameters
    found = _rows(sql, [*params, *Lead.OPEN_STATUSES, *CHANNELS])
    rows, everything = [], SpeedRow(key=None, label="All")
    for everything_row, key, count, replied, answered, median, p90, clock, within_5, within_30, waiting, *tail in found:
        if replied != answered or tail[0] != sum(tail[1:]):
            return None
        row = SpeedRow(
            key=key,
            label=key or "",
            leads=count,
            answered=answered,
            median_working_minutes=_rounded(median),
            p90_working_minutes=_rounded(p90),
            median_clock_minutes=_rounded(clock),
            within_5=within_5,
            within_30=within_30,
            never=count - answered,
            waiting=waiting,
            channels={channel: n for channel, n in zip(CHANNELS, tail[1:], strict=True) if n},
        )
        if everything_row:
            everything = row
            everything.label = "All"
        else:
            rows.append(row)
    return rows, everything


def summed_trend(leads: QuerySet[Lead], week: Any) -> dict[Any, tuple[int, int, float | None]] | None:
    """Week (as the database gives it) -> (leads, answered, median working minutes), or None
    when some answered lead is not measured yet."""
    inner, params = (
        leads.order_by().annotate(week=week).values_list("week", "id", "first_response_at").query.sql_with_params()
    )
    sql = f"""
        WITH l (week, id, replied) AS MATERIALIZED ({inner})
        SELECT l.week, count(*), count(l.replied), count(m.working),
               percentile_cont(0.5) WITHIN GROUP (ORDER BY m.working)
        FROM l{MINUTES}
        GROUP BY l.week"""  # noqa: S608 - our compiled query; values go as parameters
    by_week = {}
    for week_start, count, replied, answered, median in _rows(sql, params):
        if replied != answered:
            return None
        by_week[week_start] = (count, answered, median)
    return by_week


def speed_figures(leads: QuerySet[Lead], dealerships: Sequence[Dealership], by: str) -> tuple[list[SpeedRow], SpeedRow]:
    """The speed-to-lead rows grouped `by` (busiest first) and the row over all of them: added up
    by PostgreSQL where it can, else in Python (`reports.speed`)."""
    summed = summed_speed(leads, GROUPINGS[by]) if connection.vendor == "postgresql" else None
    if summed is None:
        rows = speed_to_lead(leads, dealerships, by)
        return rows, total(rows)
    rows, everything = summed
    names = row_labels([row.key for row in rows], by, dealerships)
    for row in rows:
        row.label = names[row.key]
    return sorted(rows, key=lambda r: (-r.leads, r.label)), everything


def counted_by(
    leads: QuerySet[Lead], groupings: Sequence[str | None], fields: Sequence[str], counts: dict[str, str]
) -> dict[str | None, list[dict[str, Any]]]:
    """Leads counted per row of each grouping (a key of GROUPINGS, or None for one row over all),
    all in one pass: `fields` are annotations of `leads` read once per lead (subqueries such as
    the SLA stage), and `counts` names the SQL condition over them (`l.<field>`) each count keeps.
    Each grouping's rows come as dicts with "key", "leads" and the named counts."""
    keys = [GROUPINGS[by] for by in groupings if by]
    inner, params = leads.order_by().values_list("id", *keys, *fields).query.sql_with_params()
    names = ["id", *(f"key{n}" for n in range(len(keys))), *fields]
    sets = ", ".join(f"(l.key{keys.index(GROUPINGS[by])})" if by else "()" for by in groupings)
    flags = "".join(f", GROUPING(l.key{n})" for n in range(len(keys)))
    columns = "".join(f", l.key{n}" for n in range(len(keys)))
    filtered = "".join(f", count(*) FILTER (WHERE {condition})" for condition in counts.values())
    sql = f"""
        WITH l ({", ".join(names)}) AS MATERIALIZED ({inner})
        SELECT count(*){flags}{columns}{filtered}
        FROM l GROUP BY GROUPING SETS ({sets})"""  # noqa: S608 - our compiled query; values go as parameters
    found: dict[str | None, list[dict[str, Any]]] = {by: [] for by in groupings}
    for count, *rest in _rows(sql, params):
        grouped, values, figures = rest[: len(keys)], rest[len(keys) : 2 * len(keys)], rest[2 * len(keys) :]
        row = {"leads": count, **dict(zip(counts, figures, strict=True))}
        by = next((by for by in groupings if by and not grouped[keys.index(GROUPINGS[by])]), None)
        row["key"] = values[keys.index(GROUPINGS[by])] if by else None
        found[by].append(row)
    return found

"""Everything the Reports screen shows for one request, built once for the page, its CSV
downloads and the weekly email alike, so all three show the same numbers."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from accounts.models import User
from accounts.queries import dealerships_seen_whole_by
from dealerships.models import Dealership
from leads.queries import leads_visible_to
from reports.activity import activity_tables, overdue_followups_table
from reports.charts import BarChart, TrendChart, bar_chart, trend_chart
from reports.funnel import funnel_table, funnel_tables, lost_reasons_table
from reports.period import PRESETS, Period, parse_period, preset
from reports.queries import GROUPINGS, report_dealerships, report_leads
from reports.sla import sla_table, sla_tables
from reports.speed import CHANNEL_NAMES, SpeedRow, speed_table
from reports.summed import speed_figures
from reports.tables import Table
from reports.trend import trend

TREND_WEEKS = 8
DEFAULT_PERIOD = "last_week"


@dataclass
class ReportRequest:
    """What was asked: which dealerships, which days, speed grouped how; `error` if it was bad."""

    dealerships: list[Dealership]
    slug: str
    period: Period
    period_name: str
    by: str
    error: str = ""


def today_at(dealerships: list[Dealership], now: datetime) -> date:
    """Today where the (first) dealership is: periods are whole days in its zone."""
    zone = ZoneInfo(dealerships[0].timezone if dealerships else "UTC")
    return now.astimezone(zone).date()


def read_request(user: User, params: Mapping[str, str], now: datetime) -> ReportRequest:
    """The report asked for by query parameters `dealership`, `period` (a preset or "custom" with
    `from`/`to`) and `by`. A bad period or grouping falls back to the default, with `error` saying
    why; an unknown dealership raises UnknownDealership."""
    slug = params.get("dealership", "")
    dealerships = report_dealerships(user, slug or None)
    today = today_at(dealerships, now)
    by = params.get("by") or "salesperson"
    errors = []
    if by not in GROUPINGS:
        errors.append(f'"{by}" is not a way to group the report.')
        by = "salesperson"
    name = params.get("period") or (DEFAULT_PERIOD if not params.get("from") else "custom")
    try:
        period = parse_period(params.get("from"), params.get("to")) if name == "custom" else preset(name, today)
    except ValueError as error:
        errors.append(f"{str(error)[0].upper()}{str(error)[1:]}. Showing last week instead.")
        name, period = DEFAULT_PERIOD, preset(DEFAULT_PERIOD, today)
    return ReportRequest(dealerships, slug, period, name, by, " ".join(errors))


@dataclass
class Report:
    """The figures of one or more sections of the page (SECTIONS); the others stay empty."""

    request: ReportRequest
    manages: bool
    sections: tuple[str, ...]
    tables: dict[str, Table] = field(default_factory=dict)
    total: SpeedRow | None = None
    salesperson_chart: BarChart | None = None
    trend: TrendChart | None = None
    funnel_chart: BarChart | None = None

    @property
    def named(self) -> dict[str, Table]:
        """The tables by slug with underscores, as templates reach them."""
        return {slug.replace("-", "_"): table for slug, table in self.tables.items()}

    @property
    def channel_mix(self) -> list[tuple[str, int]]:
        """How the first replies went, most used first, in words ("text", "call")."""
        counts = sorted(self.total.channels.items(), key=lambda item: -item[1]) if self.total else []
        return [(CHANNEL_NAMES.get(channel, channel).lower(), count) for channel, count in counts]


@dataclass
class Scope:
    """Who asks about which leads: what every table of a report starts from."""

    user: User
    request: ReportRequest
    now: datetime

    def __post_init__(self) -> None:
        dealerships = self.request.dealerships
        self.leads = report_leads(self.user, dealerships, self.request.period)
        managed = set(dealerships_seen_whole_by(self.user).values_list("pk", flat=True))
        self.own_only = {d.pk for d in dealerships if d.pk not in managed}
        self.manages = len(self.own_only) < len(dealerships)
        self.visible = leads_visible_to(self.user)


def _activity(scope: Scope, which: int) -> Table:
    tables = activity_tables(scope.user, scope.request.dealerships, scope.request.period, scope.own_only, scope.now)
    return tables[which]


# Each table by its slug, so a CSV download builds only its own.
TABLES: dict[str, Callable[[Scope], Table]] = {
    "speed": lambda s: speed_table(speed_figures(s.leads, s.request.dealerships, s.request.by)[0], s.request.by),
    "sla-salesperson": lambda s: sla_table(s.leads, s.request.dealerships, "salesperson"),
    "sla-dealership": lambda s: sla_table(s.leads, s.request.dealerships, "dealership"),
    "funnel-source": lambda s: funnel_table(s.leads, s.request.dealerships, "source"),
    "funnel-salesperson": lambda s: funnel_table(s.leads, s.request.dealerships, "salesperson"),
    "lost-reasons": lambda s: lost_reasons_table(s.leads),
    "activity": lambda s: _activity(s, 0),
    "activity-daily": lambda s: _activity(s, 1),
    "followups-overdue": lambda s: overdue_followups_table(s.user, s.visible, s.request.dealerships, s.now, s.own_only),
}


def build_table(user: User, request: ReportRequest, slug: str, now: datetime) -> Table:
    """One table of the report (KeyError for an unknown slug)."""
    return TABLES[slug](Scope(user, request, now))


# The page shows one section at a time (tabs): each is its own report, its own request.
SECTIONS = {"speed": "Speed to lead", "sla": "SLA", "funnel": "Funnel", "activity": "Activity"}
SECTION_TABLES = {
    "speed": ("speed",),
    "sla": ("sla-salesperson", "sla-dealership"),
    "funnel": ("funnel-source", "funnel-salesperson", "lost-reasons"),
    "activity": ("activity", "followups-overdue"),
}


def build_report(user: User, request: ReportRequest, now: datetime, sections: tuple[str, ...] = ("speed",)) -> Report:
    scope = Scope(user, request, now)
    report = Report(request=request, manages=scope.manages, sections=sections)
    dealerships, leads = request.dealerships, scope.leads
    funnel = None
    for section in sections:
        if section == "sla":  # both tables in one pass over the leads
            for table in sla_tables(leads, dealerships, ["salesperson", "dealership"]):
                report.tables[table.slug] = table
        elif section == "funnel":  # both tables and the chart's totals in one pass
            tables, funnel = funnel_tables(leads, dealerships, ["source", "salesperson"])
            report.tables.update({table.slug: table for table in tables})
            report.tables["lost-reasons"] = TABLES["lost-reasons"](scope)
        else:
            for slug in SECTION_TABLES[section]:
                if slug != "speed":
                    report.tables[slug] = TABLES[slug](scope)
    if "speed" in sections:
        speed_rows, report.total = speed_figures(leads, dealerships, request.by)
        report.tables["speed"] = speed_table(speed_rows, request.by)
        by_salesperson = (
            speed_rows if request.by == "salesperson" else speed_figures(leads, dealerships, "salesperson")[0]
        )
        answered = [row for row in by_salesperson if row.answered]
        report.salesperson_chart = bar_chart(
            "Median first reply per salesperson, working minutes",
            [(row.label, row.median_working_minutes) for row in sorted(answered, key=lambda r: r.label)],
            " min",
        )
        last_monday = request.period.last - timedelta(days=request.period.last.weekday())
        mondays = [last_monday - timedelta(weeks=n) for n in reversed(range(TREND_WEEKS))]
        trend_period = Period(mondays[0], last_monday + timedelta(days=6))
        points = trend(report_leads(user, dealerships, trend_period), dealerships, mondays)
        report.trend = trend_chart(
            f"Median first reply by week, working minutes (last {TREND_WEEKS} weeks)",
            [(f"{p.monday:%b} {p.monday.day}", p.median_working_minutes) for p in points],
            " min",
        )
    if funnel is not None:
        stages = [("Leads", funnel["leads"]), ("Worked", funnel["working"]), ("Appointment", funnel["appointment"])]
        if funnel["kept"] is not None:
            stages.append(("Kept", funnel["kept"]))
        stages.append(("Sold", funnel["sold"]))
        report.funnel_chart = bar_chart("Funnel: leads of the period by how far they got", stages)
    return report


def period_choices() -> list[tuple[str, str]]:
    return [*PRESETS.items(), ("custom", "Custom")]


def trend_rows(report: Report) -> list[dict[str, Any]]:
    return [{"week": p.label, "median": p.value} for p in report.trend.points] if report.trend else []

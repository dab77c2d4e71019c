"""The Reports screen, its CSV downloads, and the leads behind a figure. Thin: the figures are
built in `reports.screen`, scoped by `reports.queries`."""

from __future__ import annotations

import csv

from django.core.exceptions import BadRequest
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from leads.views.common import signed_in
from leads.views.dashboard import with_row_data
from reports.figures import figure_leads, figure_title
from reports.queries import GROUPINGS, UnknownDealership, report_dealerships, report_leads, row_labels
from reports.screen import Report, ReportRequest, build_report, period_choices, read_request, trend_rows
from reports.tables import Table

LEADS_PER_PAGE = 50


def _request(request: HttpRequest) -> ReportRequest:
    try:
        return read_request(signed_in(request), request.GET, timezone.now())
    except UnknownDealership as error:
        raise Http404(str(error)) from None


def _report(request: HttpRequest) -> Report:
    asked = _request(request)
    return build_report(signed_in(request), asked, timezone.now())


def reports_page(request: HttpRequest) -> HttpResponse:
    report = _report(request)
    query = request.GET.copy()
    return render(
        request,
        "reports/index.html",
        {
            "report": report,
            "asked": report.request,
            "periods": period_choices(),
            "groupings": list(GROUPINGS),
            "query": query.urlencode(),
            "trend_rows": trend_rows(report),
            "channel_mix": report.channel_mix,
            "user_dealerships": report_dealerships(signed_in(request)),
        },
    )


def report_csv(request: HttpRequest, table: str) -> HttpResponse:
    report = _report(request)
    found: Table | None = report.tables.get(table)
    if found is None:
        raise Http404(f"No report table {table!r}.")
    asked = report.request
    name = f"{table}-{asked.slug or 'all'}-{asked.period.first}-{asked.period.last}.csv"
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    writer = csv.writer(response)
    writer.writerows(found.csv_rows())
    return response


def figure_list(request: HttpRequest) -> HttpResponse:
    """The leads behind one number of a report: same period, same scope, one row's key."""
    user = signed_in(request)
    asked = _request(request)
    figure = request.GET.get("figure", "leads")
    group = request.GET.get("group", "")
    key = request.GET.get("key", "")
    if group and group not in GROUPINGS:
        raise BadRequest(f"Unknown grouping {group!r}.")
    try:
        leads = figure_leads(report_leads(user, asked.dealerships, asked.period), figure, group, key or None)
        title = figure_title(figure)
    except KeyError:
        raise BadRequest(f"Unknown figure {figure!r}.") from None
    page = Paginator(with_row_data(leads.order_by("-received_at", "-id")), LEADS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    row = row_labels([key or None], group, asked.dealerships)[key or None] if group else ""
    back = request.GET.copy()
    for extra in ("figure", "group", "key", "page"):
        back.pop(extra, None)
    return render(
        request,
        "reports/figure.html",
        {"asked": asked, "title": title, "row": row, "page": page, "back": back.urlencode()},
    )

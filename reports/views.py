"""The Reports screen, its CSV downloads, and the leads behind a figure. Thin: the figures are
built in `reports.screen`, scoped by `reports.queries`."""

from __future__ import annotations

import csv

from django.contrib import messages
from django.core.exceptions import BadRequest, PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from leads.views.common import signed_in
from leads.views.dashboard import with_row_data
from reports.figures import figure_leads, figure_title
from reports.models import WeeklySummary
from reports.queries import (
    GROUPINGS,
    UnknownDealership,
    manages_any,
    report_dealerships,
    report_leads,
    report_reads,
    row_labels,
)
from reports.screen import (
    SECTIONS,
    TABLES,
    Report,
    ReportRequest,
    build_report,
    build_table,
    period_choices,
    read_request,
    trend_rows,
)
from reports.weekly import set_weekly_summary

LEADS_PER_PAGE = 50


def _request(request: HttpRequest) -> ReportRequest:
    try:
        return read_request(signed_in(request), request.GET, timezone.now())
    except UnknownDealership as error:
        raise Http404(str(error)) from None


def _report(request: HttpRequest, section: str) -> Report:
    asked = _request(request)
    return build_report(signed_in(request), asked, timezone.now(), sections=(section,))


def reports_page(request: HttpRequest) -> HttpResponse:
    section = request.GET.get("report", "speed")
    if section not in SECTIONS:
        section = "speed"
    with report_reads():
        report = _report(request, section)
    query = request.GET.copy()
    query.pop("report", None)
    return render(
        request,
        "reports/index.html",
        {
            "report": report,
            "asked": report.request,
            "periods": period_choices(),
            "groupings": list(GROUPINGS),
            "query": query.urlencode(),
            "section": section,
            "sections": SECTIONS,
            "trend_rows": trend_rows(report),
            "channel_mix": report.channel_mix,
            "user_dealerships": report_dealerships(signed_in(request)),
            "weekly_summary": WeeklySummary.objects.filter(user=signed_in(request)).exists(),
        },
    )


def report_csv(request: HttpRequest, table: str) -> HttpResponse:
    if table not in TABLES:
        raise Http404(f"No report table {table!r}.")
    asked = _request(request)
    with report_reads():
        found = build_table(signed_in(request), asked, table, timezone.now())
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


@require_POST
def weekly_summary(request: HttpRequest) -> HttpResponse:
    """Start or stop the weekly summary email; for people who manage a dealership."""
    user = signed_in(request)
    if not manages_any(user):
        raise PermissionDenied("The weekly summary is for managers and admins.")
    on = request.POST.get("on") == "1"
    set_weekly_summary(user=user, on=on)
    messages.success(
        request, "You will get the weekly summary every Monday morning." if on else "Weekly summary stopped."
    )
    return HttpResponseRedirect(reverse("reports") + "#weekly-summary")

"""The dashboard: my open leads, the unassigned ones I may hand out, and real counts."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from accounts.queries import dealerships_of, dealerships_seen_whole_by
from dealerships.models import Dealership
from leads.models import Lead, VehicleInterest
from leads.queries import leads_visible_to
from leads.views.common import signed_in

DASHBOARD_ROWS = 25


def with_row_data(leads: QuerySet[Lead]) -> QuerySet[Lead]:
    """What a row of leads shows (customer, dealership, assignee, preferred vehicle) in three queries."""
    return leads.select_related("customer", "dealership", "assigned_to").prefetch_related(
        Prefetch("vehicles", queryset=VehicleInterest.objects.filter(preferred=True), to_attr="preferred_rows"),
        "customer__phones",
    )


def local_midnight(dealership: Dealership, now: datetime) -> datetime:
    zone = ZoneInfo(dealership.timezone)
    return timezone.localtime(now, zone).replace(hour=0, minute=0, second=0, microsecond=0)


def dashboard(request: HttpRequest) -> HttpResponse:
    user = signed_in(request)
    now = timezone.now()
    visible = leads_visible_to(user)
    open_leads = visible.filter(status__in=Lead.OPEN_STATUSES)
    mine = open_leads.filter(assigned_to=user)
    whole = list(dealerships_seen_whole_by(user))
    unassigned = open_leads.filter(assigned_to__isnull=True, dealership__in=whole)
    # "Today" starts at midnight where each dealership is.
    today = Q(pk__in=[])
    for dealership in dealerships_of(user):
        today |= Q(dealership=dealership, received_at__gte=local_midnight(dealership, now))
    # Open leads only: sold and lost pile up for ever, and counting them would slow the page down.
    open_by_status = dict(
        open_leads.order_by().values_list("status").annotate(n=Count("pk")).values_list("status", "n")
    )
    counts = {
        "mine": mine.count(),
        "new_today": visible.filter(today).count(),
        "unassigned": unassigned.count() if whole else 0,
        "by_status": [
            (status, label, open_by_status.get(status, 0))
            for status, label in Lead.Status.choices
            if status in Lead.OPEN_STATUSES
        ],
    }
    context = {
        "counts": counts,
        "my_leads": list(with_row_data(mine).order_by("-received_at", "-id")[:DASHBOARD_ROWS]),
        "sees_unassigned": bool(whole),
        # The longest-waiting first: they are the ones about to be lost.
        "unassigned_leads": list(with_row_data(unassigned).order_by("received_at", "id")[:DASHBOARD_ROWS])
        if whole
        else [],
        "rows_shown": DASHBOARD_ROWS,
    }
    return render(request, "leads/dashboard.html", context)

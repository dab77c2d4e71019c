"""The leads list: search, filters and pages that stay fast however many leads there are."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from accounts.models import User
from accounts.queries import dealerships_of
from leads.forms import PAGE_SIZE, LeadFiltersForm
from leads.models import Lead
from leads.queries import leads_visible_to
from leads.search import apply_filters
from leads.views.common import phone_country, signed_in
from leads.views.dashboard import with_row_data

# The source filter lists the names of this many recent leads' sources at most.
SOURCE_SAMPLE = 5000


def lead_list(request: HttpRequest) -> HttpResponse:
    user = signed_in(request)
    visible = leads_visible_to(user)
    dealerships = list(dealerships_of(user).order_by("name"))
    colleagues = (
        User.objects.filter(memberships__dealership__in=dealerships, is_active=True).distinct().order_by("name")
    )
    form = LeadFiltersForm(request.GET, sources=_sources(visible), users=colleagues, dealerships=dealerships)
    leads = apply_filters(visible, form.filters(), country=phone_country(user))
    page = form.page_number()
    # One row more than a page tells whether there is a next page, without counting every match.
    start = (page - 1) * PAGE_SIZE
    rows = list(with_row_data(leads).order_by("-received_at", "-id")[start : start + PAGE_SIZE + 1])
    context = {
        "form": form,
        "leads": rows[:PAGE_SIZE],
        "page": page,
        "has_next": len(rows) > PAGE_SIZE,
        "has_previous": page > 1,
        "filtered": any(v for k, v in request.GET.items() if k != "page"),
    }
    # htmx asks for the same page and keeps only #lead-results: one template, no fragment to drift.
    return render(request, "leads/list.html", context)


def _sources(visible: QuerySet[Lead]) -> list[str]:
    """Source names of the user's leads, for the source filter.

    Read from the most recent leads only (walking the newest-first index), so the list stays
    cheap with millions of leads; an older source still filters when named in the URL.
    """
    recent = visible.order_by("-received_at", "-id").values_list("source_name", flat=True)[:SOURCE_SAMPLE]
    return sorted(set(recent), key=str.lower)

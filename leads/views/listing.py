"""The leads list: search, filters and pages that stay fast however many leads there are."""

from __future__ import annotations

from datetime import datetime

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from accounts.models import User
from accounts.queries import memberships_of
from leads.forms import PAGE_SIZE, LeadFiltersForm
from leads.models import Lead
from leads.queries import leads_assigned_to, leads_visible_to
from leads.search import apply_filters, newer_than, older_than, page_of, place_of, read_place
from leads.views.common import signed_in
from leads.views.dashboard import with_row_data

# The source filter lists the names of this many recent leads' sources at most.
SOURCE_SAMPLE = 5000
# ...and of this many of a salesperson's own: PostgreSQL reads up to about this many of one
# assignee's leads newest first from the index; asked for more, it fetches them all and sorts.
OWN_SOURCE_SAMPLE = 500
# ...plus the leads of their latest collaborations, at most this many.
HELPED_SOURCE_SAMPLE = 100


def lead_list(request: HttpRequest) -> HttpResponse:
    user = signed_in(request)
    visible = leads_visible_to(user)
    # One read of the user's memberships answers the dealership filter, whose leads they see
    # whole and which country reads a phone number typed without a country code.
    memberships = list(memberships_of(user).order_by("id"))
    dealerships = sorted((m.dealership for m in memberships), key=lambda d: (d.name, d.pk))
    sees_whole = any(m.sees_all_leads for m in memberships)
    country = (memberships[0].dealership.country if memberships else "") or "US"
    colleagues = (
        User.objects.filter(memberships__dealership__in=dealerships, is_active=True).distinct().order_by("name")
    )
    sources = _sources(visible, user, sees_whole=sees_whole)
    form = LeadFiltersForm(request.GET, sources=sources, users=colleagues, dealerships=dealerships)
    leads = apply_filters(visible, form.filters(), country=country)
    page = form.page_number()
    # One row more than a page tells whether there is another page, without counting every match.
    # Next and Previous start from the place of a lead shown (see `leads.search.place_of`); a bare
    # page number (a link kept from before) still opens by position.
    place = _place(form)
    if place is None and (request.GET.get("after") or request.GET.get("before")):
        page = 1  # a damaged link: the first page rather than a wrong one
    if place and place[0] == "before":
        rows = page_of(newer_than(leads, place[1]), 0, PAGE_SIZE + 1, details=with_row_data, oldest_first=True)
        has_previous, has_next = len(rows) > PAGE_SIZE and page > 1, True
        rows = rows[:PAGE_SIZE][::-1]
    else:
        if place:
            rows = page_of(older_than(leads, place[1]), 0, PAGE_SIZE + 1, details=with_row_data)
        else:
            start = (page - 1) * PAGE_SIZE
            rows = page_of(leads, start, start + PAGE_SIZE + 1, details=with_row_data)
        has_previous, has_next = page > 1, len(rows) > PAGE_SIZE
        rows = rows[:PAGE_SIZE]
    context = {
        "form": form,
        "leads": rows,
        "page": page,
        "has_next": has_next and bool(rows),
        "has_previous": has_previous and bool(rows),
        # The pager's links: the first page plainly, the others from a lead shown.
        "next_after": place_of(rows[-1]) if rows else "",
        "previous_before": place_of(rows[0]) if rows and page > 2 else "",
        "filtered": any(v for k, v in request.GET.items() if k not in ("page", "after", "before")),
    }
    # htmx asks for the same page and keeps only #lead-results: one template, no fragment to drift.
    return render(request, "leads/list.html", context)


def _place(form: LeadFiltersForm) -> tuple[str, tuple[datetime, int]] | None:
    """("after" or "before", the place) a Next or Previous link asks for; None for a numbered
    page, or a damaged link (which opens the first page)."""
    form.is_valid()
    for side in ("after", "before"):
        if text := form.cleaned_data.get(side):
            try:
                return side, read_place(text)
            except ValueError:
                return None
    return None


def _sources(visible: QuerySet[Lead], user: User, *, sees_whole: bool) -> list[str]:
    """Source names of the user's leads, for the source filter.

    Read from the most recent leads only, so the list stays cheap with millions of leads; an
    older source still filters when named in the URL. A salesperson's leads are about one in
    fifty: walking all leads newest first would read fifty for each of theirs, so their own
    come from the assignee index and the ones they help on from their latest collaborations.
    """
    order = ("-received_at", "-id")
    if sees_whole:
        samples = [visible.order_by(*order)[:SOURCE_SAMPLE]]
    else:
        helped = Lead.collaborators.through.objects.filter(user_id=user.pk).order_by("-id").values("lead_id")
        samples = [
            leads_assigned_to(user).order_by(*order)[:OWN_SOURCE_SAMPLE],
            visible.filter(pk__in=helped[:HELPED_SOURCE_SAMPLE]),
        ]
    names = {name for sample in samples for name in sample.values_list("source_name", flat=True)}
    return sorted(names, key=str.lower)

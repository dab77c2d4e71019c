"""Claiming and allocating leads: the claim button, the pool, the allocate window.

Plain POSTs that redirect (so they work without JavaScript); with htmx the allocate window
opens in place and its user search updates as one types.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from accounts.models import User
from accounts.queries import dealerships_seen_whole_by
from distribution import actions
from distribution.actions import DistributionError
from distribution.alerts import vehicle_text
from distribution.models import Offer
from distribution.queries import (
    allocatable_users,
    claimable_lead_for,
    may_allocate,
    may_claim,
    open_offers_for,
    unassigned_leads_for,
)
from forecourt.lib.redirects import safe_next
from leads.models import Lead
from leads.queries import lead_for


def _user(request: HttpRequest) -> User:
    user = request.user
    if not isinstance(user, User):  # pragma: no cover - LoginRequiredMiddleware sends others to log in
        raise Http404
    return user


def _lead_url(lead: Lead) -> str:
    return reverse("lead-detail", args=[lead.pk])


def _go(request: HttpRequest, url: str) -> HttpResponse:
    if request.headers.get("HX-Request"):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return HttpResponseRedirect(url)


# Claiming -------------------------------------------------------------------------------------


def _claim_context(request: HttpRequest, lead: Lead, error: str = "") -> dict[str, object]:
    offer = Offer.objects.filter(lead=lead).first()
    user = _user(request)
    return {
        "lead": lead,
        "offer": offer,
        "vehicle": vehicle_text(lead),
        "can_claim": bool(offer and lead.assigned_to_id is None and may_claim(user=user, offer=offer)),
        "error": error,
    }


@require_http_methods(["GET", "HEAD", "POST"])
def claim(request: HttpRequest, lead_id: int) -> HttpResponse:
    """GET: the claim page an alert links to (a summary, since the lead is not theirs yet).
    POST: claim it; the first wins, everyone after is told who was faster (409)."""
    user = _user(request)
    try:
        lead = claimable_lead_for(user, lead_id)
    except Lead.DoesNotExist:
        raise Http404("No such lead.") from None
    if request.method != "POST":
        return render(request, "distribution/claim.html", _claim_context(request, lead))
    try:
        actions.claim_lead(lead=lead, user=user)
    except DistributionError as error:
        lead.refresh_from_db()
        message = str(error)
        if isinstance(error, actions.AlreadyTaken):
            message = f"Too late: this lead was {message}."
        template = "distribution/_claim.html" if request.headers.get("HX-Request") else "distribution/claim.html"
        return render(request, template, _claim_context(request, lead, message), status=409)
    messages.success(request, f"The lead is yours: {lead.customer.display_name}.")
    return _go(request, _lead_url(lead))


@require_GET
def pool(request: HttpRequest) -> HttpResponse:
    """Leads waiting to be claimed by the user, and (for managers) every unowned lead to allocate."""
    user = _user(request)
    offers = list(open_offers_for(user))
    oldest: dict[tuple[int, str], int] = {}
    for offer in offers:
        if offer.kind == Offer.Kind.POOL and offer.oldest_first:
            oldest.setdefault((offer.lead.dealership_id, offer.department), offer.pk)
    rows = [
        {
            "offer": offer,
            "lead": offer.lead,
            "vehicle": vehicle_text(offer.lead),
            "blocked": offer.kind == Offer.Kind.POOL
            and offer.oldest_first
            and oldest.get((offer.lead.dealership_id, offer.department)) != offer.pk,
        }
        for offer in offers
    ]
    unowned = list(unassigned_leads_for(user)[:200])
    # Managers and admins reach each rooftop's people screen from here (who receives leads, who is away).
    rooftops = list(dealerships_seen_whole_by(user).distinct().order_by("name"))
    return render(request, "distribution/pool.html", {"rows": rows, "unowned": unowned, "rooftops": rooftops})


# Allocating -------------------------------------------------------------------------------------


def _allocatable_lead(request: HttpRequest, lead_id: int) -> Lead:
    try:
        lead = lead_for(_user(request), lead_id)
    except Lead.DoesNotExist:
        raise Http404("No such lead.") from None
    if not may_allocate(actor=_user(request), dealership=lead.dealership):
        raise Http404("No such lead.")
    return lead


@require_http_methods(["GET", "HEAD", "POST"])
def allocate(request: HttpRequest, lead_id: int) -> HttpResponse:
    """The allocate window: search people by first or last name, pick one, add a note."""
    lead = _allocatable_lead(request, lead_id)
    query = request.GET.get("q", "")
    error = ""
    if request.method == "POST":
        chosen = allocatable_users(lead).filter(pk=_int(request.POST.get("user"))).first()
        note = request.POST.get("note", "")
        if chosen is None:
            error = "Choose who gets the lead."
        else:
            try:
                actions.allocate(lead=lead, to=chosen, actor=_user(request), note=note)
            except DistributionError as problem:
                error = str(problem)
            else:
                messages.success(request, f"{lead.customer.display_name}'s lead now belongs to {chosen.name}.")
                return _go(request, safe_next(request, _lead_url(lead)))
    context = {
        "lead": lead,
        "users": allocatable_users(lead, query)[:50],
        "q": query,
        "error": error,
        "note": request.POST.get("note", ""),
        "next": safe_next(request, ""),
    }
    partial = request.headers.get("HX-Request") and request.method == "GET"
    template = "distribution/_allocate.html" if partial else "distribution/allocate.html"
    return render(request, template, context, status=422 if error else 200)


@require_GET
def allocate_users(request: HttpRequest, lead_id: int) -> HttpResponse:
    lead = _allocatable_lead(request, lead_id)
    query = request.GET.get("q", "")
    return render(
        request, "distribution/_allocate_results.html", {"lead": lead, "users": allocatable_users(lead, query)[:50]}
    )


def _int(value: str | None) -> int:
    try:
        number = int(value or "")
    except ValueError:
        return 0
    return number if 0 < number < 2**63 else 0

"""The new-lead screen, a door for a lead entered by hand: find the past customer (or add a new one),
say where it came from. It lives above `leads/` because a new lead goes through `intake.door`."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_POST

from accounts.models import Membership, User
from accounts.queries import memberships_of
from intake.door import take_in_lead
from intake.licence import MAX_PHOTO_BYTES, LicenceUnreadable, read_photo
from intake.manual_form import NewLeadForm
from leads.models import Customer
from leads.queries import customers_visible_to
from leads.search import search_customers
from leads.views.common import phone_country, signed_in


def _assignees(memberships: list[Membership]) -> QuerySet[User]:
    """Who a manager or admin may hand the new lead to: assignable users of their dealerships."""
    managed = [m.dealership_id for m in memberships if m.sees_all_leads]
    return (
        User.objects.filter(is_active=True, memberships__dealership_id__in=managed, memberships__can_be_assigned=True)
        .distinct()
        .order_by("name")
    )


def _customer_results(request: HttpRequest, user: User) -> tuple[str, list[Customer] | None]:
    q = request.GET.get("customer_q", "").strip()[:100]
    if not q:
        return q, None
    customers = customers_visible_to(user)
    dealership_id = request.GET.get("dealership", "")
    chosen = next((m.dealership for m in memberships_of(user) if str(m.dealership_id) == dealership_id), None)
    if chosen is not None:
        customers = customers.filter(organization_id=chosen.organization_id)
    country = chosen.country if chosen else phone_country(user)
    return q, search_customers(customers, q, country=country)


def _form(user: User, data: Any = None, initial: dict[str, Any] | None = None) -> NewLeadForm:
    memberships = list(memberships_of(user))
    return NewLeadForm(
        data,
        initial=initial,
        memberships=memberships,
        customers=customers_visible_to(user),
        assignees=_assignees(memberships),
        phone_country=phone_country(user),
    )


def lead_new(request: HttpRequest) -> HttpResponse:
    user = signed_in(request)
    form = _form(user, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        lead = take_in_lead(
            dealership=data["dealership"],
            department=data["department"],
            customer=form.customer_data() if data.get("existing_customer") is None else {},
            existing_customer=data.get("existing_customer"),
            source_name=form.source_name(),
            source_kind=form.source_kind(),
            comments=data.get("comments") or "",
            vehicles=form.vehicles(),
            assigned_to=data.get("assigned_to"),
            actor=user,
        )
        return HttpResponseRedirect(reverse("lead-detail", args=[lead.pk]))
    q, results = _customer_results(request, user)
    picked = form.cleaned_data.get("existing_customer") if form.is_bound and hasattr(form, "cleaned_data") else None
    context = {"form": form, "customer_q": q, "customer_results": results, "picked": picked}
    return render(request, "leads/new.html", context, status=422 if form.is_bound else 200)


@require_POST
def scan_licence(request: HttpRequest) -> HttpResponse:
    """A photo of the back of a driver's licence fills the new customer's name, address and date of
    birth; the salesperson checks them and creates the lead as usual. Nothing is stored here."""
    user = signed_in(request)
    upload = request.FILES.get("licence")
    try:
        if upload is None:
            raise LicenceUnreadable("Choose or take a photo of the back of the licence.")
        licence = read_photo(upload.read(MAX_PHOTO_BYTES + 1))
    except LicenceUnreadable as error:
        context = {"form": _form(user), "customer_q": "", "customer_results": None, "licence_error": str(error)}
        return render(request, "leads/new.html", context, status=422)
    initial = {
        "first_name": " ".join(p for p in (licence.first_name, licence.middle_name) if p),
        "last_name": licence.last_name,
        "street": ", ".join(licence.street),
        "city": licence.city,
        "region": licence.region,
        "postal_code": licence.postal_code,
        "address_country": licence.country,
        "birth_date": licence.birth_date,
        "source": "Walk-in",
    }
    context = {"form": _form(user, initial=initial), "customer_q": "", "customer_results": None, "licence_read": True}
    return render(request, "leads/new.html", context)


def new_lead_customer_search(request: HttpRequest) -> HttpResponse:
    """Past customers matching what was typed, as a fragment for the new-lead page (htmx)."""
    q, results = _customer_results(request, signed_in(request))
    return render(request, "leads/_customer_results.html", {"customer_q": q, "customer_results": results})

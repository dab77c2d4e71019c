"""One lead: its page, and every edit made on it.

Each edit is a plain POST that redirects back to the lead (so it works without JavaScript);
htmx posts the same form and swaps the lead in place. A form with errors re-renders the page
with the errors beside the form (status 422) and changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.db.models import prefetch_related_objects
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse

from accounts.models import User
from inventory.models import Vehicle
from leads import actions
from leads.forms import (
    CoCustomerForm,
    CollaboratorForm,
    ContactForm,
    CustomerForm,
    LeadDetailsForm,
    NoteForm,
    SearchVehicleForm,
    StatusForm,
    StockVehicleForm,
    TradeForm,
)
from leads.models import Customer, Lead
from leads.queries import customers_visible_to, lead_open_to, leads_visible_to
from leads.search import search_customers, search_stock
from leads.views.common import lead_route, signed_in

TIMELINE_LIMIT = 200


# Reading ---------------------------------------------------------------------------------------


def _stock(lead: Lead) -> Any:
    return Vehicle.objects.filter(dealership=lead.dealership, status=Vehicle.Status.IN_STOCK)


def _colleagues(lead: Lead) -> Any:
    """Who may collaborate: active users working at the lead's dealership, not already on the lead."""
    taken = [u.pk for u in lead.collaborators.all()]
    if lead.assigned_to_id:
        taken.append(lead.assigned_to_id)
    return (
        User.objects.filter(memberships__dealership=lead.dealership, is_active=True)
        .exclude(pk__in=taken)
        .order_by("name")
    )


def _other_customers(request: HttpRequest, lead: Lead) -> Any:
    return (
        customers_visible_to(signed_in(request))
        .filter(organization_id=lead.dealership.organization_id)
        .exclude(pk=lead.customer_id)
    )


def detail_page(
    request: HttpRequest, lead: Lead, *, bound: dict[str, forms.Form] | None = None, status: int = 200
) -> HttpResponse:
    """The lead page; `bound` holds a form that failed, shown open with its errors."""
    bound = bound or {}
    prefetch_related_objects(
        [lead],
        "vehicles",
        "trades",
        "collaborators",
        "customer__phones",
        "customer__emails",
        "co_customer__phones",
        "co_customer__emails",
    )
    country = lead.dealership.country
    stock_q = request.GET.get("stock_q", "").strip()[:100]
    customer_q = request.GET.get("customer_q", "").strip()[:100]
    response_time = (lead.first_response_at - lead.received_at).total_seconds() if lead.first_response_at else None
    context = {
        "lead": lead,
        "response_seconds": response_time,
        "timeline": list(lead.activities.select_related("actor").order_by("-at", "-id")[:TIMELINE_LIMIT]),
        "timeline_limit": TIMELINE_LIMIT,
        "open_panel": next(iter(bound), ""),
        "details_form": bound.get("details") or LeadDetailsForm.for_lead(lead),
        "status_form": bound.get("status") or StatusForm(initial={"status": lead.status}),
        "customer_form": bound.get("customer") or CustomerForm.for_customer(lead.customer, phone_country=country),
        "co_customer_form": bound.get("co_customer")
        or (
            CustomerForm.for_customer(lead.co_customer, phone_country=country, id_prefix="co_customer")
            if lead.co_customer
            else None
        ),
        "co_add_form": bound.get("co_add") or CoCustomerForm(customers=Customer.objects.none()),
        "stock_form": bound.get("stock"),
        "search_vehicle_form": bound.get("search_vehicle") or SearchVehicleForm(),
        "trade_form": bound.get("trade") or TradeForm(),
        "collaborator_form": bound.get("collaborator") or CollaboratorForm(colleagues=_colleagues(lead)),
        "contact_form": bound.get("contact") or ContactForm(),
        "note_form": bound.get("note") or NoteForm(),
        "stock_q": stock_q,
        "stock_results": search_stock(_stock(lead), stock_q) if stock_q else None,
        "customer_q": customer_q,
        "customer_results": search_customers(_other_customers(request, lead), customer_q, country=country)
        if customer_q
        else None,
    }
    return render(request, "leads/detail.html", context, status=status)


def lead_detail(request: HttpRequest, lead_id: int) -> HttpResponse:
    """The lead page; a lead offered to the user and owned by nobody yet opens read-only, with
    its claim button. As with `lead_route`, the lead is looked up before the method is checked."""
    try:
        lead, works_on_it = lead_open_to(signed_in(request), lead_id)
    except Lead.DoesNotExist:
        raise Http404("No such lead.") from None
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET"])
    if works_on_it:
        return detail_page(request, lead)
    prefetch_related_objects([lead], "vehicles", "customer__phones", "customer__emails")
    return render(request, "leads/offered.html", {"lead": lead})


@lead_route("GET")
def stock_search(request: HttpRequest, lead: Lead) -> HttpResponse:
    """Stock matching what was typed, as a fragment for htmx (the page itself answers without it)."""
    q = request.GET.get("stock_q", "").strip()[:100]
    context = {"lead": lead, "stock_q": q, "stock_results": search_stock(_stock(lead), q) if q else None}
    return render(request, "leads/_stock_results.html", context)


@lead_route("GET")
def co_customer_search(request: HttpRequest, lead: Lead) -> HttpResponse:
    q = request.GET.get("customer_q", "").strip()[:100]
    results = search_customers(_other_customers(request, lead), q, country=lead.dealership.country) if q else None
    return render(
        request, "leads/_co_customer_results.html", {"lead": lead, "customer_q": q, "customer_results": results}
    )


# Writing ---------------------------------------------------------------------------------------


def _saved(request: HttpRequest, lead: Lead, message: str, anchor: str) -> HttpResponse:
    messages.success(request, message)
    if not leads_visible_to(signed_in(request)).filter(pk=lead.pk).exists():
        # e.g. a salesperson who stopped collaborating: the lead is no longer theirs to see.
        return HttpResponseRedirect(reverse("lead-list"))
    return HttpResponseRedirect(reverse("lead-detail", args=[lead.pk]) + f"#{anchor}")


def _apply(
    request: HttpRequest, lead: Lead, *, form: forms.Form, panel: str, anchor: str, act: Callable[[], str]
) -> HttpResponse:
    """Run `act` when `form` is valid; an action's refusal (ValueError) becomes a form error."""
    if form.is_valid():
        try:
            message = act()
        except ValueError as refusal:
            form.add_error(None, str(refusal))
        else:
            return _saved(request, lead, message, anchor)
    return detail_page(request, lead, bound={panel: form}, status=422)


@lead_route("POST")
def edit_details(request: HttpRequest, lead: Lead) -> HttpResponse:
    form = LeadDetailsForm(request.POST)

    def act() -> str:
        changed = actions.update_lead(lead=lead, actor=signed_in(request), changes=form.cleaned_data)
        return "Details saved." if changed else "Nothing changed."

    return _apply(request, lead, form=form, panel="details", anchor="details", act=act)


@lead_route("POST")
def change_status(request: HttpRequest, lead: Lead) -> HttpResponse:
    form = StatusForm(request.POST)

    def act() -> str:
        data = form.cleaned_data
        actions.set_status(lead=lead, status=data["status"], actor=signed_in(request), lost_reason=data["lost_reason"])
        return f"Status: {lead.get_status_display()}."

    return _apply(request, lead, form=form, panel="status", anchor="top", act=act)


@lead_route("POST")
def edit_customer(request: HttpRequest, lead: Lead, which: str) -> HttpResponse:
    customer = lead.customer if which == "customer" else lead.co_customer
    if customer is None:
        raise Http404("This lead has no co-customer.")
    form = CustomerForm(request.POST, phone_country=lead.dealership.country, auto_id=f"{which}_%s")

    def act() -> str:
        changes = dict(form.cleaned_data)
        # Phones and emails count as changed only when the numbers or addresses differ, not when
        # the same number was merely typed another way.
        if [(p["number"], p["type"]) for p in changes["phones"]] == [(p.number, p.type) for p in customer.phones.all()]:
            del changes["phones"]
        changed = actions.update_customer(customer=customer, lead=lead, actor=signed_in(request), changes=changes)
        return f"{customer.display_name} saved." if changed else "Nothing changed."

    return _apply(request, lead, form=form, panel=which, anchor="customers", act=act)


@lead_route("POST")
def add_co_customer(request: HttpRequest, lead: Lead) -> HttpResponse:
    form = CoCustomerForm(
        request.POST, customers=_other_customers(request, lead), phone_country=lead.dealership.country
    )

    def act() -> str:
        picked = form.cleaned_data.get("customer")
        added = actions.add_co_customer(
            lead=lead,
            actor=signed_in(request),
            customer=picked,
            data=None if picked else form.customer_data(),
        )
        return f"{added.display_name} is now the co-customer."

    return _apply(request, lead, form=form, panel="co_add", anchor="customers", act=act)


@lead_route("POST")
def swap_customers(request: HttpRequest, lead: Lead) -> HttpResponse:
    if lead.co_customer is None:
        messages.error(request, "This lead has no co-customer to swap with.")
        return HttpResponseRedirect(reverse("lead-detail", args=[lead.pk]) + "#customers")
    actions.swap_customers(lead=lead, actor=signed_in(request))
    return _saved(request, lead, f"{lead.customer.display_name} is now the customer.", "customers")


@lead_route("POST")
def remove_co_customer(request: HttpRequest, lead: Lead) -> HttpResponse:
    if lead.co_customer is None:
        messages.error(request, "This lead has no co-customer.")
        return HttpResponseRedirect(reverse("lead-detail", args=[lead.pk]) + "#customers")
    actions.set_co_customer(lead=lead, customer=None, actor=signed_in(request))
    return _saved(request, lead, "Co-customer removed.", "customers")


@lead_route("POST")
def add_stock_vehicle(request: HttpRequest, lead: Lead) -> HttpResponse:
    form = StockVehicleForm(request.POST, stock=_stock(lead))

    def act() -> str:
        unit = form.cleaned_data["vehicle"]
        interest = form.cleaned_data.get("interest") or ""
        actions.add_vehicle(lead=lead, actor=signed_in(request), inventory_vehicle=unit, data={"interest": interest})
        return f"{unit} added."

    return _apply(request, lead, form=form, panel="stock", anchor="vehicles", act=act)


@lead_route("POST")
def add_search_vehicle(request: HttpRequest, lead: Lead) -> HttpResponse:
    form = SearchVehicleForm(request.POST)

    def act() -> str:
        vehicle = actions.add_vehicle(lead=lead, actor=signed_in(request), data=form.cleaned_data)
        return f"Search vehicle {vehicle} added."

    return _apply(request, lead, form=form, panel="search_vehicle", anchor="vehicles", act=act)


def _vehicle_of(lead: Lead, vehicle_id: int) -> Any:
    vehicle = lead.vehicles.filter(pk=vehicle_id).first()
    if vehicle is None:
        raise Http404("No such vehicle on this lead.")
    return vehicle


@lead_route("POST")
def prefer_vehicle(request: HttpRequest, lead: Lead, vehicle_id: int) -> HttpResponse:
    vehicle = _vehicle_of(lead, vehicle_id)
    actions.set_preferred_vehicle(lead=lead, vehicle=vehicle, actor=signed_in(request))
    return _saved(request, lead, f"{vehicle} is now the preferred vehicle.", "vehicles")


@lead_route("POST")
def remove_vehicle(request: HttpRequest, lead: Lead, vehicle_id: int) -> HttpResponse:
    vehicle = _vehicle_of(lead, vehicle_id)
    actions.remove_vehicle(lead=lead, vehicle=vehicle, actor=signed_in(request))
    return _saved(request, lead, f"{vehicle} removed.", "vehicles")


@lead_route("POST")
def add_trade(request: HttpRequest, lead: Lead) -> HttpResponse:
    form = TradeForm(request.POST)

    def act() -> str:
        trade = actions.add_trade(lead=lead, actor=signed_in(request), data=form.cleaned_data)
        return f"Trade {trade} added."

    return _apply(request, lead, form=form, panel="trade", anchor="trades", act=act)


@lead_route("POST")
def remove_trade(request: HttpRequest, lead: Lead, trade_id: int) -> HttpResponse:
    trade = lead.trades.filter(pk=trade_id).first()
    if trade is None:
        raise Http404("No such trade on this lead.")
    actions.remove_trade(lead=lead, trade=trade, actor=signed_in(request))
    return _saved(request, lead, f"Trade {trade} removed.", "trades")


@lead_route("POST")
def add_collaborator(request: HttpRequest, lead: Lead) -> HttpResponse:
    form = CollaboratorForm(request.POST, colleagues=_colleagues(lead))

    def act() -> str:
        user = form.cleaned_data["user"]
        actions.add_collaborator(lead=lead, user=user, actor=signed_in(request))
        return f"{user.name} now collaborates on this lead."

    return _apply(request, lead, form=form, panel="collaborator", anchor="collaborators", act=act)


@lead_route("POST")
def remove_collaborator(request: HttpRequest, lead: Lead, user_id: int) -> HttpResponse:
    user = lead.collaborators.filter(pk=user_id).first()
    if user is None:
        raise Http404("No such collaborator on this lead.")
    actions.remove_collaborator(lead=lead, user=user, actor=signed_in(request))
    return _saved(request, lead, f"{user.name} no longer collaborates.", "collaborators")


@lead_route("POST")
def log_contact(request: HttpRequest, lead: Lead) -> HttpResponse:
    form = ContactForm(request.POST)

    def act() -> str:
        data = form.cleaned_data
        actions.log_contact(lead=lead, kind=data["kind"], note=data["note"], actor=signed_in(request))
        return "Contact logged."

    return _apply(request, lead, form=form, panel="contact", anchor="timeline", act=act)


@lead_route("POST")
def add_note(request: HttpRequest, lead: Lead) -> HttpResponse:
    form = NoteForm(request.POST)

    def act() -> str:
        actions.add_note(lead=lead, actor=signed_in(request), text=form.cleaned_data["text"])
        return "Note added."

    return _apply(request, lead, form=form, panel="note", anchor="timeline", act=act)

"""The worksheet screens of a lead, and the quote a customer opens from a text (`/q/<token>`).

Staff routes live under leads/<id>/worksheets/ and answer 404 for a lead the user may not see
(`leads.views.common.lead_route`). The customer's quote needs no login: its 192-bit random token
is the only key, as for texted photos (`/m/<token>`).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_GET

from conversations.channels import CannotSend
from forecourt.lib.names import name_for_customers
from leads.models import Lead
from leads.views.common import lead_route, signed_in
from worksheets import actions
from worksheets.calc import FigureError
from worksheets.forms import TradeFiguresForm, WorksheetForm, initial_for
from worksheets.models import Worksheet
from worksheets.pdf import quote_pdf
from worksheets.quotes import ScenarioQuote, deal_from, quote


def _worksheet(lead: Lead, worksheet_id: int) -> Worksheet:
    try:
        return lead.worksheets.select_related("vehicle", "lead__dealership", "lead__customer").get(pk=worksheet_id)
    except Worksheet.DoesNotExist:
        raise Http404("No such worksheet.") from None


def quotes_of(worksheet: Worksheet) -> tuple[list[ScenarioQuote], list[str]]:
    """The worksheet's quotes, and why any column cannot be quoted any more (a trade that changed
    since can leave nothing to finance): that column is left out and the reason shown."""
    deal = deal_from(actions.figures_of(worksheet))
    results, problems = [], []
    for number, scenario in enumerate(worksheet.scenarios, start=1):
        try:
            results.append(quote(deal, scenario))
        except FigureError as error:
            problems.append(f"Quote {number} ({scenario['kind']}): {error.message}.")
    return results, problems


def quote_context(worksheet: Worksheet) -> dict[str, Any]:
    deal = deal_from(actions.figures_of(worksheet))
    quotes, problems = quotes_of(worksheet)
    lead = worksheet.lead
    # The customer's salesperson, named as the dealership shows names to customers.
    salesperson = name_for_customers(lead.assigned_to or worksheet.created_by, lead.dealership)
    return {
        "worksheet": worksheet,
        "deal": deal,
        "quotes": quotes,
        "problems": problems,
        "lead": lead,
        "salesperson": salesperson,
    }


@lead_route("GET", "POST")
def worksheet_new(request: HttpRequest, lead: Lead) -> HttpResponse:
    asked = request.GET.get("vehicle", "")
    vehicle = (
        lead.vehicles.filter(pk=int(asked)).first() if asked.isdigit() and len(asked) < 10 else None
    ) or lead.preferred_vehicle
    if request.method == "POST":
        form = WorksheetForm(request.POST, lead=lead)
        if form.is_valid():
            worksheet = actions.create_worksheet(
                lead=lead,
                actor=signed_in(request),
                raw=form.cleaned_data,
                scenarios=form.scenarios,
                paths=form.paths,
                vehicle=form.cleaned_data["vehicle"],
            )
            return HttpResponseRedirect(reverse("worksheet", args=[lead.pk, worksheet.pk]))
        return render(request, "worksheets/new.html", {"lead": lead, "form": form}, status=422)
    defaults = actions.defaults_for(lead, vehicle)
    defaults.setdefault("price", actions.ZERO)
    for field in ("rebates", "down_payment"):
        defaults[field] = actions.ZERO
    scenarios = [
        {"kind": "finance", "apr": "", "term_months": "60"},
        {"kind": "finance", "apr": "", "term_months": "72"},
    ]
    initial = initial_for(defaults, scenarios)
    initial["vehicle"] = vehicle
    if not defaults["price"]:
        initial["price"] = ""
    form = WorksheetForm(initial=initial, lead=lead)
    return render(request, "worksheets/new.html", {"lead": lead, "form": form})


@lead_route("GET", "POST")
def worksheet_page(request: HttpRequest, lead: Lead, worksheet_id: int) -> HttpResponse:
    worksheet = _worksheet(lead, worksheet_id)
    status = 200
    if request.method == "POST":
        form = WorksheetForm(request.POST, lead=lead)
        if form.is_valid():
            try:
                actions.update_worksheet(
                    worksheet=worksheet,
                    actor=signed_in(request),
                    raw=form.cleaned_data,
                    scenarios=form.scenarios,
                    paths=form.paths,
                )
            except ValueError as error:
                messages.error(request, str(error))
            return HttpResponseRedirect(reverse("worksheet", args=[lead.pk, worksheet.pk]))
        status = 422
    else:
        form = WorksheetForm(
            initial={**initial_for(actions.figures_of(worksheet), worksheet.scenarios), "vehicle": worksheet.vehicle},
            lead=lead,
        )
    trades = [
        (trade, TradeFiguresForm(initial=_trade_initial(trade), prefix=f"t{trade.pk}")) for trade in lead.trades.all()
    ]
    context = {**quote_context(worksheet), "form": form, "trades": trades}
    return render(request, "worksheets/worksheet.html", context, status=status)


def _trade_initial(trade: Any) -> dict[str, str]:
    figures = getattr(trade, "figures", None)
    return {"allowance": str(figures.allowance), "payoff": str(figures.payoff)} if figures else {}


@lead_route("POST")
def trade_figures(request: HttpRequest, lead: Lead, worksheet_id: int, trade_id: int) -> HttpResponse:
    worksheet = _worksheet(lead, worksheet_id)
    trade = get_object_or_404(lead.trades, pk=trade_id)
    form = TradeFiguresForm(request.POST, prefix=f"t{trade.pk}")
    if form.is_valid():
        try:
            actions.set_trade_figures(
                trade=trade,
                actor=signed_in(request),
                allowance=form.cleaned_data["allowance"],
                payoff=form.cleaned_data["payoff"],
            )
            messages.success(request, f"Trade {trade}: figures saved; open worksheets follow them.")
        except FigureError as error:
            messages.error(request, f"Trade {trade}: {error}")
    return HttpResponseRedirect(reverse("worksheet", args=[lead.pk, worksheet.pk]) + "#trade-figures")


@lead_route("POST")
def send_quote(request: HttpRequest, lead: Lead, worksheet_id: int) -> HttpResponse:
    worksheet = _worksheet(lead, worksheet_id)
    try:
        actions.send_quote(worksheet=worksheet, actor=signed_in(request))
    except (CannotSend, ValueError) as error:
        messages.error(request, f"The quote was not texted: {error}")
    else:
        messages.success(request, "The quote link is on its way to the customer by text.")
    return HttpResponseRedirect(reverse("worksheet", args=[lead.pk, worksheet.pk]))


@lead_route("POST")
def mark_sold(request: HttpRequest, lead: Lead, worksheet_id: int) -> HttpResponse:
    worksheet = _worksheet(lead, worksheet_id)
    actions.mark_sold(worksheet=worksheet, actor=signed_in(request))
    messages.success(request, "Sold! The worksheet keeps its figures and the lead is marked sold.")
    return HttpResponseRedirect(reverse("worksheet", args=[lead.pk, worksheet.pk]))


@lead_route("GET")
def worksheet_pdf(request: HttpRequest, lead: Lead, worksheet_id: int) -> HttpResponse:
    return _pdf_response(_worksheet(lead, worksheet_id))


def _pdf_response(worksheet: Worksheet) -> HttpResponse:
    response = HttpResponse(quote_pdf(quote_context(worksheet)), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="quote-{worksheet.pk}.pdf"'
    return response


def _public(token: str) -> Worksheet:
    try:
        return Worksheet.objects.select_related("vehicle", "lead__dealership", "lead__customer").get(token=token)
    except Worksheet.DoesNotExist:
        raise Http404("No such quote.") from None


@login_not_required
@require_GET
def customer_quote(request: HttpRequest, token: str) -> HttpResponse:
    response = render(request, "worksheets/quote.html", quote_context(_public(token)))
    response["X-Robots-Tag"] = "noindex"
    response["Referrer-Policy"] = "no-referrer"
    return response


@login_not_required
@require_GET
def customer_quote_pdf(request: HttpRequest, token: str) -> HttpResponse:
    return _pdf_response(_public(token))

"""Every write to a worksheet: made, re-figured, trades followed, sent to the customer, sold.

Each write is a short transaction with a line on the lead's timeline. Figures are checked by
`worksheets.quotes` before anything is stored, so a refused worksheet changes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from leads import actions as lead_actions
from leads.models import Activity, Lead, Trade, VehicleInterest
from worksheets import calc
from worksheets.models import MONEY_FIELDS, TradeFigures, Worksheet
from worksheets.quotes import check_scenarios, read_figures

ZERO = Decimal("0")


def dealership_defaults(lead: Lead) -> dict[str, Decimal]:
    """The dealership's tax rate and doc fee (settings `worksheets.tax_rate`, `worksheets.doc_fee`)."""
    values = lead.dealership.worksheets or {}
    return {"tax_rate": Decimal(values.get("tax_rate") or "0"), "fees": Decimal(values.get("doc_fee") or "0")}


def trade_totals(lead: Lead) -> dict[str, Decimal]:
    """The allowance and payoff of all the lead's trades together."""
    totals = TradeFigures.objects.filter(trade__lead=lead).aggregate(allowance=Sum("allowance"), payoff=Sum("payoff"))
    return {"trade_allowance": totals["allowance"] or ZERO, "trade_payoff": totals["payoff"] or ZERO}


def defaults_for(lead: Lead, vehicle: VehicleInterest | None = None) -> dict[str, Decimal]:
    defaults = {**dealership_defaults(lead), **trade_totals(lead)}
    if vehicle is not None and vehicle.price:
        defaults["price"] = vehicle.price
    return defaults


def _trade_given(raw: Mapping[str, Any]) -> bool:
    return any(raw.get(f) not in (None, "") for f in ("trade_allowance", "trade_payoff"))


def create_worksheet(
    *,
    lead: Lead,
    actor: User,
    raw: Mapping[str, Any],
    scenarios: Sequence[Mapping[str, str]],
    paths: Sequence[str],
    vehicle: VehicleInterest | None = None,
) -> Worksheet:
    """A new worksheet from `raw` figures (strings or numbers; missing ones take the dealership's
    and the lead's trades' defaults) and already-read `scenarios`. FigureError stores nothing."""
    figures = read_figures(raw, defaults_for(lead, vehicle))
    check_scenarios(figures, scenarios, paths)
    with transaction.atomic():
        worksheet = Worksheet.objects.create(
            lead=lead,
            vehicle=vehicle,
            created_by=actor,
            trade_from_lead=not _trade_given(raw),
            scenarios=list(scenarios),
            **figures,
        )
        lead_actions.record_activity(
            lead=lead,
            kind=Activity.Kind.NOTE,
            actor=actor,
            text=f"Worksheet {worksheet.pk} made: {vehicle or 'vehicle'} at ${worksheet.price:,}",
        )
    return worksheet


def update_worksheet(
    *,
    worksheet: Worksheet,
    actor: User,
    raw: Mapping[str, Any],
    scenarios: Sequence[Mapping[str, str]],
    paths: Sequence[str],
) -> None:
    """New figures for a worksheet; a sold worksheet keeps its figures (ValueError)."""
    if worksheet.sold:
        raise ValueError("This worksheet is sold; its figures are kept as sold.")
    figures = read_figures(raw, {})
    check_scenarios(figures, scenarios, paths)
    with transaction.atomic():
        for field, value in figures.items():
            setattr(worksheet, field, value)
        totals = trade_totals(worksheet.lead)
        worksheet.trade_from_lead = (
            figures["trade_allowance"] == totals["trade_allowance"]
            and figures["trade_payoff"] == totals["trade_payoff"]
        )
        worksheet.scenarios = list(scenarios)
        if "vehicle" in raw:
            vehicle = raw["vehicle"]
            worksheet.vehicle = (
                vehicle if vehicle is None or vehicle.lead_id == worksheet.lead_id else worksheet.vehicle
            )
        worksheet.save()
        lead_actions.record_activity(
            lead=worksheet.lead, kind=Activity.Kind.NOTE, actor=actor, text=f"Worksheet {worksheet.pk} figures changed"
        )


def set_trade_figures(*, trade: Trade, actor: User, allowance: object, payoff: object) -> TradeFigures:
    """What the dealership allows for a trade and what is owed on it; open worksheets follow."""
    values = {"allowance": calc.money(allowance or "0", "allowance"), "payoff": calc.money(payoff or "0", "payoff")}
    with transaction.atomic():
        figures, _ = TradeFigures.objects.update_or_create(trade=trade, defaults=values)
        lead_actions.record_activity(
            lead=trade.lead,
            kind=Activity.Kind.TRADE,
            actor=actor,
            text=f"Trade {trade}: ${figures.allowance:,} allowed, ${figures.payoff:,} owed",
        )
        follow_trades(trade.lead)
    return figures


def follow_trades(lead: Lead) -> int:
    """Keep open worksheets in step with the lead's trades: every worksheet not sold and not given
    its own trade figures takes the trades' totals. Called when a trade's figures change and when a
    trade is removed (signal). Returns how many worksheets followed."""
    totals = trade_totals(lead)
    return Worksheet.objects.filter(lead=lead, sold=False, trade_from_lead=True).update(
        updated_at=timezone.now(), **totals
    )


def mark_sold(*, worksheet: Worksheet, actor: User) -> None:
    """The customer bought on this worksheet: it keeps its figures, and the lead is sold."""
    with transaction.atomic():
        if not worksheet.sold:
            worksheet.sold = True
            worksheet.sold_at = timezone.now()
            worksheet.save(update_fields=["sold", "sold_at", "updated_at"])
            lead_actions.record_activity(
                lead=worksheet.lead,
                kind=Activity.Kind.NOTE,
                actor=actor,
                text=f"Worksheet {worksheet.pk} marked sold: {worksheet.vehicle or 'vehicle'}",
            )
        lead_actions.set_status(lead=worksheet.lead, status=Lead.Status.SOLD, actor=actor)


def quote_url(worksheet: Worksheet) -> str:
    return f"{settings.BASE_URL}{reverse('worksheet-quote', args=[worksheet.token])}"


def send_quote(*, worksheet: Worksheet, actor: User) -> Any:
    """Text the customer a link to the quote (through the one door for a message)."""
    from conversations.actions import send_message

    vehicle = worksheet.vehicle or "your vehicle"
    body = f"Here is your quote for the {vehicle} from {worksheet.lead.dealership.name}: {quote_url(worksheet)}"
    return send_message(lead=worksheet.lead, channel="sms", body=body, actor=actor)


def figures_of(worksheet: Worksheet) -> dict[str, Decimal]:
    return {field: getattr(worksheet, field) for field in MONEY_FIELDS}

"""`POST /api/v1/leads/{id}/worksheets` (CONTRACT §4): figures in, quote out.

Money comes and goes as decimal strings ("34995.00"); numbers are accepted too. A figure that
cannot make a quote (negative price, a term of 0 months, nothing left to finance, absurd amounts)
is 422 `invalid` naming the field, and nothing is stored.
"""

from __future__ import annotations

from typing import Annotated, Any

from django.http import HttpRequest, JsonResponse
from ninja import Path, Router
from pydantic import BeforeValidator, Field

from api.access import caller, visible_lead
from api.errors import ApiError, invalid
from api.schemas import ErrorOut, Input
from leads.models import VehicleInterest
from worksheets import actions
from worksheets.calc import FigureError, cents
from worksheets.models import MONEY_FIELDS, Worksheet
from worksheets.quotes import ScenarioQuote, deal_from, quote, read_scenario

router = Router(tags=["worksheets"])


def _no_bool(value: Any) -> Any:
    # JSON true would otherwise read as 1: a figure is a number or a decimal string.
    if isinstance(value, bool):
        raise ValueError('give a number or a decimal string such as "34995.00"')
    return value


Figure = Annotated[str | int | float, BeforeValidator(_no_bool)]


class FinanceIn(Input):
    apr: Figure = Field(description='Annual percentage rate, "5.9" for 5.9%; "0" is a 0% offer.')
    term_months: int = Field(description="Number of monthly payments.")


class LeaseIn(Input):
    msrp: Figure
    residual_percent: Figure = Field(description='"58" for 58% of the MSRP.')
    money_factor: Figure | None = Field(None, description="Either this or `apr` (money factor = APR / 2400).")
    apr: Figure | None = None
    term_months: int
    miles_per_year: int | None = Field(None, description="Mileage allowance a year, kept and shown on the quote.")


class WorksheetIn(Input):
    vehicle: int | None = Field(None, description="Id of one of the lead's vehicles.")
    price: Figure
    fees: Figure | None = Field(None, description="Dealer fees; default the dealership's doc fee.")
    tax_rate: Figure | None = Field(None, description='"0.0625" for 6.25%; default the dealership\'s rate.')
    rebates: Figure | None = None
    down_payment: Figure | None = None
    trade_allowance: Figure | None = Field(None, description="Default: the lead's trades, kept in step with them.")
    trade_payoff: Figure | None = None
    finance: FinanceIn | None = None
    lease: LeaseIn | None = None


def _money(value: Any) -> str:
    return str(cents(value))


def worksheet_to_dict(worksheet: Worksheet) -> dict[str, Any]:
    """The worksheet's inputs, cash figures and first finance and lease quotes, as the API answers."""
    deal = deal_from(actions.figures_of(worksheet))
    body: dict[str, Any] = {
        "id": worksheet.pk,
        "lead": worksheet.lead_id,
        "vehicle": worksheet.vehicle_id,
        **{f: _money(getattr(worksheet, f)) for f in MONEY_FIELDS if f != "tax_rate"},
        "tax_rate": str(worksheet.tax_rate.normalize()),
        "trade_from_lead": worksheet.trade_from_lead,
        "sales_tax": _money(deal.sales_tax),
        "total_price": _money(deal.total_price),
        "balance_due": _money(deal.balance_due),
        "sold": worksheet.sold,
        "quote_url": actions.quote_url(worksheet),
        "scenarios": [],
    }
    for scenario in worksheet.scenarios:
        body["scenarios"].append(scenario_to_dict(quote(deal, scenario)))
    for kind in ("finance", "lease"):
        first = next((s for s in body["scenarios"] if s["kind"] == kind), None)
        if first is not None:
            body[kind] = {k: v for k, v in first.items() if k != "kind"}
    return body


def scenario_to_dict(result: ScenarioQuote) -> dict[str, Any]:
    inputs: dict[str, Any] = {**result.scenario, "term_months": result.term_months}
    if "miles_per_year" in inputs:
        inputs["miles_per_year"] = int(inputs["miles_per_year"])
    if result.finance is not None:
        f = result.finance
        return {
            **inputs,
            "amount_financed": _money(f.amount_financed),
            "monthly_payment": _money(f.monthly_payment),
            "final_payment": _money(f.final_payment),
            "total_of_payments": _money(f.total_of_payments),
            "finance_charge": _money(f.finance_charge),
        }
    assert result.lease is not None
    q = result.lease
    return {
        **inputs,
        "adjusted_cap_cost": _money(q.adjusted_cap_cost),
        "residual_value": _money(q.residual_value),
        "depreciation": _money(q.depreciation),
        "rent_charge": _money(q.rent_charge),
        "base_payment": _money(q.base_payment),
        "monthly_tax": _money(q.monthly_tax),
        "monthly_payment": _money(q.monthly_payment),
    }


@router.post(
    "/leads/{lead_id}/worksheets",
    response={201: dict[str, Any], 401: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
    summary="Work the figures of a deal: the cash, finance and lease quotes they give",
)
def create_worksheet(request: HttpRequest, lead_id: Path[int], payload: WorksheetIn) -> JsonResponse:
    lead = visible_lead(request, lead_id)
    vehicle = None
    if payload.vehicle is not None:
        vehicle = VehicleInterest.objects.filter(lead=lead, pk=payload.vehicle).first()
        if vehicle is None:
            raise invalid("vehicle", f"Lead {lead.pk} has no vehicle {payload.vehicle}.")
    raw = payload.model_dump(exclude={"vehicle", "finance", "lease"})
    scenarios, paths = [], []
    try:
        if payload.finance is not None:
            scenarios.append(read_scenario(payload.finance.model_dump(), "finance", "finance"))
            paths.append("finance")
        if payload.lease is not None:
            scenarios.append(read_scenario(payload.lease.model_dump(), "lease", "lease"))
            paths.append("lease")
        worksheet = actions.create_worksheet(
            lead=lead, actor=caller(request), raw=raw, scenarios=scenarios, paths=paths, vehicle=vehicle
        )
    except FigureError as error:
        raise invalid(error.field, error.message) from None
    except ValueError as error:
        raise ApiError(422, "invalid", str(error)) from None
    return JsonResponse(worksheet_to_dict(worksheet), status=201)

"""From what a salesperson typed (or an API caller sent) to checked figures, and from a worksheet
to its quotes. Shared by the worksheet screen and the API, so both refuse exactly the same things.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from worksheets import calc
from worksheets.calc import Deal, FigureError, FinanceQuote, LeaseQuote

MAX_SCENARIOS = 3
KINDS = ("finance", "lease")


def _given(raw: Mapping[str, Any], key: str) -> bool:
    value = raw.get(key)
    return value is not None and str(value).strip() != ""


def read_figures(raw: Mapping[str, Any], defaults: Mapping[str, Decimal]) -> dict[str, Decimal]:
    """The deal's figures: each one given, else its default; FigureError names the first bad one."""
    if not _given(raw, "price"):
        raise FigureError("price", "is required")
    figures: dict[str, Decimal] = {}
    for field in ("price", "fees", "rebates", "down_payment", "trade_allowance", "trade_payoff"):
        figures[field] = calc.money(raw[field], field) if _given(raw, field) else defaults.get(field, calc.ZERO)
    if _given(raw, "tax_rate"):
        figures["tax_rate"] = calc.rate(raw["tax_rate"], "tax_rate", maximum=calc.MAX_TAX_RATE)
    else:
        figures["tax_rate"] = defaults.get("tax_rate", calc.ZERO)
    calc.check_deal(deal_from(figures))
    return figures


def read_scenario(raw: Mapping[str, Any], kind: str, path: str) -> dict[str, str]:
    """One finance or lease column, normalised to strings for storing."""
    if kind == "finance":
        if not _given(raw, "apr"):
            raise FigureError(f"{path}.apr", "is required")
        apr = calc.rate(raw["apr"], f"{path}.apr", maximum=calc.MAX_APR)
        months = calc.term(raw.get("term_months"), f"{path}.term_months")
        return {"kind": "finance", "apr": str(apr), "term_months": str(months)}
    if kind != "lease":
        raise FigureError(f"{path}.kind", 'use "finance" or "lease"')
    if not _given(raw, "msrp"):
        raise FigureError(f"{path}.msrp", "is required")
    msrp = calc.money(raw["msrp"], f"{path}.msrp")
    if not _given(raw, "residual_percent"):
        raise FigureError(f"{path}.residual_percent", "is required")
    residual = calc.rate(raw["residual_percent"], f"{path}.residual_percent", maximum=Decimal(100))
    months = calc.term(raw.get("term_months"), f"{path}.term_months")
    scenario = {
        "kind": "lease",
        "msrp": str(calc.cents(msrp)),
        "residual_percent": str(residual),
        "term_months": str(months),
    }
    has_factor, has_apr = _given(raw, "money_factor"), _given(raw, "apr")
    if has_factor == has_apr:
        raise FigureError(f"{path}.money_factor", "give either a money factor or an APR")
    if has_factor:
        factor = calc.rate(raw["money_factor"], f"{path}.money_factor", maximum=calc.MAX_MONEY_FACTOR)
        scenario["money_factor"] = str(factor)
    else:
        apr = calc.rate(raw["apr"], f"{path}.apr", maximum=calc.MAX_APR)
        scenario["apr"] = str(apr)
        scenario["money_factor"] = str(calc.money_factor_from_apr(apr))
    if _given(raw, "miles_per_year"):
        try:
            miles = int(str(raw["miles_per_year"]).replace(",", ""))
        except ValueError:
            raise FigureError(f"{path}.miles_per_year", "give a whole number of miles") from None
        if not 0 < miles <= calc.MAX_MILES:
            raise FigureError(f"{path}.miles_per_year", f"must be between 1 and {calc.MAX_MILES:,}")
        scenario["miles_per_year"] = str(miles)
    return scenario


def deal_from(figures: Mapping[str, Decimal]) -> Deal:
    return Deal(**{field: Decimal(figures[field]) for field in figures})


@dataclass(frozen=True)
class ScenarioQuote:
    """One column of the worksheet: what was asked and the quote it gives."""

    scenario: Mapping[str, str]
    finance: FinanceQuote | None = None
    lease: LeaseQuote | None = None

    @property
    def kind(self) -> str:
        return self.scenario["kind"]

    @property
    def term_months(self) -> int:
        return int(self.scenario["term_months"])

    @property
    def monthly_payment(self) -> Decimal:
        quote = self.finance or self.lease
        assert quote is not None
        return quote.monthly_payment


def quote(deal: Deal, scenario: Mapping[str, str], path: str = "") -> ScenarioQuote:
    """The quote of one stored scenario; FigureError (prefixed by `path`) when the deal cannot make it."""
    try:
        if scenario["kind"] == "finance":
            return ScenarioQuote(
                scenario,
                finance=calc.finance(deal, apr=Decimal(scenario["apr"]), term_months=int(scenario["term_months"])),
            )
        return ScenarioQuote(
            scenario,
            lease=calc.lease(
                deal,
                msrp=Decimal(scenario["msrp"]),
                residual_percent=Decimal(scenario["residual_percent"]),
                money_factor=Decimal(scenario["money_factor"]),
                term_months=int(scenario["term_months"]),
            ),
        )
    except FigureError as error:
        raise FigureError(_field_in(error.field, path or scenario["kind"]), error.message) from None


def _field_in(field: str, path: str) -> str:
    """The maths names a field of the deal ("price"), of the quote ("lease.msrp") or the quote
    itself ("finance"); the caller knows the quote as `path` ("finance", "scenarios[1]")."""
    if field in ("finance", "lease"):
        return path
    if field.startswith(("finance.", "lease.")):
        return f"{path}.{field.split('.', 1)[1]}"
    if field == "term_months":
        return f"{path}.term_months"
    return field


def check_scenarios(
    figures: Mapping[str, Decimal], scenarios: Sequence[Mapping[str, str]], paths: Sequence[str]
) -> None:
    """FigureError when any scenario cannot be quoted with these figures (e.g. nothing to finance)."""
    if len(scenarios) > MAX_SCENARIOS:
        raise FigureError("scenarios", f"at most {MAX_SCENARIOS} side by side")
    deal = deal_from(figures)
    for scenario, path in zip(scenarios, paths, strict=True):
        quote(deal, scenario, path)

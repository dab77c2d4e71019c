"""How worksheet figures read on a page: "$34,995.00", "6.25%", "Finance 60 months at 5.9% APR"."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import template

from worksheets import pdf
from worksheets.quotes import ScenarioQuote

register = template.Library()


@register.filter
def dollars(amount: Any) -> str:
    if amount is None or amount == "":
        return ""
    return pdf.dollars(Decimal(amount))


@register.filter
def percent(rate: Any) -> str:
    return f"{(Decimal(rate) * 100).normalize():f}%"


@register.filter
def scenario_title(result: ScenarioQuote) -> str:
    return pdf.scenario_title(result)


@register.filter
def scenario_lines(result: ScenarioQuote, tax_rate: Decimal) -> list[tuple[str, str]]:
    return pdf.scenario_rows(result, Decimal(tax_rate))

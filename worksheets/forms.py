"""The worksheet form: the deal's figures and up to three finance or lease columns side by side.

Every figure is read by `worksheets.quotes` (as the API's are), so the screen and the API refuse
exactly the same things, each error beside its field.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django import forms

from leads.models import Lead, VehicleInterest
from worksheets.calc import FigureError, cents
from worksheets.quotes import MAX_SCENARIOS, check_scenarios, read_figures, read_scenario

MONEY = {"inputmode": "decimal", "autocomplete": "off"}
KIND_CHOICES = [("", "—"), ("finance", "Finance"), ("lease", "Lease")]
SCENARIO_FIELDS = ("kind", "apr", "term_months", "msrp", "residual_percent", "money_factor", "miles_per_year")


def _figure(label: str, help_text: str = "", required: bool = False) -> forms.CharField:
    return forms.CharField(
        label=label, required=required, help_text=help_text, max_length=20, widget=forms.TextInput(attrs=MONEY)
    )


class TradeFiguresForm(forms.Form):
    allowance = _figure("Allowance")
    payoff = _figure("Payoff", "Still owed on it.")


class WorksheetForm(forms.Form):
    vehicle = forms.ModelChoiceField(queryset=VehicleInterest.objects.none(), required=False, label="Vehicle")
    price = _figure("Selling price", required=True)
    fees = _figure("Dealer fees")
    tax_rate = _figure("Tax rate", "0.0625 is 6.25%")
    rebates = _figure("Rebates")
    down_payment = _figure("Down payment")
    trade_allowance = _figure("Trade allowance")
    trade_payoff = _figure("Trade payoff")

    def __init__(self, *args: Any, lead: Lead, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lead = lead
        vehicle_field = self.fields["vehicle"]
        assert isinstance(vehicle_field, forms.ModelChoiceField)
        vehicle_field.queryset = lead.vehicles.all()
        for i in range(MAX_SCENARIOS):
            self.fields[f"s{i}_kind"] = forms.ChoiceField(label="Quote", choices=KIND_CHOICES, required=False)
            self.fields[f"s{i}_apr"] = _figure("APR %")
            self.fields[f"s{i}_term_months"] = _figure("Months")
            self.fields[f"s{i}_msrp"] = _figure("MSRP")
            self.fields[f"s{i}_residual_percent"] = _figure("Residual %")
            self.fields[f"s{i}_money_factor"] = _figure("Money factor", "Or the APR")
            self.fields[f"s{i}_miles_per_year"] = _figure("Miles a year")
        self.scenarios: list[dict[str, str]] = []
        self.paths: list[str] = []

    def scenario_columns(self) -> list[list[tuple[str, forms.BoundField]]]:
        return [[(name, self[f"s{i}_{name}"]) for name in SCENARIO_FIELDS] for i in range(MAX_SCENARIOS)]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors:
            return data
        try:
            for i in range(MAX_SCENARIOS):
                kind = data.get(f"s{i}_kind")
                if kind:
                    raw = {name: data.get(f"s{i}_{name}") for name in SCENARIO_FIELDS}
                    self.scenarios.append(read_scenario(raw, kind, f"s{i}"))
                    self.paths.append(f"s{i}")
            figures = read_figures(data, {})
            check_scenarios(figures, self.scenarios, self.paths)
        except FigureError as error:
            field = error.field.replace(".", "_")
            if field in {f"s{i}" for i in range(MAX_SCENARIOS)}:
                field = f"{field}_kind"  # about the whole column: "nothing to finance"
            self.add_error(field if field in self.fields else None, error.message[:1].upper() + error.message[1:])
        return data


def initial_for(figures: Mapping[str, Decimal], scenarios: list[dict[str, str]]) -> dict[str, Any]:
    """A form's starting values from stored (or default) figures and scenarios."""
    initial: dict[str, Any] = {
        k: (str(Decimal(v).normalize()) if k == "tax_rate" else str(cents(Decimal(v)))) for k, v in figures.items()
    }
    for i, scenario in enumerate(scenarios[:MAX_SCENARIOS]):
        for name, value in scenario.items():
            if name == "money_factor" and "apr" in scenario:
                continue
            initial[f"s{i}_{name}"] = value
    return initial

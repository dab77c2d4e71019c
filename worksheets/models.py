from __future__ import annotations

import secrets
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import models

from leads.models import Lead, Trade, VehicleInterest

ZERO = Decimal("0")


def new_token() -> str:
    return secrets.token_urlsafe(24)


class Worksheet(models.Model):
    """A salesperson's figures for one vehicle of a lead, and the quotes worked from them.

    Each scenario is a finance or lease column shown side by side; the cash figures (tax, total,
    balance due) are shared by all. While `trade_from_lead` is on and the worksheet is not sold,
    the trade allowance and payoff are the totals of the lead's trades and follow their changes.
    """

    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="worksheets")
    vehicle = models.ForeignKey(VehicleInterest, null=True, blank=True, on_delete=models.SET_NULL)
    price = models.DecimalField(max_digits=12, decimal_places=2)
    fees = models.DecimalField(max_digits=12, decimal_places=2, default=ZERO)
    tax_rate = models.DecimalField(max_digits=7, decimal_places=5, default=ZERO)
    rebates = models.DecimalField(max_digits=12, decimal_places=2, default=ZERO)
    down_payment = models.DecimalField(max_digits=12, decimal_places=2, default=ZERO)
    trade_allowance = models.DecimalField(max_digits=12, decimal_places=2, default=ZERO)
    trade_payoff = models.DecimalField(max_digits=12, decimal_places=2, default=ZERO)
    trade_from_lead = models.BooleanField(default=True)
    scenarios = models.JSONField(default=list, blank=True)
    """[{"kind": "finance", "apr", "term_months"} | {"kind": "lease", "msrp", "residual_percent",
    "money_factor", "apr" (when given instead), "term_months", "miles_per_year"}], values as strings."""
    sold = models.BooleanField(default=False)
    sold_at = models.DateTimeField(null=True, blank=True)
    token = models.CharField(max_length=40, unique=True, default=new_token)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Worksheet {self.pk} — {self.vehicle or 'vehicle'}"

    @property
    def figures(self) -> dict[str, Any]:
        return {f: getattr(self, f) for f in MONEY_FIELDS}


MONEY_FIELDS = ("price", "fees", "tax_rate", "rebates", "down_payment", "trade_allowance", "trade_payoff")


class TradeFigures(models.Model):
    """What the dealership allows for a trade and what is still owed on it: the defaults of every
    worksheet of the lead."""

    trade = models.OneToOneField(Trade, on_delete=models.CASCADE, related_name="figures")
    allowance = models.DecimalField(max_digits=12, decimal_places=2, default=ZERO)
    payoff = models.DecimalField(max_digits=12, decimal_places=2, default=ZERO)

    def __str__(self) -> str:
        return f"{self.trade}: {self.allowance} allowed, {self.payoff} owed"

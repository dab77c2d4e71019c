"""Finance and lease maths of a worksheet: `Decimal` money, no Django.

Where the figures are rounded (half-up to cents, as US lenders round), and nowhere else:
* sales tax: the tax amount, once (`sales_tax`);
* finance: the monthly payment, and each month's interest in the schedule; the final payment
  settles the rest, so the total of payments is (term - 1) x payment + final payment;
* lease: the residual value; the monthly payment (depreciation + rent charge, from the unrounded
  parts); the monthly tax on the payment; depreciation and rent charge are shown rounded.
The money factor is never rounded: APR / 2400 at full precision.

What is taxed (US practice where trade-in credit applies): price + dealer fees - rebates - trade
allowance, never below zero. A lease taxes each monthly payment instead of the price.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation, localcontext

CENT = Decimal("0.01")
ZERO = Decimal("0")
# Beyond these a figure is a typo, not a car deal.
MAX_MONEY = Decimal("10000000")
MAX_APR = Decimal("50")
MAX_TAX_RATE = Decimal("0.5")
MAX_TERM = 120
MAX_MONEY_FACTOR = Decimal("0.02")
MAX_MILES = 100_000


class FigureError(ValueError):
    """A figure that cannot make a quote, with the field it belongs to, in words."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


def cents(amount: Decimal) -> Decimal:
    """Rounded half-up to cents: 0.005 → 0.01."""
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def money(value: object, field: str, *, allow_negative: bool = False) -> Decimal:
    """A money figure from a decimal string or number; FigureError when it is no amount."""
    amount = _decimal(value, field)
    if amount != cents(amount):
        raise FigureError(field, "use at most two decimal places (cents)")
    if amount < 0 and not allow_negative:
        raise FigureError(field, "cannot be negative")
    if abs(amount) >= MAX_MONEY:
        raise FigureError(field, f"is more than {MAX_MONEY:,} — check the figure")
    return amount


def _decimal(value: object, field: str) -> Decimal:
    if isinstance(value, bool) or value is None:
        raise FigureError(field, 'give a number such as "34995.00"')
    try:
        amount = Decimal(str(value).strip().replace(",", "")) if not isinstance(value, Decimal) else value
    except InvalidOperation:
        raise FigureError(field, f'"{value}" is not a number') from None
    if not amount.is_finite():
        raise FigureError(field, f'"{value}" is not a number')
    return amount


def rate(value: object, field: str, *, maximum: Decimal) -> Decimal:
    amount = _decimal(value, field)
    if amount < 0:
        raise FigureError(field, "cannot be negative")
    if amount > maximum:
        raise FigureError(field, f"is more than {maximum} — check the figure")
    return amount


def term(value: object, field: str) -> int:
    try:
        months = int(str(value))
    except ValueError:
        raise FigureError(field, "give a whole number of months") from None
    if months < 1:
        raise FigureError(field, "must be at least 1 month")
    if months > MAX_TERM:
        raise FigureError(field, f"is more than {MAX_TERM} months — check the figure")
    return months


@dataclass(frozen=True)
class Deal:
    """The figures every quote of a worksheet shares."""

    price: Decimal
    fees: Decimal = ZERO
    tax_rate: Decimal = ZERO
    rebates: Decimal = ZERO
    down_payment: Decimal = ZERO
    trade_allowance: Decimal = ZERO
    trade_payoff: Decimal = ZERO

    @property
    def trade_equity(self) -> Decimal:
        """What the trade brings: allowance - payoff; negative when more is owed than it is worth."""
        return self.trade_allowance - self.trade_payoff

    @property
    def taxable_amount(self) -> Decimal:
        return max(ZERO, self.price + self.fees - self.rebates - self.trade_allowance)

    @property
    def sales_tax(self) -> Decimal:
        return cents(self.taxable_amount * self.tax_rate)

    @property
    def total_price(self) -> Decimal:
        """Price + fees + tax - rebates: what the car costs before the trade and the down payment."""
        return self.price + self.fees + self.sales_tax - self.rebates

    @property
    def balance_due(self) -> Decimal:
        """Cash deal: what is left to pay after the trade equity and the down payment."""
        return self.total_price - self.down_payment - self.trade_equity


@dataclass(frozen=True)
class FinanceQuote:
    amount_financed: Decimal
    monthly_payment: Decimal
    final_payment: Decimal
    total_of_payments: Decimal
    finance_charge: Decimal


@dataclass(frozen=True)
class LeaseQuote:
    gross_cap_cost: Decimal
    cap_cost_reduction: Decimal
    adjusted_cap_cost: Decimal
    residual_value: Decimal
    depreciation: Decimal
    rent_charge: Decimal
    base_payment: Decimal
    monthly_tax: Decimal
    monthly_payment: Decimal
    money_factor: Decimal


def check_deal(deal: Deal) -> None:
    """FigureError for a deal no quote can come from."""
    if deal.price <= 0:
        raise FigureError("price", "must be more than zero")
    if deal.tax_rate > MAX_TAX_RATE:
        raise FigureError("tax_rate", f"is more than {MAX_TAX_RATE} (a rate such as 0.0625 for 6.25%)")
    if deal.rebates > deal.price + deal.fees:
        raise FigureError("rebates", "are more than the price and fees")


def monthly_payment(principal: Decimal, apr: Decimal, months: int) -> Decimal:
    """The level payment that pays `principal` off in `months` at `apr` percent a year (APR/12 a month).

    payment = P·r / (1 - (1 + r)^-n), r = APR / 1200; at 0% APR simply P / n.
    """
    if months < 1:
        raise FigureError("term_months", "must be at least 1 month")
    with localcontext() as context:
        context.prec = 40
        if apr == 0:
            return cents(principal / months)
        r = apr / Decimal(1200)
        return cents(principal * r / (1 - (1 + r) ** -months))


def finance(deal: Deal, *, apr: Decimal, term_months: int) -> FinanceQuote:
    """A retail instalment quote: the balance due is financed."""
    check_deal(deal)
    amount = deal.balance_due
    if amount <= 0:
        raise FigureError("finance", "nothing to finance: the down payment and trade cover the price")
    payment = monthly_payment(amount, apr, term_months)
    final = final_payment(amount, apr, term_months, payment)
    total = payment * (term_months - 1) + final
    return FinanceQuote(
        amount_financed=amount,
        monthly_payment=payment,
        final_payment=final,
        total_of_payments=total,
        finance_charge=total - amount,
    )


def final_payment(principal: Decimal, apr: Decimal, months: int, payment: Decimal) -> Decimal:
    """The last payment, which settles what the rounded level payments leave (a few cents more or
    less): each month's interest is rounded to cents on the balance, as a lender's schedule does."""
    r = apr / Decimal(1200)
    balance = principal
    for _ in range(months - 1):
        balance = balance + cents(balance * r) - payment
    return balance + cents(balance * r)


def money_factor_from_apr(apr: Decimal) -> Decimal:
    with localcontext() as context:
        context.prec = 40
        return apr / Decimal(2400)


def lease(
    deal: Deal, *, msrp: Decimal, residual_percent: Decimal, money_factor: Decimal, term_months: int
) -> LeaseQuote:
    """A closed-end lease quote.

    gross cap cost = price + fees; cap cost reduction = rebates + down payment + trade equity
    (negative equity adds to the cap cost); residual = MSRP x residual %;
    payment = (adjusted cap cost - residual) / term + (adjusted cap cost + residual) x money factor,
    then x (1 + tax rate).
    """
    check_deal(deal)
    if msrp <= 0:
        raise FigureError("lease.msrp", "must be more than zero")
    if not 0 < residual_percent < 100:
        raise FigureError("lease.residual_percent", "must be between 0 and 100")
    if term_months < 1:
        raise FigureError("lease.term_months", "must be at least 1 month")
    gross = deal.price + deal.fees
    reduction = deal.rebates + deal.down_payment + deal.trade_equity
    adjusted = gross - reduction
    residual = cents(msrp * residual_percent / 100)
    if adjusted <= residual:
        raise FigureError(
            "lease", f"the adjusted cap cost ({adjusted}) must be more than the residual value ({residual})"
        )
    with localcontext() as context:
        context.prec = 40
        depreciation = (adjusted - residual) / term_months
        rent = (adjusted + residual) * money_factor
        base = cents(depreciation + rent)
    tax = cents(base * deal.tax_rate)
    return LeaseQuote(
        gross_cap_cost=gross,
        cap_cost_reduction=reduction,
        adjusted_cap_cost=adjusted,
        residual_value=residual,
        depreciation=cents(depreciation),
        rent_charge=cents(rent),
        base_payment=base,
        monthly_tax=tax,
        monthly_payment=base + tax,
        money_factor=money_factor,
    )

"""The worksheet's money maths against published worked examples and hand-checked figures."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from hypothesis import given
from hypothesis import strategies as st

from worksheets.calc import Deal, FigureError, cents, finance, lease, money, money_factor_from_apr, monthly_payment


def test_finance_payment_matches_the_standard_amortisation_table() -> None:
    """Standard loan amortisation tables (e.g. any lender's payment table): $20,000 at 6% APR for
    60 months is $386.66 a month; $25,000 at 4.5% for 60 months is $466.08; $10,000 at 12% for
    36 months is $332.14."""
    assert monthly_payment(D("20000"), D("6"), 60) == D("386.66")
    assert monthly_payment(D("25000"), D("4.5"), 60) == D("466.08")
    assert monthly_payment(D("10000"), D("12"), 36) == D("332.14")


def test_zero_percent_apr_divides_the_amount_by_the_term() -> None:
    # Hand-checked: 30,000 / 72 = 416.666… → 416.67.
    assert monthly_payment(D("30000"), D("0"), 72) == D("416.67")
    quote = finance(Deal(price=D("24000")), apr=D("0"), term_months=48)
    assert quote.monthly_payment == D("500.00")
    assert quote.total_of_payments == D("24000.00")
    assert quote.finance_charge == 0
    # 32,000 / 36 = 888.888… → 888.89; the last payment is 4 cents less, so nothing is charged.
    odd = finance(Deal(price=D("32000")), apr=D("0"), term_months=36)
    assert (odd.monthly_payment, odd.final_payment) == (D("888.89"), D("888.85"))
    assert odd.total_of_payments == D("32000.00")
    assert odd.finance_charge == 0


def test_a_term_of_zero_months_is_refused() -> None:
    with pytest.raises(FigureError, match="at least 1 month"):
        monthly_payment(D("1000"), D("5"), 0)
    with pytest.raises(FigureError, match="at least 1 month"):
        lease(Deal(price=D("30000")), msrp=D("32000"), residual_percent=D("55"), money_factor=D("0.002"), term_months=0)


def test_amount_financed_takes_off_rebates_down_payment_and_trade_equity() -> None:
    """Hand-checked, tax 0 and no fees: 32,000 - 1,000 - 3,000 - (8,000 - 5,500) = 25,500;
    at 6% for 60 months: 25,500 x 0.005 / (1 - 1.005^-60) = 492.99. The 60th payment settles
    what 59 rounded payments leave: 492.73, so the total of payments is 59 x 492.99 + 492.73."""
    deal = Deal(
        price=D("32000"),
        rebates=D("1000"),
        down_payment=D("3000"),
        trade_allowance=D("8000"),
        trade_payoff=D("5500"),
    )
    quote = finance(deal, apr=D("6"), term_months=60)
    assert quote.amount_financed == D("25500")
    assert quote.monthly_payment == D("492.99")
    assert quote.final_payment == D("492.73")
    assert quote.total_of_payments == D("29579.14")


def test_a_trade_owing_more_than_it_is_worth_adds_to_the_amount_financed() -> None:
    deal = Deal(price=D("20000"), trade_allowance=D("4000"), trade_payoff=D("6000"))
    assert finance(deal, apr=D("0"), term_months=10).amount_financed == D("22000")


def test_sales_tax_is_on_price_and_fees_less_rebates_and_trade_allowance() -> None:
    """Hand-checked: (30,000 + 150 - 1,000 - 8,000) x 6.25% = 21,150 x 0.0625 = 1,321.875 → 1,321.88."""
    deal = Deal(price=D("30000"), fees=D("150"), tax_rate=D("0.0625"), rebates=D("1000"), trade_allowance=D("8000"))
    assert deal.sales_tax == D("1321.88")
    assert deal.total_price == D("30471.88")
    assert deal.balance_due == D("22471.88")


def test_lease_payment_matches_the_edmunds_worked_example() -> None:
    """Edmunds, "Calculate your own lease payment": MSRP $23,000, residual 57% ($13,110), money
    factor 0.00125, sale price $21,000 + $1,200 fees, $1,700 down and a $500 rebate: adjusted cap
    cost $20,000; depreciation $6,890 / 36 = $191.39; rent charge $33,110 x 0.00125 = $41.39;
    payment $232.78 before tax."""
    deal = Deal(price=D("21000"), fees=D("1200"), rebates=D("500"), down_payment=D("1700"))
    quote = lease(deal, msrp=D("23000"), residual_percent=D("57"), money_factor=D("0.00125"), term_months=36)
    assert quote.adjusted_cap_cost == D("20000")
    assert quote.residual_value == D("13110.00")
    assert quote.depreciation == D("191.39")
    assert quote.rent_charge == D("41.39")
    assert quote.monthly_payment == D("232.78")


def test_lease_payment_matches_the_colorado_revenue_example() -> None:
    """Colorado Department of Revenue, lease payment example: gross cap cost $22,700, reduction
    $2,700, residual $8,000, 48 months, money factor 0.004: $250 + $112 = $362 before tax."""
    deal = Deal(price=D("22700"), down_payment=D("2700"))
    quote = lease(deal, msrp=D("20000"), residual_percent=D("40"), money_factor=D("0.004"), term_months=48)
    assert (quote.depreciation, quote.rent_charge, quote.monthly_payment) == (D("250.00"), D("112.00"), D("362.00"))


def test_lease_with_a_trade_and_tax_on_the_payment() -> None:
    """Hand-checked: cap cost 35,000 + 150 - (2,000 down + 3,000 trade equity) = 30,150; residual
    38,000 x 58% = 22,040; APR 4.8% → money factor 0.002; (30,150 - 22,040) / 36 = 225.2777…;
    (30,150 + 22,040) x 0.002 = 104.38; base 329.66; tax 6.25% = 20.60 (20.60375); 350.26."""
    deal = Deal(
        price=D("35000"),
        fees=D("150"),
        tax_rate=D("0.0625"),
        down_payment=D("2000"),
        trade_allowance=D("9000"),
        trade_payoff=D("6000"),
    )
    mf = money_factor_from_apr(D("4.8"))
    assert mf == D("0.002")
    quote = lease(deal, msrp=D("38000"), residual_percent=D("58"), money_factor=mf, term_months=36)
    assert quote.adjusted_cap_cost == D("30150")
    assert quote.base_payment == D("329.66")
    assert quote.monthly_tax == D("20.60")
    assert quote.monthly_payment == D("350.26")


def test_bad_figures_are_refused_with_the_field_named() -> None:
    with pytest.raises(FigureError, match="price: cannot be negative"):
        money("-1.00", "price")
    with pytest.raises(FigureError, match="two decimal places"):
        money("10.001", "price")
    with pytest.raises(FigureError, match="check the figure"):
        money("99999999999", "price")
    with pytest.raises(FigureError, match="is not a number"):
        money("ten", "price")
    with pytest.raises(FigureError, match="price: must be more than zero"):
        finance(Deal(price=D("0")), apr=D("5"), term_months=60)
    with pytest.raises(FigureError, match="nothing to finance"):
        finance(Deal(price=D("10000"), down_payment=D("10000")), apr=D("5"), term_months=60)


@given(
    principal=st.decimals(min_value=100, max_value=200000, places=2),
    apr=st.decimals(min_value=0, max_value=30, places=2),
    months=st.integers(min_value=1, max_value=96),
)
def test_payments_always_repay_the_amount_within_rounding(principal: D, apr: D, months: int) -> None:
    payment = monthly_payment(principal, apr, months)
    quote = finance(Deal(price=principal), apr=apr, term_months=months)
    # The last payment only corrects the rounding of the others (half a cent a month, grown by the
    # interest on it: at most x5 at 30% over 8 years), and nothing is ever charged at 0%.
    assert abs(quote.final_payment - payment) <= D("0.025") * months
    assert quote.finance_charge >= 0
    if apr == 0:
        assert quote.finance_charge == 0
    # The payments cover the principal (interest is never negative) give or take half a cent each.
    assert payment * months >= principal - D("0.005") * months
    if apr == 0:
        assert payment == cents(principal / months)

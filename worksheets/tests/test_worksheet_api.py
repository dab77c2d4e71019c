"""POST /api/v1/leads/{id}/worksheets: figures in, quote out; bad figures refused, nothing stored."""

from __future__ import annotations

from decimal import Decimal

from api.tests.conftest import is_error
from worksheets import actions
from worksheets.models import Worksheet


def test_a_worksheet_with_a_trade_gives_finance_and_lease_payments(api_for, carol, carols_lead):
    """Hand-checked figures (tax 0, no fees): 32,000 - 1,000 rebate - 3,000 down - (8,000 - 5,500)
    = 25,500 financed; 6% for 60 months = 492.99 a month. Lease: cap cost 32,000 - (1,000 + 3,000
    + 2,500) = 25,500; residual 34,000 x 55% = 18,700; money factor 0.0025 (6% / 2400);
    (25,500 - 18,700) / 36 = 188.89; (25,500 + 18,700) x 0.0025 = 110.50; payment 299.39."""
    vehicle = carols_lead.vehicles.get()
    response = api_for(carol).post(
        f"/leads/{carols_lead.pk}/worksheets",
        {
            "vehicle": vehicle.pk,
            "price": "32000.00",
            "fees": "0",
            "tax_rate": "0",
            "rebates": "1000",
            "down_payment": "3000.00",
            "trade_allowance": "8000.00",
            "trade_payoff": "5500.00",
            "finance": {"apr": "6", "term_months": 60},
            "lease": {"msrp": "34000", "residual_percent": "55", "apr": "6", "term_months": 36},
        },
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["vehicle"] == vehicle.pk
    assert body["price"] == "32000.00"
    assert body["trade_allowance"] == "8000.00"
    assert body["finance"]["amount_financed"] == "25500.00"
    assert body["finance"]["monthly_payment"] == "492.99"
    assert body["finance"]["total_of_payments"] == "29579.14"  # 59 x 492.99 + a last payment of 492.73
    assert body["lease"]["adjusted_cap_cost"] == "25500.00"
    assert body["lease"]["residual_value"] == "18700.00"
    assert body["lease"]["depreciation"] == "188.89"
    assert body["lease"]["rent_charge"] == "110.50"
    assert body["lease"]["monthly_payment"] == "299.39"
    stored = Worksheet.objects.get(pk=body["id"])
    assert stored.lead == carols_lead
    assert stored.created_by == carol
    assert not stored.trade_from_lead


def test_missing_tax_rate_and_fees_come_from_the_dealership_and_trade_from_the_lead(
    api_for, carol, carols_lead, riverside
):
    riverside.worksheets = {"tax_rate": "0.0625", "doc_fee": "150.00"}
    riverside.save()
    actions.set_trade_figures(trade=carols_lead.trades.get(), actor=carol, allowance="4000", payoff="1000")

    body = (
        api_for(carol)
        .post(f"/leads/{carols_lead.pk}/worksheets", {"price": "30000", "finance": {"apr": "0", "term_months": 48}})
        .json()
    )

    # (30,000 + 150 - 4,000) x 6.25% = 1,634.375 → 1,634.38; 30,150 + 1,634.38 - 3,000 equity = 28,784.38.
    assert body["fees"] == "150.00"
    assert body["tax_rate"] == "0.0625"
    assert body["trade_allowance"] == "4000.00"
    assert body["trade_payoff"] == "1000.00"
    assert body["sales_tax"] == "1634.38"
    assert body["finance"]["amount_financed"] == "28784.38"
    assert body["finance"]["monthly_payment"] == "599.67"  # 0% APR: 28,784.38 / 48 = 599.674…


def test_bad_figures_are_refused_and_nothing_is_stored(api_for, carol, carols_lead):
    url = f"/leads/{carols_lead.pk}/worksheets"
    cases = [
        ({"price": "-100"}, "price"),
        ({"price": "0"}, "price"),
        ({"price": "30000", "finance": {"apr": "5", "term_months": 0}}, "finance.term_months"),
        ({"price": "30000", "finance": {"apr": "900", "term_months": 60}}, "finance.apr"),
        ({"price": "1e12"}, "price"),
        ({"price": "30000", "tax_rate": "6.25"}, "tax_rate"),
        ({"price": "30000", "down_payment": "30000", "finance": {"apr": "5", "term_months": 60}}, "finance"),
        (
            {"price": "30000", "lease": {"msrp": "31000", "residual_percent": "55", "term_months": 36}},
            "lease.money_factor",
        ),
        ({"price": "abc"}, "price"),
        ({"fees": "10"}, "price"),
        ({"price": True}, "price"),
        (
            {"price": "30000", "lease": {"msrp": "31000", "residual_percent": "120", "apr": "5", "term_months": 36}},
            "lease.residual_percent",
        ),
        ({"price": "30000", "vehicle": 999999}, "vehicle"),
    ]
    for body, field in cases:
        response = api_for(carol).post(url, body)
        assert response.status_code == 422, (body, response.json())
        assert is_error(response.json())
        assert response.json()["error"]["message"].startswith(field), (body, response.json())
    assert not Worksheet.objects.exists()


def test_a_lead_the_caller_may_not_see_is_404(api_for, frank, carols_lead):
    response = api_for(frank).post(f"/leads/{carols_lead.pk}/worksheets", {"price": "30000"})
    assert response.status_code == 404
    assert not Worksheet.objects.exists()


def test_open_worksheets_follow_the_lead_s_trades(api_for, carol, carols_lead):
    trade = carols_lead.trades.get()
    following = api_for(carol).post(f"/leads/{carols_lead.pk}/worksheets", {"price": "30000"}).json()
    own = (
        api_for(carol).post(f"/leads/{carols_lead.pk}/worksheets", {"price": "30000", "trade_allowance": "5000"}).json()
    )
    assert following["trade_from_lead"]
    assert following["trade_allowance"] == "0.00"

    actions.set_trade_figures(trade=trade, actor=carol, allowance="7500", payoff="2000.50")

    assert Worksheet.objects.get(pk=following["id"]).trade_allowance == Decimal("7500.00")
    assert Worksheet.objects.get(pk=following["id"]).trade_payoff == Decimal("2000.50")
    assert Worksheet.objects.get(pk=own["id"]).trade_allowance == Decimal("5000.00")

    trade.delete()

    assert Worksheet.objects.get(pk=following["id"]).trade_allowance == Decimal("0")

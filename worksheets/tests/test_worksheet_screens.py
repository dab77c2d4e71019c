"""The worksheet screens: made from the lead page, figures refused beside their field, the quote
texted as a link the customer can open and print, the PDF, and marking it sold."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from pypdf import PdfReader

from escalations.tests.support import chicago, run_worker_at
from leads.models import Lead
from worksheets import actions
from worksheets.models import Worksheet

MONDAY_10 = chicago(2026, 3, 9, 10, 0)

FIGURES = {
    "price": "32000.00",
    "fees": "0",
    "tax_rate": "0",
    "rebates": "1000",
    "down_payment": "3000",
    "trade_allowance": "8000",
    "trade_payoff": "5500",
    "s0_kind": "finance",
    "s0_apr": "6",
    "s0_term_months": "60",
    "s1_kind": "lease",
    "s1_msrp": "34000",
    "s1_residual_percent": "55",
    "s1_apr": "6",
    "s1_term_months": "36",
    "s1_miles_per_year": "12000",
}


def make_worksheet(client, lead: Lead, **changes: str) -> Worksheet:
    response = client.post(f"/leads/{lead.pk}/worksheets/new/", {**FIGURES, **changes})
    assert response.status_code == 302, response.content.decode()
    return Worksheet.objects.get()


def test_a_new_worksheet_starts_from_the_vehicle_price_and_dealership_settings(
    client_for, carol, carols_lead, riverside
):
    riverside.worksheets = {"tax_rate": "0.0625", "doc_fee": "150.00"}
    riverside.save()
    page = client_for(carol).get(f"/leads/{carols_lead.pk}/worksheets/new/").content.decode()

    assert 'value="34995.00"' in page
    assert 'value="150.00"' in page
    assert 'value="0.0625"' in page
    lead_page = client_for(carol).get(f"/leads/{carols_lead.pk}/").content.decode()
    assert f'href="/leads/{carols_lead.pk}/worksheets/new/"' in lead_page


def test_a_worksheet_shows_the_quotes_side_by_side(client_for, carol, carols_lead):
    worksheet = make_worksheet(client_for(carol), carols_lead)

    page = client_for(carol).get(f"/leads/{carols_lead.pk}/worksheets/{worksheet.pk}/").content.decode()
    assert "Finance 60 months at 6% APR" in page
    assert "$492.99" in page
    assert "Lease 36 months, 12,000 miles a year" in page
    assert "$299.39" in page
    assert "$25,500.00" in page  # balance due: 32,000 - 1,000 - 3,000 - 2,500


def test_bad_figures_are_shown_beside_their_field_and_nothing_is_stored(client_for, carol, carols_lead):
    client = client_for(carol)
    for changes, words in [
        ({"price": "-5"}, "Cannot be negative"),
        ({"s0_term_months": "0"}, "Must be at least 1 month"),
        ({"s0_apr": "250"}, "Is more than 50"),
        ({"down_payment": "40000"}, "Nothing to finance"),
    ]:
        response = client.post(f"/leads/{carols_lead.pk}/worksheets/new/", {**FIGURES, **changes})
        assert response.status_code == 422
        assert words in response.content.decode(), changes
    assert not Worksheet.objects.exists()


def test_changing_the_figures_reworks_the_quotes(client_for, carol, carols_lead):
    client = client_for(carol)
    worksheet = make_worksheet(client, carols_lead)

    response = client.post(
        f"/leads/{carols_lead.pk}/worksheets/{worksheet.pk}/",
        {**FIGURES, "vehicle": str(carols_lead.vehicles.get().pk), "down_payment": "5500", "s1_kind": ""},
    )

    assert response.status_code == 302
    page = client.get(f"/leads/{carols_lead.pk}/worksheets/{worksheet.pk}/").content.decode()
    assert "$23,000.00" in page  # 32,000 - 1,000 - 5,500 - 2,500
    assert "$444.65" in page  # 23,000 x 0.005 / (1 - 1.005^-60)
    assert "Lease" not in page.split('id="scenarios"')[1].split("</div>")[0]
    worksheet.refresh_from_db()
    assert worksheet.vehicle == carols_lead.vehicles.get()


def test_a_zero_percent_offer_is_the_amount_over_the_term(client_for, carol, carols_lead):
    worksheet = make_worksheet(client_for(carol), carols_lead, s0_apr="0", s1_kind="")
    page = client_for(carol).get(f"/leads/{carols_lead.pk}/worksheets/{worksheet.pk}/").content.decode()
    assert "$425.00" in page  # 25,500 / 60


def test_changing_a_trade_moves_the_open_worksheet(client_for, carol, carols_lead):
    client = client_for(carol)
    worksheet = make_worksheet(client, carols_lead, trade_allowance="", trade_payoff="")
    trade = carols_lead.trades.get()

    client.post(
        f"/leads/{carols_lead.pk}/worksheets/{worksheet.pk}/trades/{trade.pk}/",
        {f"t{trade.pk}-allowance": "6000", f"t{trade.pk}-payoff": "1000"},
    )

    page = client.get(f"/leads/{carols_lead.pk}/worksheets/{worksheet.pk}/").content.decode()
    assert "\N{MINUS SIGN}$6,000.00" in page
    assert "$23,000.00" in page  # balance due: 32,000 - 1,000 - 3,000 - 5,000

    # A trade worth more than what is left: the finance column says why it is gone.
    client.post(
        f"/leads/{carols_lead.pk}/worksheets/{worksheet.pk}/trades/{trade.pk}/",
        {f"t{trade.pk}-allowance": "40000", f"t{trade.pk}-payoff": "0"},
    )
    page = client.get(f"/leads/{carols_lead.pk}/worksheets/{worksheet.pk}/").content.decode()
    assert "Quote 1 (finance): nothing to finance" in page


def test_marking_a_worksheet_sold_marks_the_lead_sold_and_keeps_its_figures(client_for, carol, carols_lead):
    client = client_for(carol)
    worksheet = make_worksheet(client, carols_lead, trade_allowance="", trade_payoff="")

    client.post(f"/leads/{carols_lead.pk}/worksheets/{worksheet.pk}/sold/")

    carols_lead.refresh_from_db()
    assert carols_lead.status == Lead.Status.SOLD
    assert carols_lead.activities.filter(text__contains="Sold").exists()
    actions.set_trade_figures(trade=carols_lead.trades.get(), actor=carol, allowance="9000", payoff="0")
    worksheet.refresh_from_db()
    assert worksheet.sold
    assert worksheet.trade_allowance == 0


def test_another_dealerships_user_cannot_open_the_worksheet(client_for, carol, frank, carols_lead):
    worksheet = make_worksheet(client_for(carol), carols_lead)
    assert client_for(frank).get(f"/leads/{carols_lead.pk}/worksheets/{worksheet.pk}/").status_code == 404
    assert client_for(frank).post(f"/leads/{carols_lead.pk}/worksheets/{worksheet.pk}/sold/").status_code == 404


def test_the_customer_opens_the_quote_without_logging_in_and_can_print_it(client_for, client, carol, carols_lead):
    worksheet = make_worksheet(client_for(carol), carols_lead)

    page = client.get(f"/q/{worksheet.token}")
    assert page.status_code == 200
    body = page.content.decode()
    assert "Riverside Toyota: your quote" in body
    assert "$492.99" in body
    assert "worksheets.css" in body
    assert "data-print" in body
    assert client.get(f"/q/{worksheet.token}x").status_code == 404


def test_the_quote_pdf_holds_the_payments(client_for, client, carol, carols_lead):
    worksheet = make_worksheet(client_for(carol), carols_lead)

    response = client.get(f"/q/{worksheet.token}.pdf")
    assert response["Content-Type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert "Riverside Toyota: your quote" in text
    assert "$492.99" in text
    assert "$299.39" in text
    staff = client_for(carol).get(f"/leads/{carols_lead.pk}/worksheets/{worksheet.pk}/quote.pdf")
    assert staff.content.startswith(b"%PDF")


@pytest.mark.django_db(transaction=True)
def test_the_quote_is_texted_to_the_customer_as_a_link(client_for, carol, texting, twilio, settings):
    from conftest import make_lead
    from escalations.tests.support import at

    with at(MONDAY_10 - timedelta(minutes=3)):
        lead = make_lead(texting, assigned_to=carol, vehicles=[{"make": "RAM", "model": "2500"}])
    client = client_for(carol)
    with at(MONDAY_10):
        worksheet = make_worksheet(client, lead)
        response = client.post(f"/leads/{lead.pk}/worksheets/{worksheet.pk}/send/", follow=True)
    assert "on its way" in response.content.decode()
    run_worker_at(MONDAY_10 + timedelta(seconds=1))

    [request] = twilio.requests
    assert request["form"]["To"] == ["+15125550100"]
    assert f"{settings.BASE_URL}/q/{worksheet.token}" in request["form"]["Body"][0]

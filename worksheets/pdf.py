"""The quote as a PDF (fpdf2): the same figures as the quote page, one page a customer can keep."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from worksheets.calc import cents
from worksheets.quotes import ScenarioQuote

if TYPE_CHECKING:
    from fpdf import FPDF


def dollars(amount: Decimal) -> str:
    value = cents(amount)
    return f"-${-value:,}" if value < 0 else f"${value:,}"


def in_latin1(text: str) -> str:
    """`text` as the PDF's built-in fonts can print it: they know Latin-1 only, and anything else
    prints as "?" rather than failing (the trade-in sheet uses it too)."""
    return text.encode("latin-1", "replace").decode("latin-1")


def scenario_title(result: ScenarioQuote) -> str:
    s = result.scenario
    if result.kind == "finance":
        return f"Finance {s['term_months']} months at {Decimal(s['apr']).normalize():f}% APR"
    miles = f", {int(s['miles_per_year']):,} miles a year" if s.get("miles_per_year") else ""
    return f"Lease {s['term_months']} months{miles}"


def scenario_rows(result: ScenarioQuote, tax_rate: Decimal) -> list[tuple[str, str]]:
    if result.finance is not None:
        f = result.finance
        return [
            ("Monthly payment", dollars(f.monthly_payment)),
            ("Amount financed", dollars(f.amount_financed)),
            *([("Last payment", dollars(f.final_payment))] if f.final_payment != f.monthly_payment else []),
            ("Finance charge", dollars(f.finance_charge)),
            ("Total of payments", dollars(f.total_of_payments)),
        ]
    assert result.lease is not None
    q = result.lease
    return [
        ("Monthly payment (with tax)", dollars(q.monthly_payment)),
        ("Base payment", dollars(q.base_payment)),
        (f"Tax on the payment ({tax_rate * 100:.3f}%)".replace(".000%", "%"), dollars(q.monthly_tax)),
        ("Adjusted cap cost", dollars(q.adjusted_cap_cost)),
        ("Residual value", dollars(q.residual_value)),
    ]


def quote_pdf(context: Mapping[str, Any]) -> bytes:
    from fpdf import FPDF  # a fifth of a second to load, which every process start paid; only quotes need it

    worksheet, deal, quotes = context["worksheet"], context["deal"], context["quotes"]
    lead = worksheet.lead
    pdf = FPDF(format="Letter")
    pdf.set_title(in_latin1(f"Quote from {lead.dealership.name}"))
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 16)
    pdf.cell(0, 10, in_latin1(f"{lead.dealership.name}: your quote"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 11)
    pdf.cell(0, 7, in_latin1(f"For {lead.customer.display_name}"), new_x="LMARGIN", new_y="NEXT")
    if context.get("salesperson"):
        pdf.cell(0, 7, in_latin1(f"Your salesperson: {context['salesperson']}"), new_x="LMARGIN", new_y="NEXT")
    pdf.cell(0, 7, in_latin1(str(worksheet.vehicle or "Vehicle")), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    rows = [
        ("Selling price", dollars(deal.price)),
        ("Dealer fees", dollars(deal.fees)),
        ("Rebates", dollars(-deal.rebates)),
        (f"Sales tax ({deal.tax_rate * 100:.3f}%)".replace(".000%", "%"), dollars(deal.sales_tax)),
        ("Total price", dollars(deal.total_price)),
        ("Trade allowance", dollars(deal.trade_allowance)),
        ("Trade payoff", dollars(deal.trade_payoff)),
        ("Down payment", dollars(deal.down_payment)),
        ("Balance due (cash)", dollars(deal.balance_due)),
    ]
    _table(pdf, "Cash", rows)
    for result in quotes:
        _table(pdf, scenario_title(result), scenario_rows(result, deal.tax_rate))
    pdf.set_font("Helvetica", "I", 9)
    pdf.multi_cell(
        0,
        5,
        "Sales tax is on the price and fees less rebates and the trade allowance. A lease is taxed on "
        "each payment. Figures are estimates until the lender approves them.",
    )
    return bytes(pdf.output())


def _table(pdf: FPDF, title: str, rows: list[tuple[str, str]]) -> None:
    from fpdf.fonts import FontFace  # fpdf is loaded only to make a PDF (above)

    pdf.set_font("Helvetica", "B", 12)
    pdf.cell(0, 8, in_latin1(title), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 11)
    with pdf.table(
        col_widths=(3, 2), text_align=("LEFT", "RIGHT"), first_row_as_headings=False, headings_style=FontFace()
    ) as table:
        for label, amount in rows:
            table.row([in_latin1(label), amount])
    pdf.ln(4)

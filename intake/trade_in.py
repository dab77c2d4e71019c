"""The trade-in CC email: a trade-in request with no vehicle of interest (a sell-my-car or appraisal
request) is emailed to the dealership's trade-in address, with the lead's core data as a PDF and
the link to the lead in Forecourt, where the rest of it is."""

from __future__ import annotations

from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from django.conf import settings

from intake.adf_out import lead_url, relay_address
from leads.models import Lead, Trade, VehicleInterest
from notifications.actions import queue_email
from notifications.models import OutboundEmail
from worksheets.pdf import in_latin1

if TYPE_CHECKING:
    from fpdf import FPDF

PURPOSE = "trade_in_cc"


def names_a_vehicle(vehicle: VehicleInterest) -> bool:
    """An interest that says which vehicle (an empty `<vehicle>` of a form is no reference)."""
    return bool(vehicle.make or vehicle.model or vehicle.vin or vehicle.stock or vehicle.inventory_vehicle_id)


def is_trade_in_request(lead: Lead) -> bool:
    """A lead offering a vehicle in trade without naming one to buy: what the trade-in CC is for."""
    return bool(list(lead.trades.all())) and not any(names_a_vehicle(v) for v in lead.vehicles.all())


def trade_title(trade: Trade) -> str:
    return str(trade) if str(trade) != "Trade" else "a vehicle"


def received_at(lead: Lead) -> str:
    """When the lead came in, in the dealership's time zone, with the zone's abbreviation."""
    local = lead.received_at.astimezone(ZoneInfo(lead.dealership.timezone))
    return local.strftime("%a %d %b %Y, %I:%M %p %Z").replace(" 0", " ")


def _rows(lead: Lead) -> list[tuple[str, str]]:
    customer = lead.customer
    phones = ", ".join(p.number or p.raw for p in customer.phones.all())
    place = " ".join(part for part in (customer.postal_code, customer.city, customer.region) if part)
    return [
        ("Customer", customer.display_name),
        ("Phone", phones or "none given"),
        ("Email (to its thread)", relay_address(lead)),
        *([("Lives in", place)] if place else []),
        ("Source", lead.source_name),
        ("Received", received_at(lead)),
        ("Lead", f"{lead.pk} at {lead.dealership.name}"),
    ]


def _trade_rows(trade: Trade) -> list[tuple[str, str]]:
    rows = [
        ("Year", str(trade.year or "")),
        ("Make", trade.make),
        ("Model", f"{trade.model} {trade.trim}".strip()),
        ("VIN", trade.vin),
        ("Odometer", f"{trade.odometer:,} mi" if trade.odometer is not None else ""),
        ("Condition and notes", trade.notes),
    ]
    return [(label, value or "not given") for label, value in rows]


def _table(pdf: FPDF, title: str, rows: list[tuple[str, str]]) -> None:
    from fpdf.fonts import FontFace  # fpdf is loaded only to make a PDF (above)

    pdf.set_font("Helvetica", "B", 12)
    pdf.cell(0, 8, in_latin1(title), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 11)
    with pdf.table(col_widths=(3, 10), first_row_as_headings=False, headings_style=FontFace()) as table:
        for label, value in rows:
            table.row([in_latin1(label), in_latin1(value)])
    pdf.ln(4)


def trade_in_pdf(lead: Lead) -> bytes:
    """One page: who, which vehicle, what they wrote, and the link to everything else."""
    from fpdf import FPDF  # a fifth of a second to load, which every process start paid; only this PDF needs it

    url = lead_url(lead)
    pdf = FPDF(format="Letter")
    pdf.set_title(in_latin1(f"Trade-in request {lead.pk}: {lead.customer.display_name}"))
    pdf.set_author(in_latin1(lead.dealership.name))
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 16)
    pdf.cell(0, 10, in_latin1(f"Trade-in request for {lead.dealership.name}"), new_x="LMARGIN", new_y="NEXT")
    _table(pdf, "Customer", _rows(lead))
    for number, trade in enumerate(lead.trades.all(), start=1):
        _table(pdf, f"Vehicle offered{f' ({number})' if number > 1 else ''}: {trade_title(trade)}", _trade_rows(trade))
    if lead.comments.strip():
        pdf.set_font("Helvetica", "B", 12)
        pdf.cell(0, 8, "Comments", new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Helvetica", "", 11)
        pdf.multi_cell(0, 6, in_latin1(lead.comments.strip()[:4000]), new_x="LMARGIN", new_y="NEXT")
        pdf.ln(4)
    pdf.set_font("Helvetica", "", 11)
    pdf.multi_cell(0, 6, "Everything else about this lead, and its conversation, is in Forecourt:")
    pdf.set_text_color(0, 0, 200)
    pdf.cell(0, 7, in_latin1(url), link=url, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def message_id(lead: Lead) -> str:
    return f"<trade-in.{lead.pk}.{lead.received_at:%Y%m%d%H%M%S}@{settings.RELAY_DOMAIN}>"


def email_trade_in(*, lead: Lead, to: str, pdf: bytes) -> OutboundEmail | None:
    """Queue the trade-in CC email of `lead` to `to`, once per lead (its Message-ID is the lead's);
    None when it was queued before."""
    key = message_id(lead)
    if OutboundEmail.objects.filter(message_id=key).exists():
        return None
    trades = ", ".join(trade_title(t) for t in lead.trades.all())
    name = lead.customer.display_name
    body = (
        f"{name} would like to sell or trade in {trades} (lead {lead.pk}, from {lead.source_name}, "
        f"received {received_at(lead)}).\n\n"
        "The lead's core data is in the attached PDF. Everything else, and the conversation, is in Forecourt:\n"
        f"{lead_url(lead)}\n\n"
        f"Sent by Forecourt for {lead.dealership.name}: the trade-in CC address of its forwarding settings.\n"
    )
    return queue_email(
        to=[to],
        subject=f"Trade-in request: {trades} from {name} ({lead.source_name})",
        body=body,
        purpose=PURPOSE,
        attachments=[(f"trade-in-lead-{lead.pk}.pdf", pdf, "application/pdf")],
        message_id=key,
    )

"""ADF out: each new lead sent to the dealership's CRM/DMS as an ADF 1.0 email.

The customer's real email address never leaves Forecourt: the CRM gets a per-lead relay
address instead, and a link back to the lead in the comments.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from decimal import Decimal

from django.conf import settings

from dealerships.models import Dealership
from forecourt.lib.batch import read_settled
from intake.models import IntakeSettings
from leads.models import Customer, Lead, Trade, VehicleInterest
from notifications.actions import queue_email

# XML 1.0 cannot carry these characters at all, escaped or not.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_ADF_INTERESTS = {"buy", "lease", "sell", "trade-in", "test-drive"}


def relay_address(lead: Lead) -> str:
    """The lead's reply address, lead-<token>@RELAY_DOMAIN: a CRM's mail to it lands in the lead's
    thread, and email from the thread goes out from it (the email relay, `relay` app)."""
    from relay.addresses import relay_address_of  # the relay sits above intake; only its address is needed

    return relay_address_of(lead).address


def lead_url(lead: Lead) -> str:
    return f"{settings.BASE_URL}/leads/{lead.pk}/"


def _clean(value: object) -> str:
    return _NOT_XML.sub("", str(value))


def _add(parent: ET.Element, tag: str, value: object = None, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, tag, {k.rstrip("_"): _clean(v) for k, v in attrs.items() if v})
    if value not in (None, ""):
        element.text = _clean(value)
    return element


def _vehicle(parent: ET.Element, vehicle: VehicleInterest | Trade, *, interest: str, currency: str) -> None:
    condition = getattr(vehicle, "condition", "used") or ""
    node = _add(parent, "vehicle", interest=interest, status=condition if condition in ("new", "used") else "")
    _add(node, "year", vehicle.year)
    _add(node, "make", vehicle.make)
    _add(node, "model", vehicle.model)
    _add(node, "vin", vehicle.vin)
    if isinstance(vehicle, VehicleInterest):
        _add(node, "stock", vehicle.stock)
    _add(node, "trim", vehicle.trim)
    if vehicle.odometer is not None:
        _add(node, "odometer", vehicle.odometer, status="original", units="mi")
    if isinstance(vehicle, VehicleInterest) and vehicle.price is not None:
        _add(node, "price", f"{Decimal(vehicle.price):.2f}", type="asking", currency=currency)
    if isinstance(vehicle, Trade) and vehicle.notes:
        _add(node, "comments", vehicle.notes)


def _contact(parent: ET.Element, customer: Customer, email: str) -> None:
    contact = _add(parent, "contact")
    if customer.first_name or customer.last_name:
        _add(contact, "name", customer.first_name, part="first")
        _add(contact, "name", customer.last_name, part="last")
    else:
        _add(contact, "name", customer.business_name or "Unknown", part="full", type="business")
    _add(contact, "email", email)
    for phone in customer.phones.all():
        _add(contact, "phone", phone.number or phone.raw, type=phone.type)
    if customer.street or customer.city or customer.postal_code:
        address = _add(contact, "address")
        for line, street in enumerate(customer.street or [""], start=1):
            _add(address, "street", street, line=str(line))
        _add(address, "city", customer.city)
        _add(address, "regioncode", customer.region)
        _add(address, "postalcode", customer.postal_code)
        _add(address, "country", customer.country)


def lead_to_adf(lead: Lead) -> str:
    """The lead as an ADF 1.0 document (UTF-8 text with its XML and ADF declarations)."""
    currency = "CAD" if lead.dealership.country == "CA" else "USD"
    adf = ET.Element("adf")
    prospect = _add(adf, "prospect", status="new")
    _add(prospect, "id", lead.pk, sequence="1", source="Forecourt")
    if lead.source_ref:
        _add(prospect, "id", lead.source_ref, sequence="1", source=lead.source_name)
    _add(prospect, "requestdate", lead.received_at.isoformat(timespec="seconds"))
    vehicles = list(lead.vehicles.all())
    for vehicle in vehicles:
        interest = vehicle.interest if vehicle.interest in _ADF_INTERESTS else "buy"
        _vehicle(prospect, vehicle, interest=interest, currency=currency)
    if not vehicles:
        # ADF requires a vehicle; an empty one says the customer named none.
        empty = _add(prospect, "vehicle", interest="buy")
        for tag in ("year", "make", "model"):
            _add(empty, tag)
    for trade in lead.trades.all():
        _vehicle(prospect, trade, interest="trade-in", currency=currency)
    customer = _add(prospect, "customer")
    _contact(customer, lead.customer, relay_address(lead))
    if lead.timeframe:
        timeframe = _add(customer, "timeframe")
        _add(timeframe, "description", lead.timeframe.get("description"))
        _add(timeframe, "earliestdate", lead.timeframe.get("earliest_date"))
        _add(timeframe, "latestdate", lead.timeframe.get("latest_date"))
    comments = "\n\n".join(part for part in (lead.comments.strip(), f"Forecourt lead: {lead_url(lead)}") if part)
    _add(customer, "comments", comments)
    vendor = _add(prospect, "vendor")
    _add(vendor, "vendorname", lead.dealership.name)
    _add(_add(vendor, "contact"), "name", lead.dealership.name, part="full")
    provider = _add(prospect, "provider")
    _add(provider, "name", "Forecourt", part="full")
    _add(provider, "service", f"{lead.source_name} ({lead.get_department_display()})")
    _add(provider, "url", lead_url(lead))
    ET.indent(adf)
    body = ET.tostring(adf, encoding="unicode")
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<?adf version="1.0"?>\n{body}\n'


def crm_address(dealership: Dealership) -> str:
    """Where the dealership's new leads go as ADF (its CRM or DMS), or "" for nowhere (in intake,
    kept while the settings stay as they are: `forecourt.lib.batch.read_settled`)."""
    return read_settled(
        ("intake.crm_address", dealership.pk),
        lambda: IntakeSettings.objects.filter(dealership=dealership).values_list("crm_email", flat=True).first() or "",
    )


def forward_to_crm(*, lead: Lead, to: str) -> None:
    """Queue the lead as an ADF email to the dealership's CRM; the worker sends it."""
    queue_email(
        to=[to],
        subject=f"ADF lead {lead.pk}: {lead.customer.display_name} ({lead.source_name})"[:300],
        body=lead_to_adf(lead),
        purpose="adf_out",
    )

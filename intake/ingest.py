"""Turning one parsed ADF prospect into a lead: a new one, a resubmission on the customer's open
lead, or the lead we already hold when the same lead is delivered again."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import partial
from typing import Any

from django.db import IntegrityError, transaction

from accounts.models import User
from dealerships.models import Dealership, Department
from forecourt.lib import batch
from forecourt.lib.batch import taking_many
from forecourt.lib.rows import new
from intake import dedupe
from intake.adf.clean import MAX_TEXT_AROUND, TEXT_AROUND
from intake.door import take_in_lead
from intake.models import LeadSourceId
from intake.resubmit import add_resubmission
from intake.sources import Source
from leads import actions as lead_actions
from leads.matching import lock_customer_matching, match_customer
from leads.matching import read_ahead as read_ahead_customers
from leads.models import Customer, Lead, VehicleInterest


class Outcome:
    CREATED = "created"
    RESUBMITTED = "resubmitted"
    RESEND = "resend"
    DUPLICATE = "duplicate"


MAX_ALSO_SENT = 200  # pairs kept per lead; a document has at most 10,000 elements


@dataclass(frozen=True)
class Ingested:
    """What became of one prospect: the lead it landed on and how (one of `Outcome`)."""

    lead: Lead
    outcome: str

    @property
    def is_new(self) -> bool:
        return self.outcome == Outcome.CREATED


def ingest_prospect(
    *,
    dealership: Dealership,
    prospect: Mapping[str, Any],
    source: Source,
    actor: User | None = None,
    merge_repeat_customers: bool = True,
) -> Ingested:
    """Take one prospect (CONTRACT §4 dict) in at `dealership`, inside the caller's transaction."""
    keys = _lead_id_keys(prospect, source)
    repeat = Outcome.RESEND if prospect.get("status") == "resend" else Outcome.DUPLICATE
    held = _held_lead(dealership, keys)
    if held is not None:
        return Ingested(held, repeat)
    try:
        # No savepoint in a batch of many: the error ends the batch, which is then taken again
        # delivery by delivery (`forecourt.lib.batch.taking_many`).
        with transaction.atomic(savepoint=not taking_many()):
            result = _take_in(dealership, prospect, source, actor, merge_repeat_customers)
            # The keys were free a moment ago (`_held_lead`); one taken since by another process
            # breaks the unique constraint here, and that process's lead is returned below.
            # In a batch of many, written as it ends: a copy of this lead later in the same batch
            # then breaks the constraint there, and the batch is taken again delivery by delivery.
            batch.insert_many(
                new(LeadSourceId, dealership=dealership, source=key_source, value=value, lead=result.lead)
                for key_source, value in keys
            )
            for key in keys:  # a copy later in the same batch finds the lead
                batch.remember(_held_key(dealership, key), result.lead)
            return result
    except IntegrityError:
        # Another process took the same lead in at the same moment; it won, we return its lead.
        held = _held_lead(dealership, keys)
        if held is None:
            raise
        return Ingested(held, repeat)


def _lead_id_keys(prospect: Mapping[str, Any], source: Source) -> list[tuple[str, str]]:
    provider = prospect.get("provider") or {}
    return dedupe.lead_id_keys(prospect.get("ids") or [], default_source=provider.get("name") or source.name)


def _held_lead(dealership: Dealership, keys: list[tuple[str, str]]) -> Lead | None:
    for key in keys:
        lead = batch.read_once(_held_key(dealership, key), partial(_lead_by_one_key, dealership, key))
        if lead is not None:
            return lead
    return None


def _held_key(dealership: Dealership, key: tuple[str, str]) -> tuple[str, int, str, str]:
    return ("lead_source_id", dealership.pk, *key)


def _lead_by_one_key(dealership: Dealership, key: tuple[str, str]) -> Lead | None:
    return _lead_by_key(dealership, [key]).get(key)


def _lead_by_key(dealership: Dealership, keys: list[tuple[str, str]]) -> dict[tuple[str, str], Lead]:
    # Both columns asked, so the unique index (dealership, source, value) answers: by value alone it
    # cannot, and every delivery then read all the rooftop's ids, a row for each lead it ever had.
    rows = LeadSourceId.objects.filter(
        dealership=dealership, source__in={source for source, _ in keys}, value__in=[value for _, value in keys]
    )
    wanted = set(keys)
    return {
        (row.source, row.value): row.lead for row in rows.select_related("lead") if (row.source, row.value) in wanted
    }


def read_ahead(prospects: Sequence[tuple[Dealership, Mapping[str, Any], Source]]) -> None:
    """In a batch of many, read what taking its prospects in will look up one by one, a query per
    kind and dealership for all of them (`forecourt.lib.batch.remember`): the leads already held
    under their sender's ids, the customers they may be, the stock units they name."""
    read_ahead_customers(
        (dealership.organization, customer_values(contact), dealership.country or "US")
        for dealership, prospect, _ in prospects
        for contact in (prospect.get("customer") or {}, prospect.get("co_customer") or {})
    )
    by_dealership: dict[int, tuple[Dealership, list[Mapping[str, Any]], list[Source]]] = {}
    for dealership, prospect, source in prospects:
        entry = by_dealership.setdefault(dealership.pk, (dealership, [], []))
        entry[1].append(prospect)
        entry[2].append(source)
    for dealership, of_dealership, sources in by_dealership.values():
        keys = [
            key
            for prospect, source in zip(of_dealership, sources, strict=True)
            for key in _lead_id_keys(prospect, source)
        ]
        if keys:
            held = _lead_by_key(dealership, keys)
            for key in keys:
                batch.remember(_held_key(dealership, key), held.get(key))
        stocks = {vehicle_values(v)["stock"] for prospect in of_dealership for v in prospect.get("vehicles") or []}
        lead_actions.read_ahead_stock(dealership=dealership, stocks=stocks - {""})


def _take_in(
    dealership: Dealership,
    prospect: Mapping[str, Any],
    source: Source,
    actor: User | None,
    merge_repeat_customers: bool,
) -> Ingested:
    country = dealership.country or "US"
    customer_data = customer_values(prospect.get("customer") or {})
    vehicles = [vehicle_values(v) for v in prospect.get("vehicles") or []]
    trades = [trade_values(t) for t in prospect.get("trades") or []]
    department = department_of(vehicles)
    comments = str(prospect.get("comments") or "").strip()
    organization = dealership.organization
    # Copies of one lead delivered at once (no ADF id to tell them apart) must meet one customer:
    # each waits here for the one before it to commit the customer and lead it made.
    lock_customer_matching(organization=organization)
    existing = match_customer(organization=organization, data=customer_data, country=country)
    if existing is not None:
        # The customer may have a lead made earlier in this batch, its owner still to be chosen
        # (`forecourt.lib.batch.later`): chosen now, before this request looks for their open lead
        # and past salesperson.
        batch.run_later()
    if (
        existing is not None
        and merge_repeat_customers
        and not dedupe.distributes_existing_customers(dealership, department)
    ):
        open_lead = dedupe.open_lead_for(customer=existing, dealership=dealership, department=department)
        if open_lead is not None:
            lead_actions.add_customer_contacts(customer=existing, data=customer_data, country=country)
            add_resubmission(
                lead=open_lead,
                source_name=source.name,
                comments=comments,
                vehicles=vehicles,
                trades=trades,
                also_sent=_also_sent(prospect),
            )
            return Ingested(open_lead, Outcome.RESUBMITTED)
    customer = _customer(existing, dealership, customer_data)
    co_data = prospect.get("co_customer")
    lead = take_in_lead(
        dealership=dealership,
        customer=customer_data,
        existing_customer=customer,
        customer_is_new=existing is None,
        co_customer=customer_values(co_data) if co_data else None,
        source_name=source.name[:100],
        source_kind=source.kind,
        source_ref=_first_id(prospect),
        department=department,
        vehicles=vehicles,
        trades=trades,
        comments=comments,
        timeframe=prospect.get("timeframe") or None,
        actor=actor,
        crm_salesperson=_text(prospect.get("salesperson"), 64),
        also_sent=_also_sent(prospect),
        autorespond=True,  # a lead from a third party, the website or a maker: its customer hears from us
    )
    return Ingested(lead, Outcome.CREATED)


def _also_sent(prospect: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The prospect's `extra` (what has no field of its own) as (what, value) pairs a salesperson
    can read: ("customer/messages/message[3]/text", "help me!"). Empty values are left out."""
    pairs = []
    for item in prospect.get("extra") or []:
        path = str(item.get("path") or "").removeprefix("prospect/").removesuffix("/text()")
        what = path if path != TEXT_AROUND else "Text around the ADF"
        attrs = ", ".join(f"{k}={v}" for k, v in (item.get("attrs") or {}).items())
        value = " ".join(part for part in (str(item.get("text") or "").strip(), f"({attrs})" if attrs else "") if part)
        if any(ch.isalnum() for ch in value):  # not a stray "//"
            pairs.append((what[:200], value[: MAX_TEXT_AROUND + 1]))
    return pairs[:MAX_ALSO_SENT]


def _customer(existing: Customer | None, dealership: Dealership, data: dict[str, Any]) -> Customer:
    country = dealership.country or "US"
    if existing is not None:
        lead_actions.add_customer_contacts(customer=existing, data=data, country=country)
        return existing
    # `match_customer` found nobody a moment ago: made here, create_lead need not look again.
    return lead_actions.create_customer(organization=dealership.organization, data=data, country=country)


# Ids whose source names a kind of lead or a partner, not the provider's reference for this lead
# (seen in real ADF: <id source="leadtype">Email</id>, <id source="partner">CarGurus</id>).
_LABEL_SOURCES = frozenset({"leadtype", "mediatype", "partner", "leadsubprogram", "leadprogram", "aileadscore"})


def _first_id(prospect: Mapping[str, Any]) -> str:
    """The lead's reference at its source: the first id with a digit in it (references are codes),
    else the first one whose source is not a label; "" when there is none."""
    ids = [
        (value, "".join(ch for ch in str(entry.get("source") or "").lower() if ch.isalpha()))
        for entry in prospect.get("ids") or []
        if (value := str(entry.get("value") or "").strip())
    ]
    coded = [value for value, _ in ids if any(ch.isdigit() for ch in value)]
    plain = [value for value, source in ids if source not in _LABEL_SOURCES]
    return (coded or plain or [""])[0][:100]


# From the parser's prospect dict to what leads.actions stores, cut to the columns' sizes ----------


def _text(value: Any, length: int) -> str:
    return str(value or "").strip()[:length]


def _int(value: Any, low: int, high: int) -> int | None:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if low <= number <= high else None


def _price(value: Any) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        price = Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        return None
    return price if Decimal(0) <= price < Decimal(10) ** 10 else None


def customer_values(contact: Mapping[str, Any]) -> dict[str, Any]:
    first, last = _text(contact.get("first_name"), 100), _text(contact.get("last_name"), 100)
    name = _text(contact.get("name"), 200)
    if not (first or last) and name and not contact.get("business_name"):
        first, _, last = name.rpartition(" ") if " " in name else (name, "", "")
        first, last = first[:100], last[:100]
    address = contact.get("address") or {}
    country = _text(address.get("country"), 10)
    phones = [
        {"number": p.get("number"), "raw": _text(p.get("raw") or p.get("number"), 64), "type": p.get("type")}
        for p in contact.get("phones") or []
        if p.get("number") or p.get("raw")
    ]
    return {
        "first_name": first,
        "last_name": last,
        "business_name": _text(contact.get("business_name"), 200),
        "emails": [e.strip()[:254] for e in contact.get("emails") or [] if e and "@" in e],
        "phones": [p | {"type": p["type"] if p["type"] in _PHONE_TYPES else "voice"} for p in phones],
        "address": {
            "street": [_text(line, 200) for line in address.get("street") or [] if line],
            "city": _text(address.get("city"), 100),
            "region": _text(address.get("region"), 100),
            "postal_code": _text(address.get("postal_code"), 20),
            "country": country.upper() if len(country) == 2 else "",
        },
    }


_PHONE_TYPES = ("voice", "cellphone", "fax", "pager")
_INTERESTS = {value for value, _ in VehicleInterest.Interest.choices}


def vehicle_values(vehicle: Mapping[str, Any]) -> dict[str, Any]:
    interest = str(vehicle.get("interest") or "buy").lower()
    return {
        "interest": interest if interest in _INTERESTS else VehicleInterest.Interest.BUY,
        "condition": _text(vehicle.get("condition"), 10),
        "year": _int(vehicle.get("year"), 1886, 2200),
        "make": _text(vehicle.get("make"), 60),
        "model": _text(vehicle.get("model"), 60),
        "trim": _text(vehicle.get("trim"), 200),
        "vin": _text(vehicle.get("vin"), 17).upper(),
        "stock": _text(vehicle.get("stock"), 32),
        "price": _price(vehicle.get("price")),
        "odometer": _int(vehicle.get("odometer"), 0, 2_000_000_000),
        "preferred": bool(vehicle.get("preferred")),
        "search_vehicle": bool(vehicle.get("search_vehicle")),
    }


def trade_values(trade: Mapping[str, Any]) -> dict[str, Any]:
    notes = [str(trade.get(f) or "").strip() for f in ("comments", "condition_rating", "trim")]
    return {
        "year": _int(trade.get("year"), 1886, 2200),
        "make": _text(trade.get("make"), 60),
        "model": _text(trade.get("model"), 60),
        "trim": _text(trade.get("trim"), 200),
        "vin": _text(trade.get("vin"), 17).upper(),
        "odometer": _int(trade.get("odometer"), 0, 2_000_000_000),
        "notes": "; ".join(n for n in notes[:2] if n),
    }


def department_of(vehicles: list[dict[str, Any]]) -> str:
    """Service when every vehicle is there for service; sales otherwise (ADF has no department)."""
    if vehicles and all(v["interest"] == VehicleInterest.Interest.SERVICE for v in vehicles):
        return Department.SERVICE
    return Department.SALES

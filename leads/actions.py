"""Every write to leads and customers. Each takes keyword arguments and an explicit actor,
runs in one short transaction and leaves an Activity row on the lead's timeline."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from functools import partial
from typing import Any

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from dealerships.models import Dealership, Organization
from forecourt.lib import batch
from forecourt.lib.held import forget_rows, hold_rows
from forecourt.lib.phone import to_e164
from forecourt.lib.rows import new
from forecourt.lib.text import lines, one_line
from inventory.models import Vehicle
from leads import signals
from leads.matching import lock_customer_matching, match_customer, note_contacts
from leads.models import (
    SEARCH_NAME_FIELDS,
    Activity,
    Customer,
    CustomerEmail,
    CustomerPhone,
    Lead,
    Trade,
    VehicleInterest,
)

CUSTOMER_FIELDS = ("first_name", "last_name", "business_name", "language")
ADDRESS_FIELDS = ("street", "city", "region", "postal_code", "country")
VEHICLE_FIELDS = ("interest", "condition", "year", "make", "model", "trim", "vin", "stock", "price", "odometer")
TRADE_FIELDS = ("year", "make", "model", "trim", "vin", "odometer", "notes")
LEAD_FIELDS = ("department", "source_name", "source_kind", "source_ref", "comments")


def record_activity(
    *, lead: Lead, kind: str, actor: User | None, text: str, data: dict[str, Any] | None = None
) -> Activity:
    # Written as the batch ends in a batch of intake (`forecourt.lib.batch`): nothing reads it back before.
    return batch.insert(new(Activity, lead=lead, kind=kind, actor=actor, text=text, data=data or {}, at=timezone.now()))


# Customers ---------------------------------------------------------------------------------


def _phone_rows(phones: Iterable[Mapping[str, Any]], country: str) -> list[tuple[str | None, str, str]]:
    rows = []
    for phone in phones:
        raw = str(phone.get("raw") or phone.get("number") or "").strip()
        number = to_e164(str(phone.get("number") or raw), country)
        if number or raw:
            rows.append((number, raw, phone.get("type") or CustomerPhone.Type.VOICE))
    return rows


def add_customer_contacts(*, customer: Customer, data: Mapping[str, Any], country: str) -> None:
    """Add the emails and phones of `data` that the customer does not have yet."""
    known_emails = set(customer.emails.values_list("email", flat=True))
    known_phones = set(customer.phones.values_list("number", "raw"))
    _add_contacts(customer, data, country, known_emails, known_phones)
    # Read from the database from now on, so written now in a batch of many too.
    batch.write_pending()
    forget_rows(customer, "emails")
    forget_rows(customer, "phones")


def _add_contacts(
    customer: Customer,
    data: Mapping[str, Any],
    country: str,
    known_emails: set[str],
    known_phones: set[tuple[str | None, str]],
) -> tuple[list[CustomerEmail], list[CustomerPhone]]:
    """Store the new contacts, one INSERT per kind or with their batch's rows (`forecourt.lib.batch.make`);
    every lead that comes in passes here. Returns them."""
    emails = []
    for email in data.get("emails") or []:
        if email and email.lower() not in known_emails:
            emails.append(new(CustomerEmail, customer=customer, email=email.lower()))
            known_emails.add(email.lower())
    phones = []
    for number, raw, kind in _phone_rows(data.get("phones") or [], country):
        if (number and number in {n for n, _ in known_phones}) or (not number and raw in {r for _, r in known_phones}):
            continue
        phones.append(new(CustomerPhone, customer=customer, number=number, raw=raw, type=kind))
        known_phones.add((number, raw))
    batch.make_many([*emails, *phones])
    note_contacts(customer, emails=[e.email for e in emails], numbers=[p.number for p in phones if p.number])
    return emails, phones


def create_customer(*, organization: Organization, data: Mapping[str, Any], country: str) -> Customer:
    address = data.get("address") or {}
    customer = batch.make(
        new(
            Customer,
            organization=organization,
            **{f: one_line(data.get(f)) for f in CUSTOMER_FIELDS},
            street=lines(address.get("street")),
            **{f: one_line(address.get(f)) for f in ADDRESS_FIELDS if f != "street"},
            birth_date=data.get("birth_date"),
        )
    )
    # A customer made this instant has no contacts yet: nothing to read back, then or later.
    emails, phones = _add_contacts(customer, data, country, set(), set())
    hold_rows(customer, "emails", emails)
    hold_rows(customer, "phones", phones)
    return customer


def find_or_create_customer(*, organization: Organization, data: Mapping[str, Any], country: str) -> Customer:
    """A repeat contact meets the existing customer (by email or phone); otherwise a new one."""
    return customer_for_lead(organization=organization, data=data, country=country)[0]


def customer_for_lead(*, organization: Organization, data: Mapping[str, Any], country: str) -> tuple[Customer, bool]:
    """The customer that `data` describes, found or made; True when made (it has no past to look up).

    The organisation's matching lock is held until the caller's transaction commits, so the same
    person arriving twice at once (two texts, a text and a form) meets one customer."""
    with transaction.atomic(savepoint=False):
        lock_customer_matching(organization=organization)
        existing = match_customer(organization=organization, data=data, country=country)
        if existing is None:
            return create_customer(organization=organization, data=data, country=country), True
        add_customer_contacts(customer=existing, data=data, country=country)
        return existing, False


def update_customer(*, customer: Customer, lead: Lead, actor: User, changes: Mapping[str, Any]) -> list[str]:
    """Edit a customer's name, language, address, emails and phones; logs what changed on the lead."""
    changed = []
    with transaction.atomic():
        for field in (*CUSTOMER_FIELDS, *ADDRESS_FIELDS):
            value = lines(changes.get(field)) if field == "street" else one_line(changes.get(field))
            if field in changes and value != getattr(customer, field):
                setattr(customer, field, value)
                changed.append(field.replace("_", " "))
        customer.save()
        if "emails" in changes:
            wanted = [e.strip().lower() for e in changes["emails"] if e.strip()]
            if wanted != list(customer.emails.values_list("email", flat=True)):
                customer.emails.all().delete()
                CustomerEmail.objects.bulk_create(CustomerEmail(customer=customer, email=e) for e in wanted)
                changed.append("emails")
        if "phones" in changes:
            wanted_phones = _phone_rows(changes["phones"], lead.dealership.country)
            if wanted_phones != [(p.number, p.raw, p.type) for p in customer.phones.all()]:
                customer.phones.all().delete()
                CustomerPhone.objects.bulk_create(
                    CustomerPhone(customer=customer, number=n, raw=r, type=t) for n, r, t in wanted_phones
                )
                changed.append("phones")
        if changed:
            record_activity(
                lead=lead,
                kind=Activity.Kind.CUSTOMER,
                actor=actor,
                text=f"{customer.display_name}: changed {', '.join(changed)}",
            )
    return changed


def set_co_customer(*, lead: Lead, customer: Customer | None, actor: User) -> None:
    with transaction.atomic():
        lead.co_customer = customer
        lead.save(update_fields=["co_customer", "updated_at"])
        text = f"Co-customer set to {customer.display_name}" if customer else "Co-customer removed"
        record_activity(lead=lead, kind=Activity.Kind.CUSTOMER, actor=actor, text=text)


def swap_customers(*, lead: Lead, actor: User) -> None:
    """The co-customer becomes the customer and the other way round."""
    if lead.co_customer is None:
        raise ValueError("This lead has no co-customer to swap with.")
    with transaction.atomic():
        lead.customer, lead.co_customer = lead.co_customer, lead.customer
        # The names the search finds the lead by are the new customer's (`CustomerNameKeyField`).
        lead.save(update_fields=["customer", "co_customer", "updated_at", *SEARCH_NAME_FIELDS])
        record_activity(
            lead=lead,
            kind=Activity.Kind.CUSTOMER,
            actor=actor,
            text=f"Customers swapped: {lead.customer.display_name} is now the customer",
        )


# Leads -------------------------------------------------------------------------------------


def _vehicle_values(data: Mapping[str, Any]) -> dict[str, Any]:
    values = {f: data.get(f) for f in VEHICLE_FIELDS}
    for text_field in ("condition", "make", "model", "trim", "vin", "stock"):
        values[text_field] = one_line(values[text_field])
    values["interest"] = values["interest"] or VehicleInterest.Interest.BUY
    values["price"] = Decimal(str(values["price"])) if values["price"] not in (None, "") else None
    return values


def create_lead(
    *,
    dealership: Dealership,
    customer: Mapping[str, Any],
    source_name: str,
    actor: User | None,
    source_kind: str = Lead.SourceKind.THIRD_PARTY,
    source_ref: str = "",
    department: str = "sales",
    co_customer: Mapping[str, Any] | None = None,
    vehicles: Iterable[Mapping[str, Any]] = (),
    trades: Iterable[Mapping[str, Any]] = (),
    comments: str = "",
    timeframe: Mapping[str, Any] | None = None,
    received_at: datetime | None = None,
    assigned_to: User | None = None,
    existing_customer: Customer | None = None,
    assign_reason: str = "assigned when the lead was entered",
    also_sent: Sequence[tuple[str, str]] = (),
) -> Lead:
    """Store a lead: find or create its customer, store vehicles and trades, log it, and assign it
    when `assigned_to` says to whom.

    Only the record: a new lead that should be worked (distributed, clocked, given follow-ups)
    comes in through `intake.door.take_in_lead`, which calls this. Imports of past leads call it
    directly. `also_sent`: what the sender included that has no field of its own ((what, value)
    pairs, e.g. a chat transcript), kept on the "received" entry of the timeline.
    """
    # No savepoint of its own: a caller that catches errors has one (intake's), and a failure here
    # must roll the whole lead back anyway.
    with transaction.atomic(savepoint=False):
        org = dealership.organization
        country = dealership.country
        main = existing_customer or customer_for_lead(organization=org, data=customer, country=country)[0]
        co = find_or_create_customer(organization=org, data=co_customer, country=country) if co_customer else None
        lead = batch.make(
            new(
                Lead,
                dealership=dealership,
                department=department,
                source_name=one_line(source_name),
                source_kind=source_kind,
                source_ref=one_line(source_ref),
                customer=main,
                co_customer=co,
                comments=comments or "",
                timeframe=dict(timeframe) if timeframe else None,
                received_at=received_at or timezone.now(),
            )
        )
        _store_vehicles(lead, vehicles)
        traded = batch.make_many(Trade(lead=lead, **{f: t.get(f) or _blank(f) for f in TRADE_FIELDS}) for t in trades)
        hold_rows(lead, "trades", traded)
        hold_rows(lead, "collaborators", [])
        by = actor.name if actor else source_name
        record_activity(
            lead=lead,
            kind=Activity.Kind.CREATED,
            actor=actor,
            text=f"Lead received from {lead.source_name}" + (f" (entered by {by})" if actor else ""),
            data={"also_sent": [list(pair) for pair in also_sent]} if also_sent else None,
        )
        if assigned_to is not None:
            assign_lead(lead=lead, to=assigned_to, actor=actor, reason=assign_reason)
    return lead


def _store_vehicles(lead: Lead, vehicles: Iterable[Mapping[str, Any]]) -> None:
    """The lead's vehicles of interest, linked to the rooftop's stock units they name, in one INSERT."""
    vehicles = list(vehicles)
    interests = [_vehicle_values(v) | {"search_vehicle": bool(v.get("search_vehicle"))} for v in vehicles]
    stock_units = _stock_units(lead.dealership, {v["stock"] for v in interests if v["stock"]})
    preferred_given = any(v.get("preferred") for v in vehicles)
    made = batch.make_many(
        new(
            VehicleInterest,
            lead=lead,
            inventory_vehicle=stock_units.get(values["stock"]),
            preferred=bool(given.get("preferred")) if preferred_given else index == 0,
            **values,
        )
        for index, (values, given) in enumerate(zip(interests, vehicles, strict=True))
    )
    hold_rows(lead, "vehicles", sorted(made, key=lambda v: (not v.preferred, v.pk)))  # their Meta.ordering


def _stock_units(dealership: Dealership, stocks: set[str]) -> dict[str, Vehicle]:
    """The rooftop's stock units by stock number (in a batch of many, read ahead: `read_ahead_stock`)."""
    if not batch.taking_many():
        return {unit.stock: unit for unit in Vehicle.objects.filter(dealership=dealership, stock__in=stocks)}
    found = {
        stock: batch.read_once(_stock_key(dealership, stock), partial(_stock_unit, dealership, stock))
        for stock in stocks
    }
    return {stock: unit for stock, unit in found.items() if unit is not None}


def _stock_unit(dealership: Dealership, stock: str) -> Vehicle | None:
    return Vehicle.objects.filter(dealership=dealership, stock=stock).first()


def read_ahead_stock(*, dealership: Dealership, stocks: set[str]) -> None:
    """In a batch of many, the rooftop's stock units of these numbers, in one query for the batch."""
    if not stocks:
        return
    units = {unit.stock: unit for unit in Vehicle.objects.filter(dealership=dealership, stock__in=stocks)}
    for stock in stocks:
        batch.remember(_stock_key(dealership, stock), units.get(stock))


def _stock_key(dealership: Dealership, stock: str) -> tuple[str, int, str]:
    return ("stock_unit", dealership.pk, stock)


def _blank(field: str) -> Any:
    return None if field in ("year", "odometer") else ""


def update_lead(*, lead: Lead, actor: User, changes: Mapping[str, Any]) -> list[str]:
    """Edit a lead's own fields (department, source, comments); logs the old and new values."""
    described = []
    with transaction.atomic():
        for field in LEAD_FIELDS:
            new = changes.get(field) if field == "comments" else one_line(changes.get(field))
            if field in changes and new != getattr(lead, field):
                old = getattr(lead, field)
                setattr(lead, field, new)
                described.append(f"{field.replace('_', ' ')}: {old or '—'} → {new or '—'}")
        if described:
            lead.save()
            record_activity(lead=lead, kind=Activity.Kind.EDITED, actor=actor, text="; ".join(described))
    return described


def set_status(*, lead: Lead, status: str, actor: User, lost_reason: str = "") -> None:
    if status not in Lead.Status.values:
        raise ValueError(f"Unknown status {status!r}.")
    if status == Lead.Status.LOST and not lost_reason.strip():
        raise ValueError("Say why the lead was lost.")
    if status == lead.status:
        return
    with transaction.atomic():
        old, old_status = lead.get_status_display(), lead.status
        lead.status = status
        lead.lost_reason = lost_reason.strip() if status == Lead.Status.LOST else ""
        lead.save(update_fields=["status", "lost_reason", "updated_at"])
        text = f"Status: {old} → {lead.get_status_display()}"
        if lead.lost_reason:
            text += f" ({lead.lost_reason})"
        record_activity(lead=lead, kind=Activity.Kind.STATUS, actor=actor, text=text)
        signals.status_changed.send(sender=Lead, lead=lead, old=old_status, new=status, actor=actor)


def assign_lead(*, lead: Lead, to: User, actor: User | None, reason: str) -> None:
    """Give the lead to `to`; the timeline says who did it and why."""
    with transaction.atomic(savepoint=False):
        previous = lead.assigned_to
        lead.assigned_to = to
        lead.save(update_fields=["assigned_to", "updated_at"])
        log_assignment(lead=lead, to=to, previous=previous, actor=actor, reason=reason)


def log_assignment(*, lead: Lead, to: User, previous: User | None, actor: User | None, reason: str) -> Activity:
    """The timeline entry of an assignment already written."""
    verb = f"Reassigned from {previous.name} to {to.name}" if previous else f"Assigned to {to.name}"
    return record_activity(
        lead=lead,
        kind=Activity.Kind.ASSIGNED,
        actor=actor,
        text=f"{verb}: {reason}",
        data={"to": to.email, "from": previous.email if previous else None, "reason": reason},
    )


def log_contact(*, lead: Lead, kind: str, note: str, actor: User) -> Activity:
    """A call, email, text or visit made outside Forecourt; the first one is the first human reply."""
    kinds = {"call": "Call", "email": "Email", "text": "Text", "visit": "Visit"}
    if kind not in kinds:
        raise ValueError(f"kind must be one of {', '.join(kinds)}")
    with transaction.atomic():
        record_human_reply(lead=lead, at=timezone.now(), actor=actor, channel="contact")
        text = f"{kinds[kind]} logged" + (f": {note.strip()}" if note.strip() else "")
        return record_activity(lead=lead, kind=Activity.Kind.CONTACT, actor=actor, text=text, data={"kind": kind})


def record_human_reply(*, lead: Lead, at: datetime, actor: User | None, channel: str) -> bool:
    """A person answered the customer at `at`: the one writer of the first human reply.

    A message a person sent, a connected call and a logged contact all come here; automated
    messages never do. The first reply sets `first_response_at` (a conditional UPDATE, so two
    replies at once cannot both be first), a new lead becomes one being worked, and the SLA clock
    stops (escalations listens to `human_replied`). `channel` says how the reply went (sms, call,
    email, messenger, chat, or contact for one logged from outside). True if this was the first reply.
    """
    with transaction.atomic():
        first = (
            Lead.objects.filter(pk=lead.pk, first_response_at__isnull=True).update(
                first_response_at=at, first_response_channel=channel
            )
            == 1
        )
        if lead.status == Lead.Status.NEW:
            Lead.objects.filter(pk=lead.pk, status=Lead.Status.NEW).update(status=Lead.Status.WORKING)
        lead.refresh_from_db(fields=["first_response_at", "first_response_channel", "status"])
        signals.human_replied.send(sender=Lead, lead=lead, at=lead.first_response_at or at, actor=actor)
    return first


def add_note(*, lead: Lead, actor: User, text: str) -> Activity:
    if not text.strip():
        raise ValueError("A note needs some text.")
    return record_activity(lead=lead, kind=Activity.Kind.NOTE, actor=actor, text=text.strip())


# Vehicles, trades, collaborators -------------------------------------------------------------


def add_vehicle(
    *, lead: Lead, actor: User, inventory_vehicle: Vehicle | None = None, data: Mapping[str, Any] | None = None
) -> VehicleInterest:
    """Attach a stock vehicle, or a "search vehicle" the customer described."""
    if inventory_vehicle is not None:
        values = {
            "condition": inventory_vehicle.condition,
            "year": inventory_vehicle.year,
            "make": inventory_vehicle.make,
            "model": inventory_vehicle.model,
            "trim": inventory_vehicle.trim,
            "vin": inventory_vehicle.vin,
            "stock": inventory_vehicle.stock,
            "price": inventory_vehicle.price,
            "odometer": inventory_vehicle.odometer,
            "interest": (data or {}).get("interest") or VehicleInterest.Interest.BUY,
        }
    else:
        values = _vehicle_values(data or {})
        if not (values["make"] or values["model"] or values["year"]):
            raise ValueError("Give at least a year, make or model for a search vehicle.")
    with transaction.atomic():
        first = not lead.vehicles.exists()
        vehicle = VehicleInterest.objects.create(
            lead=lead,
            inventory_vehicle=inventory_vehicle,
            search_vehicle=inventory_vehicle is None,
            preferred=first,
            **values,
        )
        kind = "search vehicle" if inventory_vehicle is None else f"stock #{inventory_vehicle.stock}"
        record_activity(lead=lead, kind=Activity.Kind.VEHICLE, actor=actor, text=f"Vehicle added ({kind}): {vehicle}")
    return vehicle


def set_preferred_vehicle(*, lead: Lead, vehicle: VehicleInterest, actor: User) -> None:
    with transaction.atomic():
        lead.vehicles.exclude(pk=vehicle.pk).update(preferred=False)
        lead.vehicles.filter(pk=vehicle.pk).update(preferred=True)
        record_activity(lead=lead, kind=Activity.Kind.VEHICLE, actor=actor, text=f"Preferred vehicle: {vehicle}")


def remove_vehicle(*, lead: Lead, vehicle: VehicleInterest, actor: User) -> None:
    with transaction.atomic():
        was_preferred = vehicle.preferred
        vehicle.delete()
        if was_preferred:
            successor = lead.vehicles.order_by("id").first()
            if successor:
                lead.vehicles.filter(pk=successor.pk).update(preferred=True)
        record_activity(lead=lead, kind=Activity.Kind.VEHICLE, actor=actor, text=f"Vehicle removed: {vehicle}")


def add_trade(*, lead: Lead, actor: User, data: Mapping[str, Any]) -> Trade:
    values = {f: data.get(f) or _blank(f) for f in TRADE_FIELDS}
    if not (values["make"] or values["model"] or values["vin"]):
        raise ValueError("Give at least a make, model or VIN for the trade.")
    with transaction.atomic():
        trade = Trade.objects.create(lead=lead, **values)
        record_activity(lead=lead, kind=Activity.Kind.TRADE, actor=actor, text=f"Trade added: {trade}")
    return trade


def remove_trade(*, lead: Lead, trade: Trade, actor: User) -> None:
    with transaction.atomic():
        trade.delete()
        record_activity(lead=lead, kind=Activity.Kind.TRADE, actor=actor, text=f"Trade removed: {trade}")


def add_collaborator(*, lead: Lead, user: User, actor: User) -> None:
    if not user.memberships.filter(dealership=lead.dealership).exists():
        raise ValueError(f"{user.name} does not work at {lead.dealership.name}.")
    with transaction.atomic():
        lead.collaborators.add(user)
        record_activity(lead=lead, kind=Activity.Kind.COLLABORATOR, actor=actor, text=f"{user.name} now collaborates")


def remove_collaborator(*, lead: Lead, user: User, actor: User) -> None:
    with transaction.atomic():
        lead.collaborators.remove(user)
        record_activity(
            lead=lead, kind=Activity.Kind.COLLABORATOR, actor=actor, text=f"{user.name} no longer collaborates"
        )


def add_co_customer(
    *, lead: Lead, actor: User, customer: Customer | None = None, data: Mapping[str, Any] | None = None
) -> Customer:
    """Make an existing customer of the organisation, or a new one described by `data`, the co-customer.

    A new co-customer whose email or phone the organisation already knows meets that customer,
    as every repeat contact does.
    """
    organization = lead.dealership.organization
    with transaction.atomic():
        if customer is None:
            if not data:
                raise ValueError("Pick a customer or describe a new one.")
            customer = find_or_create_customer(organization=organization, data=data, country=lead.dealership.country)
        if customer.organization_id != organization.pk:
            raise ValueError("That customer belongs to another organisation.")
        if customer.pk == lead.customer_id:
            raise ValueError(f"{customer.display_name} is already the customer of this lead.")
        set_co_customer(lead=lead, customer=customer, actor=actor)
    return customer

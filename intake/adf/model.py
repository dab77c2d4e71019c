"""What an ADF lead reads as: plain dataclasses that turn into the CONTRACT §4 `prospect` dict."""

from __future__ import annotations

from dataclasses import dataclass, fields
from functools import cache
from typing import Any


class AdfError(Exception):
    """The only exception the ADF functions raise; `args[0]` says what was wrong, for a person."""

    @property
    def message(self) -> str:
        return str(self.args[0]) if self.args else "ADF document could not be read"


@dataclass(frozen=True, slots=True)
class Phone:
    """A phone number. `number` is E.164, or None when it could not be read (`raw` keeps it)."""

    number: str | None
    type: str  # voice | fax | cellphone | pager
    label: str | None  # the sender's own word for the type when it was not one of ADF's
    raw: str
    preferred: bool
    time: str | None  # when the customer likes to be called (morning, evening, ...)


@dataclass(frozen=True, slots=True)
class Address:
    street: list[str]
    city: str | None
    region: str | None
    postal_code: str | None
    country: str | None  # ISO 3166 alpha-2 when recognised, else as written


@dataclass(frozen=True, slots=True)
class Contact:
    """A person or business: the customer, a second contact, or the vendor/provider contact."""

    name: str | None  # the whole name as a person would read it
    first_name: str | None
    last_name: str | None
    business_name: str | None
    emails: list[str]
    phones: list[Phone]
    address: Address


@dataclass(frozen=True, slots=True)
class Money:
    type: str | None  # downpayment | monthly | total | finance | residual ...
    limit: str | None  # maximum | minimum | exact
    value: str | None  # decimal string
    currency: str | None


@dataclass(frozen=True, slots=True)
class Finance:
    method: str | None  # cash | finance | lease
    amounts: list[Money]
    balances: list[Money]


@dataclass(frozen=True, slots=True)
class Colors:
    exterior: str | None
    interior: str | None
    preference: int | None


@dataclass(frozen=True, slots=True)
class VehicleOption:
    name: str | None
    manufacturer_code: str | None
    stock: str | None
    weighting: int | None
    price: str | None


@dataclass(frozen=True, slots=True)
class Vehicle:
    """A vehicle of interest, or a trade (interest `trade-in` or `sell`)."""

    interest: str
    condition: str | None  # new | used
    year: int | None
    make: str | None
    model: str | None
    trim: str | None
    vin: str | None
    stock: str | None
    price: str | None  # "34995.00"
    price_type: str | None
    price_currency: str | None
    odometer: int | None
    odometer_units: str | None  # mi | km
    bodystyle: str | None
    transmission: str | None
    doors: str | None
    condition_rating: str | None  # ADF's <condition>: excellent | good | fair | poor
    colors: list[Colors]
    options: list[VehicleOption]
    finance: Finance | None
    comments: str | None
    price_comments: str | None
    image_url: str | None
    preferred: bool
    search_vehicle: bool

    @property
    def is_trade(self) -> bool:
        return self.interest in TRADE_INTERESTS


TRADE_INTERESTS = frozenset({"trade-in", "sell"})


@dataclass(frozen=True, slots=True)
class SourceId:
    source: str | None
    value: str


@dataclass(frozen=True, slots=True)
class Vendor:
    """The dealership the lead is for, as the sender names it."""

    name: str | None
    contact: Contact | None
    ids: list[SourceId]
    url: str | None


@dataclass(frozen=True, slots=True)
class Provider:
    """Who generated the lead (CarGurus, a dealer website, a chat vendor...)."""

    name: str | None
    service: str | None
    url: str | None
    email: str | None
    phone: str | None  # E.164 when readable, else as written
    ids: list[SourceId]
    contact: Contact | None


@dataclass(frozen=True, slots=True)
class Timeframe:
    description: str | None
    earliest_date: str | None
    latest_date: str | None


@dataclass(frozen=True, slots=True)
class Extra:
    """Something the sender included that has no field here, kept rather than dropped."""

    path: str  # e.g. "prospect/customer/messages/message[2]/text"; "…/text()" is stray text
    text: str | None
    attrs: dict[str, str]


@dataclass(frozen=True, slots=True)
class Prospect:
    """One lead from an ADF document. `to_dict()` is the CONTRACT §4 `prospect` object."""

    status: str  # new | resend
    request_date: str | None  # ISO 8601; with an offset only when the sender gave one
    ids: list[SourceId]
    vendor: Vendor
    provider: Provider
    customer: Contact
    co_customer: Contact | None
    vehicles: list[Vehicle]
    trades: list[Vehicle]
    comments: str | None
    timeframe: Timeframe | None
    salesperson: str | None  # the sending CRM's salesperson id or name, for crm_assign routing
    extra: list[Extra]
    warnings: list[str]  # values that could not be read, with what they said

    def to_dict(self) -> dict[str, Any]:
        data = _plain(self)
        # "preferred" and "search_vehicle" describe a vehicle the customer wants, not one they bring.
        for trade in data["trades"]:
            del trade["preferred"], trade["search_vehicle"]
        return data


def _plain(value: Any) -> Any:
    """`dataclasses.asdict` of the dataclasses above, which hold only these dataclasses, lists,
    dicts, strings, numbers, booleans and None: the same dicts and lists, made in under two thirds
    of the time (asdict asks of every value whether it must be copied deeply)."""
    kind: Any = type(value)
    if kind is list:
        return [_plain(item) for item in value]
    if kind is dict:
        return {key: _plain(item) for key, item in value.items()}
    names = _field_names(kind)
    if names is None:
        return value
    return {name: _plain(getattr(value, name)) for name in names}


@cache
def _field_names(kind: Any) -> tuple[str, ...] | None:
    return tuple(field.name for field in fields(kind)) if hasattr(kind, "__dataclass_fields__") else None

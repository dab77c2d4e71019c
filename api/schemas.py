"""What the API accepts (validated here, before anything touches the database) and what it
answers (described here for the OpenAPI document; the JSON itself comes from serializers.py).

Inputs refuse unknown fields, so a typo such as `assigned_too` is an error instead of a
silently unassigned lead. Every text has the length its column has, so PostgreSQL never sees
a value it would refuse, and NUL characters (which PostgreSQL cannot store) are refused.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any, Literal

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from ninja import Field, Schema
from pydantic import AfterValidator, BeforeValidator, ConfigDict, field_validator, model_validator

from api.errors import contains_nul
from dealerships.models import Department
from leads.models import CustomerPhone, Lead, VehicleInterest


class Input(Schema):
    """Base of every request schema: strict about fields, forgiving about surrounding spaces."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @field_validator("*", mode="before")
    @classmethod
    def _refuse_nul(cls, value: Any) -> Any:
        if contains_nul(value):
            raise ValueError("Text may not contain NUL characters.")
        return value


def _email(value: str) -> str:
    try:
        validate_email(value)
    except DjangoValidationError:
        raise ValueError(f"{value!r} is not a valid email address.") from None
    return value.lower()


def _source_from_name(value: Any) -> Any:
    return {"name": value} if isinstance(value, str) else value


STATUS_FILTERS = [*Lead.Status.values, "open"]


def _status_filter(value: str) -> str:
    if value not in STATUS_FILTERS:
        raise ValueError(f"Use one of {', '.join(STATUS_FILTERS)}.")
    return value


def _id_as_text(value: Any) -> Any:
    # CRM ids arrive as 4711 as often as "4711".
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


Text16 = Annotated[str, Field(max_length=16)]
Text20 = Annotated[str, Field(max_length=20)]
Text32 = Annotated[str, Field(max_length=32)]
Text60 = Annotated[str, Field(max_length=60)]
Text64 = Annotated[str, Field(max_length=64)]
Text100 = Annotated[str, Field(max_length=100)]
Text200 = Annotated[str, Field(max_length=200)]
Text254 = Annotated[str, Field(max_length=254)]
Text2000 = Annotated[str, Field(max_length=2000)]
Text5000 = Annotated[str, Field(max_length=5000)]
Text10000 = Annotated[str, Field(max_length=10000)]
Email = Annotated[str, Field(max_length=254), AfterValidator(_email)]
Year = Annotated[int, Field(ge=1900, le=2100)]
Odometer = Annotated[int, Field(ge=0, le=2_000_000_000)]
Price = Annotated[Decimal, Field(ge=0, max_digits=12, decimal_places=2)]
Vin = Annotated[str, Field(max_length=17), AfterValidator(str.upper)]


# Requests ------------------------------------------------------------------------------------


class PhoneIn(Input):
    number: Text64 | None = Field(
        None, description="Any format; stored in E.164 (the dealership's country reads local numbers)."
    )
    raw: Text64 | None = Field(None, description="A number as written, when `number` is not given.")
    type: CustomerPhone.Type = CustomerPhone.Type.VOICE

    @model_validator(mode="after")
    def _has_a_number(self) -> PhoneIn:
        if not (self.number or self.raw):
            raise ValueError("A phone needs a number.")
        return self


class AddressIn(Input):
    street: list[Text200] = Field(default_factory=list, max_length=5)
    city: Text100 | None = None
    region: Text100 | None = None
    postal_code: Text20 | None = None
    country: Annotated[str, Field(pattern=r"^[A-Za-z]{2}$"), AfterValidator(str.upper)] | None = Field(
        None, description="ISO 3166 two-letter code."
    )


class CustomerIn(Input):
    id: int | None = Field(
        None, ge=1, description="An existing customer of the dealership's group; emails and phones given are added."
    )
    first_name: Text100 | None = None
    last_name: Text100 | None = None
    business_name: Text200 | None = None
    language: Text16 | None = None
    emails: list[Email] = Field(default_factory=list, max_length=10)
    phones: list[PhoneIn] = Field(default_factory=list, max_length=10)
    address: AddressIn | None = None

    @model_validator(mode="after")
    def _says_who(self) -> CustomerIn:
        if not (self.id or self.first_name or self.last_name or self.business_name or self.emails or self.phones):
            raise ValueError("Give the customer a name, an email address or a phone number.")
        return self


class VehicleIn(Input):
    interest: VehicleInterest.Interest = VehicleInterest.Interest.BUY
    condition: Literal["new", "used"] | None = None
    year: Year | None = None
    make: Text60 | None = None
    model: Text60 | None = None
    trim: Text200 | None = None
    vin: Vin | None = None
    stock: Text32 | None = Field(None, description="A stock number of the dealership links the vehicle to inventory.")
    price: Price | None = Field(None, description='A decimal number or string: "34995.00".')
    odometer: Odometer | None = None
    preferred: bool = False
    search_vehicle: bool = Field(False, description="Described by the customer rather than a unit in stock.")


class TradeIn(Input):
    year: Year | None = None
    make: Text60 | None = None
    model: Text60 | None = None
    trim: Text200 | None = None
    vin: Vin | None = None
    odometer: Odometer | None = None
    notes: Text2000 | None = None


class SourceIn(Input):
    name: Annotated[str, Field(min_length=1, max_length=100)]
    kind: Lead.SourceKind = Lead.SourceKind.MANUAL


class LeadIn(Input):
    dealership: Annotated[str, Field(min_length=1, max_length=60, description="The dealership's slug.")]
    customer: CustomerIn
    co_customer: CustomerIn | None = None
    source: Annotated[SourceIn, BeforeValidator(_source_from_name)] = Field(
        description='Where the lead came from: {"name", "kind"}, or just a name ("Walk-in"); kind defaults to "manual".'
    )
    source_ref: Text100 | None = None
    department: Department = Department.SALES
    vehicles: list[VehicleIn] = Field(default_factory=list, max_length=20)
    trades: list[TradeIn] = Field(default_factory=list, max_length=10)
    comments: Text10000 | None = None
    assigned_to: Email | None = Field(
        None,
        description="A user who works at the dealership; without it (and without a CRM match) the lead waits for distribution.",
    )
    crm_salesperson: Annotated[str, BeforeValidator(_id_as_text), Field(max_length=64)] | None = Field(
        None, description="The salesperson's id in the sending CRM; assigns the lead to the user with that CRM id."
    )


class ContactIn(Input):
    kind: Literal["call", "email", "text", "visit"]
    note: Text5000 = ""


class LeadListQuery(Input):
    # Query strings carry whatever else a client's library adds (cache busters and the like).
    model_config = ConfigDict(extra="ignore")

    status: Annotated[str, AfterValidator(_status_filter)] | None = Field(
        None,
        description='A status, or "open" for new, working and appointment.',
        json_schema_extra={"enum": [*STATUS_FILTERS, None]},
    )
    assigned_to: Text254 | None = Field(None, description='An email, or "none" for unassigned leads.')
    source: Text100 | None = Field(None, description="The source's name, exactly.")
    q: Text200 | None = Field(
        None,
        description="A name, phone number (any format, or its last four digits or more), email, VIN or stock number.",
    )
    has_search_vehicle: bool | None = None
    dealership: Text60 | None = Field(None, description="A dealership's slug.")
    department: Department | None = None
    limit: int = Field(50, ge=1, le=200)
    cursor: Text200 | None = Field(None, description="From the `next` link of the previous page.")


# Answers (for the OpenAPI document) ----------------------------------------------------------


class ErrorDetail(Schema):
    code: str
    message: str
    fields: list[dict[str, str]] | None = Field(None, description="Only for 422: each offending field and why.")


class ErrorOut(Schema):
    error: ErrorDetail


class SourceOut(Schema):
    name: str
    kind: Lead.SourceKind


class PhoneOut(Schema):
    number: str | None = Field(description="E.164, or null when the number could not be read.")
    type: CustomerPhone.Type
    raw: str | None = Field(None, description="Only present when `number` is null: the number as written.")


class AddressOut(Schema):
    street: list[str]
    city: str | None
    region: str | None
    postal_code: str | None
    country: str | None


class CustomerOut(Schema):
    id: int
    first_name: str | None
    last_name: str | None
    business_name: str | None
    emails: list[str]
    phones: list[PhoneOut]
    address: AddressOut


class VehicleOut(Schema):
    interest: VehicleInterest.Interest
    condition: str | None
    year: int | None
    make: str | None
    model: str | None
    trim: str | None
    vin: str | None
    stock: str | None
    price: str | None = Field(description='A decimal string such as "34995.00".')
    odometer: int | None
    preferred: bool
    search_vehicle: bool


class TradeOut(Schema):
    year: int | None
    make: str | None
    model: str | None
    vin: str | None
    odometer: int | None


class UserOut(Schema):
    email: str
    name: str


class SlaOut(Schema):
    stage1_due_at: str | None
    reminder_at: str | None
    stage2_due_at: str | None
    state: Literal["running", "met", "stage1", "stage2", "none"]


class LeadOut(Schema):
    id: int
    dealership: str
    department: Department
    status: Lead.Status
    source: SourceOut
    source_ref: str | None
    received_at: str = Field(description="ISO 8601 with offset.")
    customer: CustomerOut
    co_customer: CustomerOut | None
    vehicles: list[VehicleOut]
    trades: list[TradeOut]
    comments: str | None
    timeframe: dict[str, Any] | None
    assigned_to: UserOut | None
    collaborators: list[UserOut]
    first_response_at: str | None
    sla: SlaOut
    url: str


class LeadPage(Schema):
    items: list[LeadOut]
    next: str | None = Field(description="The next page, or null on the last one.")


class AlsoSentOut(Schema):
    what: str = Field(description='Where the sender put it, e.g. "customer/messages/message[3]/text".')
    value: str


class ActivityOut(Schema):
    at: str
    kind: str
    actor: str | None = Field(description="The email of who did it; null for the system.")
    text: str
    also_sent: list[AlsoSentOut] | None = Field(
        default=None,
        description="Only on a lead's arrival or a resubmission that carried them: what the sender "
        "included that has no field of its own.",
    )

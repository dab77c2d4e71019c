"""Forms of the lead screens. Each turns what a person typed into what an action expects,
and says clearly what is wrong otherwise, so views only check access, call an action and render."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db.models import QuerySet
from django.http import QueryDict

from accounts.models import Membership, User
from dealerships.models import Dealership, Department
from forecourt.lib.phone import display, to_e164
from inventory.models import Vehicle
from leads.models import Customer, CustomerPhone, Lead, VehicleInterest
from leads.search import LeadFilters

PAGE_SIZE = 25
# fmt: off
COMMON_SOURCES = ("Walk-in", "Phone call", "Referral", "Website", "CarGurus", "Cars.com", "AutoTrader", "TrueCar",
                  "Edmunds", "KBB", "Facebook")
# fmt: on
OTHER_SOURCE = "Other"
# Sources entered by hand that are a kind of their own; every other manual source is "manual".
SOURCE_KINDS = {"Walk-in": Lead.SourceKind.WALK_IN, "Phone call": Lead.SourceKind.CALL}
CONDITIONS = [("", "—"), ("new", "New"), ("used", "Used")]


class PageForm(forms.Form):
    """A form whose field ids start with `id_prefix`, so that the many forms of the lead page keep
    distinct ids (and labels point at the right input) while the posted names stay plain."""

    id_prefix = "id"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", f"{self.id_prefix}_%s")
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


def _year_field() -> forms.IntegerField:
    return forms.IntegerField(required=False, min_value=1900, max_value=date.today().year + 2, label="Year")


# The leads list ------------------------------------------------------------------------------


class LeadFiltersForm(forms.Form):
    """The search box and filters of the leads list; a bad value is shown as an error and ignored."""

    q = forms.CharField(required=False, max_length=100, label="Search")
    status = forms.ChoiceField(
        required=False, choices=[("", "Any status"), ("open", "Open"), *Lead.Status.choices], label="Status"
    )
    source = forms.CharField(required=False, max_length=100, label="Source", widget=forms.Select)
    assigned_to = forms.ChoiceField(required=False, label="Assigned to")
    department = forms.ChoiceField(required=False, choices=[("", "Any department"), *Department.choices])
    vehicle = forms.ChoiceField(
        required=False,
        label="Search vehicle",
        choices=[("", "Any"), ("yes", "Has a search vehicle"), ("no", "No search vehicle")],
    )
    dealership = forms.ChoiceField(required=False, label="Dealership")
    page = forms.IntegerField(required=False, min_value=1, max_value=100_000, widget=forms.HiddenInput)
    # Where Next and Previous start (`leads.search.place_of`); `page` then only numbers the page.
    after = forms.CharField(required=False, max_length=200, label="Page", widget=forms.HiddenInput)
    before = forms.CharField(required=False, max_length=200, label="Page", widget=forms.HiddenInput)

    def __init__(
        self, data: QueryDict, *, sources: list[str], users: QuerySet[User], dealerships: list[Dealership]
    ) -> None:
        super().__init__(data)
        chosen = (data.get("source") or "").strip()
        names = sources if not chosen or chosen in sources else [chosen, *sources]
        self.fields["source"].widget.choices = [("", "Any source"), *((name, name) for name in names)]
        self.fields["assigned_to"].choices = [  # type: ignore[attr-defined]
            ("", "Anyone"),
            ("none", "Unassigned"),
            *((user.email, user.name) for user in users),
        ]
        self.fields["dealership"].choices = [  # type: ignore[attr-defined]
            ("", "All dealerships"),
            *((d.slug, d.name) for d in dealerships),
        ]
        self.several_dealerships = len(dealerships) > 1

    def filters(self) -> LeadFilters:
        """The valid part of what was asked for."""
        self.is_valid()
        data = self.cleaned_data
        vehicle = data.get("vehicle")
        return LeadFilters(
            q=data.get("q") or "",
            status=data.get("status") or "",
            source=data.get("source") or "",
            assigned_to=data.get("assigned_to") or "",
            department=data.get("department") or "",
            dealership=data.get("dealership") or "",
            has_search_vehicle={"yes": True, "no": False}.get(vehicle or ""),
        )

    def page_number(self) -> int:
        self.is_valid()
        return self.cleaned_data.get("page") or 1
        return None


# A lead's own fields -------------------------------------------------------------------------


class LeadDetailsForm(PageForm):
    id_prefix = "details"
    department = forms.ChoiceField(choices=Department.choices)
    source_name = forms.CharField(max_length=100, label="Source")
    source_ref = forms.CharField(max_length=100, required=False, label="Source reference")
    comments = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}), max_length=10_000)

    @classmethod
    def for_lead(cls, lead: Lead) -> LeadDetailsForm:
        return cls(initial={f: getattr(lead, f) for f in ("department", "source_name", "source_ref", "comments")})

    def clean_source_name(self) -> str:
        return self.cleaned_data["source_name"].strip()


class StatusForm(PageForm):
    id_prefix = "status"
    status = forms.ChoiceField(choices=Lead.Status.choices)
    lost_reason = forms.CharField(max_length=200, required=False, label="Why was it lost?")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("status") == Lead.Status.LOST and not (data.get("lost_reason") or "").strip():
            self.add_error("lost_reason", "Say why the lead was lost.")
        return data


# Customers -------------------------------------------------------------------------------------


class CustomerForm(PageForm):
    """A customer's name, language, address, and any number of emails and phones.

    Emails and phones come as repeated fields (`email`, `phone_number` + `phone_type`), one row
    each, so the page can show one input per address and a blank row to add another.
    """

    id_prefix = "customer"

    first_name = forms.CharField(max_length=100, required=False)
    last_name = forms.CharField(max_length=100, required=False)
    business_name = forms.CharField(max_length=200, required=False)
    language = forms.CharField(max_length=16, required=False)
    street = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}), max_length=500)
    city = forms.CharField(max_length=100, required=False)
    region = forms.CharField(max_length=100, required=False, label="State / region")
    postal_code = forms.CharField(max_length=20, required=False)
    country = forms.CharField(max_length=2, required=False, help_text="Two letters, e.g. US")

    def __init__(self, data: QueryDict | None = None, *, phone_country: str = "US", **kwargs: Any) -> None:
        super().__init__(data, **kwargs)
        self.phone_country = phone_country
        # Ids of the email and phone rows, which the template writes out by hand.
        self.row_prefix = str(self.auto_id).removesuffix("_%s")
        self.email_rows: list[str] = data.getlist("email") if data is not None else []
        numbers = data.getlist("phone_number") if data is not None else []
        types = data.getlist("phone_type") if data is not None else []
        self.phone_rows: list[tuple[str, str]] = [
            (number, types[i] if i < len(types) else CustomerPhone.Type.VOICE) for i, number in enumerate(numbers)
        ]

    @classmethod
    def for_customer(cls, customer: Customer, *, phone_country: str, id_prefix: str = "customer") -> CustomerForm:
        fields = ("first_name", "last_name", "business_name", "language", "city", "region", "postal_code", "country")
        initial = {f: getattr(customer, f) for f in fields} | {"street": "\n".join(customer.street)}
        form = cls(initial=initial, auto_id=f"{id_prefix}_%s")
        form.phone_country = phone_country
        form.email_rows = [e.email for e in customer.emails.all()]
        form.phone_rows = [(display(p.number) if p.number else p.raw, p.type) for p in customer.phones.all()]
        return form

    def blank_rows(self) -> dict[str, list[Any]]:
        """The rows to show: what was typed (or stored) plus one blank row to add another."""
        return {"emails": [*self.email_rows, ""], "phones": [*self.phone_rows, ("", CustomerPhone.Type.CELLPHONE)]}

    def clean_country(self) -> str:
        country = self.cleaned_data["country"].strip().upper()
        if country and not (len(country) == 2 and country.isalpha()):
            raise ValidationError("Use the two-letter country code, e.g. US.")
        return country

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        emails = []
        for email in (e.strip().lower() for e in self.email_rows):
            if not email:
                continue
            try:
                validate_email(email)
            except ValidationError:
                self.add_error(None, f"“{email}” is not an email address.")
                continue
            if email not in emails:
                emails.append(email)
        phones: list[dict[str, str]] = []
        for raw, kind in self.phone_rows:
            raw = raw.strip()
            if not raw:
                continue
            number = to_e164(raw, self.phone_country)
            if number is None:
                self.add_error(None, f"“{raw}” is not a phone number.")
                continue
            if kind not in CustomerPhone.Type.values:
                kind = CustomerPhone.Type.VOICE
            if number not in {p["number"] for p in phones}:
                phones.append({"number": number, "raw": raw, "type": kind})
        data["emails"] = emails
        data["phones"] = phones
        data["street"] = [line.strip() for line in (data.get("street") or "").splitlines() if line.strip()]
        return data


class NewCustomerForm(PageForm):
    """The few things a salesperson types for a new customer: a name and a way to reach them."""

    first_name = forms.CharField(max_length=100, required=False)
    last_name = forms.CharField(max_length=100, required=False)
    business_name = forms.CharField(max_length=200, required=False)
    email = forms.EmailField(required=False)
    phone = forms.CharField(max_length=40, required=False)

    def __init__(self, *args: Any, phone_country: str = "US", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.phone_country = phone_country

    def clean_phone(self) -> str:
        raw = self.cleaned_data["phone"].strip()
        if raw and to_e164(raw, self.phone_country) is None:
            raise ValidationError("This is not a phone number.")
        return raw

    def has_name(self) -> bool:
        data = getattr(self, "cleaned_data", {})
        return any(data.get(f, "").strip() for f in ("first_name", "last_name", "business_name"))

    def customer_data(self) -> dict[str, Any]:
        data = self.cleaned_data
        phone = data.get("phone") or ""
        return {
            "first_name": data["first_name"].strip(),
            "last_name": data["last_name"].strip(),
            "business_name": data["business_name"].strip(),
            "emails": [data["email"].lower()] if data.get("email") else [],
            "phones": [{"number": to_e164(phone, self.phone_country), "raw": phone, "type": "cellphone"}]
            if phone
            else [],
        }


class CoCustomerForm(NewCustomerForm):
    """Either an existing customer of the organisation (`customer`) or a new one."""

    id_prefix = "co_add"

    customer = forms.ModelChoiceField(queryset=Customer.objects.none(), required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, customers: QuerySet[Customer], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["customer"].queryset = customers  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("customer") and not self.errors and not self.has_name():
            raise ValidationError("Pick a customer from the search, or give the new co-customer a name.")
        return data


# Vehicles, trades, collaborators, contacts ----------------------------------------------------------


class StockVehicleForm(PageForm):
    id_prefix = "stock"
    vehicle = forms.ModelChoiceField(
        queryset=Vehicle.objects.none(), error_messages={"invalid_choice": "That vehicle is not in this stock."}
    )
    interest = forms.ChoiceField(choices=VehicleInterest.Interest.choices, required=False)

    def __init__(self, *args: Any, stock: QuerySet[Vehicle], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["vehicle"].queryset = stock  # type: ignore[attr-defined]


class SearchVehicleForm(PageForm):
    """A vehicle the customer described but that is not (or not yet) in stock."""

    id_prefix = "vehicle"

    year = _year_field()
    make = forms.CharField(max_length=60, required=False)
    model = forms.CharField(max_length=60, required=False)
    trim = forms.CharField(max_length=200, required=False)
    condition = forms.ChoiceField(choices=CONDITIONS, required=False)
    interest = forms.ChoiceField(choices=VehicleInterest.Interest.choices, required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not self.errors and not (data.get("year") or data.get("make", "").strip() or data.get("model", "").strip()):
            raise ValidationError("Give at least a year, make or model.")
        return data


class TradeForm(PageForm):
    id_prefix = "trade"
    year = _year_field()
    make = forms.CharField(max_length=60, required=False)
    model = forms.CharField(max_length=60, required=False)
    trim = forms.CharField(max_length=200, required=False)
    vin = forms.CharField(max_length=17, required=False, label="VIN")
    odometer = forms.IntegerField(required=False, min_value=0, max_value=2_000_000)
    notes = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)

    def clean_vin(self) -> str:
        return self.cleaned_data["vin"].strip().upper()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not self.errors and not (data.get("make", "").strip() or data.get("model", "").strip() or data.get("vin")):
            raise ValidationError("Give at least a make, model or VIN for the trade.")
        return data


class CollaboratorForm(PageForm):
    id_prefix = "collaborator"
    user = forms.ModelChoiceField(
        queryset=User.objects.none(),
        label="Colleague",
        empty_label="Choose a colleague…",
        error_messages={"invalid_choice": "Pick someone who works at this dealership."},
    )

    def __init__(self, *args: Any, colleagues: QuerySet[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = colleagues  # type: ignore[attr-defined]


class ContactForm(PageForm):
    id_prefix = "contact"
    kind = forms.ChoiceField(
        choices=[("call", "Call"), ("email", "Email"), ("text", "Text"), ("visit", "Visit")],
        label="Contact by",
        widget=forms.RadioSelect,
        initial="call",
    )
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}), max_length=5000)


class NoteForm(PageForm):
    id_prefix = "note"
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), max_length=10_000, label="Note")

    def clean_text(self) -> str:
        text = self.cleaned_data["text"].strip()
        if not text:
            raise ValidationError("A note needs some text.")
        return text


# A new lead --------------------------------------------------------------------------------------


class NewLeadForm(NewCustomerForm):
    """A lead entered by hand: where it is, who the customer is, where it came from, and what car.

    The customer is either a past customer picked from the search (`existing_customer`) or a new
    one (the name, email and phone fields inherited from NewCustomerForm).
    """

    dealership = forms.ModelChoiceField(queryset=Dealership.objects.none(), empty_label=None)
    department = forms.ChoiceField(choices=Department.choices)
    existing_customer = forms.ModelChoiceField(
        queryset=Customer.objects.none(),
        required=False,
        error_messages={"invalid_choice": "That customer cannot be picked here; search again."},
    )
    source = forms.ChoiceField(
        choices=[("", "Choose…"), *((s, s) for s in COMMON_SOURCES), (OTHER_SOURCE, "Other…")],
        error_messages={"required": "Say where the lead came from."},
    )
    source_other = forms.CharField(max_length=100, required=False, label="Other source")
    comments = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}), max_length=10_000)
    vehicle_stock = forms.CharField(max_length=32, required=False, label="Stock #")
    vehicle_year = _year_field()
    vehicle_make = forms.CharField(max_length=60, required=False, label="Make")
    vehicle_model = forms.CharField(max_length=60, required=False, label="Model")
    vehicle_trim = forms.CharField(max_length=200, required=False, label="Trim")
    vehicle_condition = forms.ChoiceField(choices=CONDITIONS, required=False, label="Condition")
    assigned_to = forms.ModelChoiceField(
        queryset=User.objects.none(),
        required=False,
        empty_label="Leave for distribution",
        label="Assign to",
        error_messages={"invalid_choice": "Pick someone who works at this dealership."},
    )

    # The dealership is read first: its country decides how the phone number is read.
    field_order = ("dealership",)

    def __init__(
        self,
        *args: Any,
        memberships: list[Membership],
        customers: QuerySet[Customer],
        assignees: QuerySet[User],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.memberships = {m.dealership_id: m for m in memberships}
        dealerships = [m.dealership for m in memberships]
        self.fields["dealership"].queryset = Dealership.objects.filter(  # type: ignore[attr-defined]
            pk__in=[d.pk for d in dealerships]
        )
        self.fields["existing_customer"].queryset = customers  # type: ignore[attr-defined]
        self.fields["assigned_to"].queryset = assignees  # type: ignore[attr-defined]
        self.several_dealerships = len(dealerships) > 1
        self.may_choose_assignee = any(m.sees_all_leads for m in memberships)
        if not self.may_choose_assignee:
            # A salesperson's lead is always theirs; whatever was posted for an assignee is ignored.
            del self.fields["assigned_to"]
        if dealerships and not self.is_bound:
            self.initial.setdefault("dealership", dealerships[0].pk)

    def clean_dealership(self) -> Dealership:
        dealership: Dealership = self.cleaned_data["dealership"]
        self.phone_country = dealership.country
        return dealership

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        dealership: Dealership | None = data.get("dealership")
        if dealership is None:
            return data
        customer: Customer | None = data.get("existing_customer")
        if customer is not None and customer.organization_id != dealership.organization_id:
            self.add_error("existing_customer", "That customer belongs to another dealer group.")
        if customer is None and not self.has_name():
            self.add_error("first_name", "Pick a past customer above, or give the new customer's name.")
        if data.get("source") == OTHER_SOURCE and not (data.get("source_other") or "").strip():
            self.add_error("source_other", "Name the source.")
        self._clean_vehicle(data, dealership)
        self._clean_assignee(data, dealership)
        return data

    def _clean_vehicle(self, data: dict[str, Any], dealership: Dealership) -> None:
        stock = (data.get("vehicle_stock") or "").strip()
        data["stock_vehicle"] = None
        if stock:
            unit = Vehicle.objects.filter(dealership=dealership, stock__iexact=stock).first()
            if unit is None:
                self.add_error("vehicle_stock", f"No vehicle with stock # {stock} at {dealership.name}.")
            data["stock_vehicle"] = unit

    def _clean_assignee(self, data: dict[str, Any], dealership: Dealership) -> None:
        membership = self.memberships.get(dealership.pk)
        assignee: User | None = data.get("assigned_to")
        if membership is None or not membership.sees_all_leads:
            # A salesperson's own lead is theirs to work; they may not hand it to someone else here.
            data["assigned_to"] = membership.user if membership else None
        elif assignee is not None and not assignee.memberships.filter(dealership=dealership).exists():
            self.add_error("assigned_to", f"{assignee.name} does not work at {dealership.name}.")

    def source_name(self) -> str:
        data = self.cleaned_data
        return (data.get("source_other") or "").strip() if data["source"] == OTHER_SOURCE else data["source"]

    def source_kind(self) -> str:
        return SOURCE_KINDS.get(self.cleaned_data["source"], Lead.SourceKind.MANUAL)

    def vehicles(self) -> list[dict[str, Any]]:
        data = self.cleaned_data
        unit: Vehicle | None = data.get("stock_vehicle")
        if unit is not None:
            return [
                {
                    "stock": unit.stock,
                    "vin": unit.vin,
                    "condition": unit.condition,
                    "year": unit.year,
                    "make": unit.make,
                    "model": unit.model,
                    "trim": unit.trim,
                    "price": unit.price,
                    "odometer": unit.odometer,
                }
            ]
        described = {f: data.get(f"vehicle_{f}") for f in ("year", "make", "model", "trim", "condition")}
        if described["year"] or (described["make"] or "").strip() or (described["model"] or "").strip():
            return [described | {"search_vehicle": True}]
        return []

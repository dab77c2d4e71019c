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

from accounts.models import User
from dealerships.models import Dealership, Department
from forecourt.lib.phone import display, to_e164
from inventory.models import Vehicle
from leads.models import Customer, CustomerPhone, Lead, VehicleInterest
from leads.search import LeadFilters

PAGE_SIZE = 25
CONDITIONS = [("", "—"), ("new", "New"), ("used", "Used")]


class PageForm(forms.Form):
    """A form whose field ids start with `id_prefix`, so that the many forms of the lead page keep
    distinct ids (and labels point at the right input) while the posted names stay plain."""

    id_prefix = "id"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", f"{self.id_prefix}_%s")
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


def year_field() -> forms.IntegerField:
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

    year = year_field()
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
    year = year_field()
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

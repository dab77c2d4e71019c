"""The new-lead screen's form: a lead entered by hand. It lives beside the screen (intake.manual),
a door for new leads; the customer fields it shares are leads' own forms."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet

from accounts.models import Membership, User
from dealerships.models import Dealership, Department
from dealerships.modes import is_tracking
from inventory.models import Vehicle
from leads.forms import CONDITIONS, NewCustomerForm, year_field
from leads.models import Customer, Lead

# fmt: off
COMMON_SOURCES = ("Walk-in", "Phone call", "Referral", "Website", "CarGurus", "Cars.com", "AutoTrader", "TrueCar",
                  "Edmunds", "KBB", "Facebook")
# fmt: on
OTHER_SOURCE = "Other"
# Sources entered by hand that are a kind of their own; every other manual source is "manual".
SOURCE_KINDS = {"Walk-in": Lead.SourceKind.WALK_IN, "Phone call": Lead.SourceKind.CALL}


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
    # Filled by hand or from a scanned licence (intake.licence).
    street = forms.CharField(max_length=200, required=False, label="Street")
    city = forms.CharField(max_length=100, required=False)
    region = forms.CharField(max_length=100, required=False, label="State / province")
    postal_code = forms.CharField(max_length=20, required=False, label="ZIP / postal code")
    address_country = forms.ChoiceField(
        choices=[("", "—"), ("US", "United States"), ("CA", "Canada")], required=False, label="Country"
    )
    birth_date = forms.DateField(
        required=False, label="Date of birth", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    vehicle_stock = forms.CharField(max_length=32, required=False, label="Stock #")
    vehicle_year = year_field()
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
        if is_tracking(dealership):
            if assignee is not None and membership is not None and membership.sees_all_leads:
                self.add_error("assigned_to", f"{dealership.name} runs in lead tracking mode: nobody is assigned here.")
            data["assigned_to"] = None
        elif membership is None or not membership.sees_all_leads:
            # A salesperson's own lead is theirs to work; they may not hand it to someone else here.
            data["assigned_to"] = membership.user if membership else None
        elif assignee is not None and not assignee.memberships.filter(dealership=dealership).exists():
            self.add_error("assigned_to", f"{assignee.name} does not work at {dealership.name}.")

    def customer_data(self) -> dict[str, Any]:
        data = self.cleaned_data
        street = (data.get("street") or "").strip()
        return {
            **super().customer_data(),
            "address": {
                "street": [street] if street else [],
                "city": data.get("city") or "",
                "region": data.get("region") or "",
                "postal_code": data.get("postal_code") or "",
                "country": data.get("address_country") or "",
            },
            "birth_date": data.get("birth_date"),
        }

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

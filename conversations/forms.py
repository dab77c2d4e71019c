"""Forms of the conversation screens: what a person typed, turned into what an action expects."""

from __future__ import annotations

from typing import Any

from django import forms

from dealerships.models import Dealership
from forecourt.lib.phone import to_e164

MESSAGE_LIMIT = 1600  # Twilio refuses a longer text


class DealershipField(forms.ModelChoiceField[Dealership]):
    def label_from_instance(self, obj: Dealership) -> str:
        return obj.name


class _DealershipForm(forms.Form):
    """A form that names one of the dealerships it was given; the only one is chosen for the user."""

    dealership = DealershipField(queryset=Dealership.objects.none(), empty_label=None, label="Dealership")

    def __init__(self, *args: Any, dealerships: list[Dealership], **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        field = self.fields["dealership"]
        assert isinstance(field, DealershipField)
        field.queryset = Dealership.objects.filter(pk__in=[d.pk for d in dealerships]).order_by("name")
        self.several_dealerships = len(dealerships) > 1
        if dealerships and not self.is_bound:
            self.initial.setdefault("dealership", dealerships[0].pk)

    def country(self) -> str:
        chosen = self.cleaned_data.get("dealership") if hasattr(self, "cleaned_data") else None
        return (chosen.country if chosen else "") or "US"


class InviteForm(_DealershipForm):
    """Invite customer: a text to any number, from the dealership's number."""

    phone = forms.CharField(
        max_length=40,
        label="Mobile number",
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off", "inputmode": "tel"}),
    )
    first_name = forms.CharField(max_length=100, required=False, label="First name")
    last_name = forms.CharField(max_length=100, required=False, label="Last name")
    body = forms.CharField(
        max_length=MESSAGE_LIMIT,
        label="Message",
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "Write a message."},
    )
    field_order = ["dealership", "phone", "first_name", "last_name", "body"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        phone = data.get("phone", "")
        if phone and to_e164(phone, self.country()) is None:
            self.add_error("phone", f"“{phone}” is not a phone number that can take a text.")
        if "body" in data and not data["body"].strip():
            self.add_error("body", "Write a message.")
        return data


class SimulatorForm(_DealershipForm):
    """A text as a customer would send it to the dealership's number (console provider only)."""

    from_number = forms.CharField(
        max_length=40,
        label="From (the customer's number)",
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off", "inputmode": "tel"}),
    )
    body = forms.CharField(
        max_length=MESSAGE_LIMIT,
        label="Message",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Write a message."},
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        number = data.get("from_number", "")
        if number:
            e164 = to_e164(number, self.country())
            if e164 is None:
                self.add_error("from_number", f"“{number}” is not a phone number.")
            else:
                data["from_number"] = e164
        return data

"""The booking form: a day and a time in the dealership's zone, how long, with whom, which vehicle."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django import forms

from accounts.models import User
from appointments.models import Appointment
from dealerships.models import Dealership
from leads.models import Lead, VehicleInterest

LENGTHS = [(15, "15 min"), (30, "30 min"), (45, "45 min"), (60, "1 hour"), (90, "1½ hours"), (120, "2 hours")]


class BookingForm(forms.Form):
    kind = forms.ChoiceField(label="What", choices=Appointment.Kind.choices, initial=Appointment.Kind.APPOINTMENT)
    title = forms.CharField(label="Title", max_length=200, required=False)
    day = forms.DateField(label="Day", widget=forms.DateInput(attrs={"type": "date"}))
    time = forms.TimeField(label="Time", widget=forms.TimeInput(attrs={"type": "time", "step": 300}))
    minutes = forms.TypedChoiceField(label="How long", choices=LENGTHS, coerce=int, initial=60)
    user = forms.ModelChoiceField(label="With", queryset=User.objects.none(), empty_label=None)
    vehicle = forms.ModelChoiceField(
        label="Vehicle", queryset=VehicleInterest.objects.none(), required=False, empty_label="No vehicle in particular"
    )
    note = forms.CharField(label="Note", required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))
    insist = forms.BooleanField(label="Book outside opening hours", required=False)

    def __init__(self, *args: Any, dealership: Dealership, lead: Lead | None, actor: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.dealership = dealership
        self.lead = lead
        people = User.objects.filter(is_active=True, memberships__dealership=dealership).distinct().order_by("name")
        user_field = self.fields["user"]
        assert isinstance(user_field, forms.ModelChoiceField)
        user_field.queryset = people
        user_field.initial = (lead.assigned_to if lead is not None and lead.assigned_to else actor).pk
        vehicle_field = self.fields["vehicle"]
        assert isinstance(vehicle_field, forms.ModelChoiceField)
        if lead is not None:
            vehicle_field.queryset = lead.vehicles.all()
            preferred = lead.vehicles.filter(preferred=True).first()
            vehicle_field.initial = preferred.pk if preferred else None
            del self.fields["title"]
        else:
            del self.fields["vehicle"]
        for name, field in self.fields.items():
            field.widget.attrs.setdefault("id", f"book-{name}")

    def starts_at(self) -> datetime:
        """The day and time as the dealership's clock reads them."""
        zone = ZoneInfo(self.dealership.timezone)
        return datetime.combine(self.cleaned_data["day"], self.cleaned_data["time"], zone)

    def ends_at(self) -> datetime:
        return self.starts_at() + timedelta(minutes=self.cleaned_data["minutes"])

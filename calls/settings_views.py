"""My call settings: the phone click-to-call rings first, and whether my customers' calls ring my
mobile. Every user edits their own; provisioning sets them too (outbound_phone, forward_calls)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse

from accounts.models import User
from calls.actions import set_call_settings
from calls.phones import normalise_outbound_phone
from forecourt.lib.phone import display

LABELS = {"outbound_phone": "Phone to ring first", "forward_calls": "Calls from my customers ring my mobile"}


class CallSettingsForm(forms.Form):
    outbound_phone = forms.CharField(
        label=LABELS["outbound_phone"],
        required=False,
        max_length=40,
        help_text="When you press Call, this phone rings first; empty: your mobile. For a desk phone behind "
        "a switchboard, add a comma per second to wait and the extension: +15125550100,,,42.",
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel", "placeholder": "your mobile"}),
    )
    forward_calls = forms.BooleanField(
        label=LABELS["forward_calls"],
        required=False,
        help_text="When a customer whose lead is yours calls the dealership. Off: the store takes them.",
    )

    def __init__(self, *args: Any, country: str = "US", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.country = country

    def clean_outbound_phone(self) -> str:
        try:
            return normalise_outbound_phone(self.cleaned_data["outbound_phone"], self.country)
        except ValueError as exc:
            raise ValidationError(str(exc)) from None


def _country(user: User) -> str:
    membership = user.memberships.select_related("dealership").first()
    return membership.dealership.country if membership else "US"


def call_settings(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not isinstance(user, User):  # pragma: no cover - LoginRequiredMiddleware sends them to log in
        raise Http404
    country = _country(user)
    if request.method == "POST":
        form = CallSettingsForm(request.POST, country=country)
        if form.is_valid():
            changed = set_call_settings(user=user, actor=user, **form.cleaned_data)
            said = ", ".join(LABELS[key].lower() for key in changed)
            messages.success(request, f"Saved: {said}." if changed else "Nothing to change.")
            return HttpResponseRedirect(reverse("call-settings"))
    else:
        form = CallSettingsForm(
            initial={"outbound_phone": user.outbound_phone, "forward_calls": user.forward_calls}, country=country
        )
    context = {"form": form, "mobile": display(user.mobile) if user.mobile else ""}
    return render(request, "calls/settings.html", context, status=400 if form.errors else 200)

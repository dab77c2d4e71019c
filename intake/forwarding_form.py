"""The forwarding rules screen's forms. They only collect what was typed into the `forwarding`
block of a provisioning document; `dealerships.config` judges it, as it judges a YAML file."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from django import forms

from accounts.models import User
from intake.sources import KNOWN_SOURCES

TO_ADDRESS = "email"
ROW_ERROR = re.compile(r"^dealerships\[0\]\.forwarding\.marketplaces\[(\d+)\](?:\.(\w+))?: (.*)$")
KEY_ERROR = re.compile(r"^dealerships\[0\]\.forwarding\.(\w+): (.*)$")


class ForwardingForm(forms.Form):
    trade_in_cc = forms.CharField(
        label="Trade-in CC email",
        required=False,
        max_length=254,
        help_text="Trade-in requests that name no vehicle to buy (sell my car, appraisals) are emailed here, "
        "with the lead's core data as a PDF and its link.",
    )
    use_vehicle_location = forms.BooleanField(
        label="Use vehicle location for forwarding rules",
        required=False,
        help_text="A lead for a vehicle stocked at another rooftop of the group is forwarded by that rooftop's "
        "rules (its CRM address, marketplace redirects and trade-in CC).",
    )

    def forwarding(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "trade_in_cc": data["trade_in_cc"].strip() or None,
            "use_vehicle_location": data["use_vehicle_location"],
        }


class RedirectForm(forms.Form):
    source = forms.CharField(label="Marketplace", required=False, max_length=100)
    to = forms.ChoiceField(label="Send its leads to", required=False)
    email = forms.CharField(label="Address (when sent as ADF)", required=False, max_length=254)

    def __init__(self, *args: Any, people: Iterable[User] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["source"].widget.attrs.update({"list": "known-marketplaces", "autocomplete": "off"})
        self.fields["email"].widget.attrs.update({"placeholder": "name@example.com", "inputmode": "email"})
        choices = [("", "—"), *((p.email, p.name) for p in people), (TO_ADDRESS, "An email address (as ADF)")]
        self.fields["to"].choices = choices  # type: ignore[attr-defined]

    @property
    def blank(self) -> bool:
        """No redirect: a saved row whose marketplace was cleared (removed), or a new row left empty.
        A new row with a target but no marketplace is not blank: it is refused, saying so."""
        data = getattr(self, "cleaned_data", {})
        if (data.get("source") or "").strip():
            return False
        return bool(self.initial.get("source")) or not (data.get("to") or data.get("email"))

    def redirect(self) -> dict[str, Any]:
        data = self.cleaned_data
        to = data.get("to") or ""
        entry: dict[str, Any] = {"source": data["source"].strip() or None}
        if to == TO_ADDRESS or (not to and data.get("email")):
            entry["email"] = data.get("email", "").strip() or None
        elif to:
            entry["user"] = to
        return entry


RedirectFormSet = forms.formset_factory(RedirectForm, extra=2)


def known_marketplaces() -> list[str]:
    return list(KNOWN_SOURCES)


def initial_rows(forwarding: dict[str, Any]) -> list[dict[str, str]]:
    return [
        {"source": r["source"], "to": r.get("user") or TO_ADDRESS, "email": r.get("email", "")}
        for r in forwarding["marketplaces"]
    ]


def place_errors(errors: Iterable[str], form: ForwardingForm, rows: list[RedirectForm], used: list[int]) -> None:
    """Put each error of the document on the field it is about (`used`: the row of each redirect
    in the document); anything else goes on top of the form."""
    for error in errors:
        if found := ROW_ERROR.match(error):
            index, key, message = int(found[1]), found[2], found[3]
            row = rows[used[index]] if index < len(used) else None
            field = {"user": "to", "email": "email", "source": "source"}.get(key or "")
            if row is not None:
                row.add_error(field, message)
                continue
        elif (found := KEY_ERROR.match(error)) and found[1] in form.fields:
            form.add_error(found[1], found[2])
            continue
        form.add_error(None, error)

"""The dealership settings screen as a form over the provisioning document (CONTRACT §3).

Every field is plain text (or a checkbox): the form only collects what was typed. It turns the
input into the same document a provisioning file holds, and `dealerships.config` judges it,
so the screen and `manage.py provision` accept and refuse exactly the same values. Errors come
back as document paths (`dealerships[0].hours.sat[1]: …`) and are put next to their field.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from django import forms

from accounts.models import User
from dealerships import config
from dealerships.config_autoresponder import AUTORESPONDER_KEYS
from forecourt.lib.names import STYLES

DAY_NAMES = {
    "mon": "Monday",
    "tue": "Tuesday",
    "wed": "Wednesday",
    "thu": "Thursday",
    "fri": "Friday",
    "sat": "Saturday",
    "sun": "Sunday",
}
ESCALATION_LABELS = {
    "stage1_minutes": ("Stage 1: first reply within (working minutes)", "From arrival to the first human reply."),
    "reminder_minutes": ("Reminder before stage 1 (working minutes)", "The assignee is reminded this long before."),
    "stage2_minutes": ("Stage 2: to the supervisor after (minutes)", "Calendar minutes after stage 1 expired."),
    "resubmission_stage2_minutes": ("Stage 2 for resubmissions (minutes)", "For overdue follow-ups."),
}
MODE_LABELS = {
    "management": "Lead management: Forecourt distributes, clocks and alerts",
    "tracking": "Lead tracking: read-only beside another CRM",
}
METHOD_LABELS = {
    "first_available": "First available (alert everyone; first to claim wins)",
    "round_robin": "Round robin",
    "crm_assign": "CRM-assigned (the sender names the salesperson)",
    "pool": "Pool (salespeople pull leads)",
}
EXISTING_LABELS = {
    "assigned_user": "Go to their salesperson",
    "distribute": "Go through distribution again",
}
LINK_LABELS = {
    "credit_application": "Credit application link",
    "service_appointment": "Service appointment link",
    "trade_in_value": "Trade-in value link",
}
PHONE_LABELS = {
    "leads": ("Leads number", "The number customers text and call; sends all texts."),
    "main": ("Main number", "Where calls go when no salesperson takes them."),
    "calls_forwarding": (
        "Calls forwarding number",
        "Where calls from anyone without an open lead go; empty: the main number.",
    ),
}


def _text(label: str, help_text: str = "", **widget: Any) -> forms.CharField:
    return forms.CharField(label=label, required=False, help_text=help_text, max_length=2000, **widget)


class DealershipSettingsForm(forms.Form):
    """Every setting of one dealership; see `document()` for how it becomes a §3 document."""

    name = _text("Name")
    timezone = _text("Time zone", widget=forms.Select)
    country = _text("Country", "Two letters, e.g. US; decides public holidays and how local numbers are read.")
    subdivision = _text("State or region", "e.g. TX; optional.")
    public_holidays = forms.BooleanField(label="Closed on public holidays", required=False)
    days_off = _text("Days off", "One date per line, e.g. 2026-12-24.", widget=forms.Textarea(attrs={"rows": 3}))
    email_intake = _text("Lead intake address", "The part before the @; empty = no email intake.")
    email_from_name = _text("Emails are sent as")
    email_send_emails = forms.BooleanField(label="Send emails to customers", required=False)
    # No help text: beside a checkbox it would split the box from its label; the label says it all.
    calls_recordings = forms.BooleanField(label="Record calls (both sides hear it announced first)", required=False)
    mode = _text(
        "Mode",
        "Tracking: leads are kept, shown, reported and sent on to your CRM; nobody is assigned or alerted "
        "and customers hear nothing from Forecourt.",
        widget=forms.Select(choices=list(MODE_LABELS.items())),
    )
    # Set by the confirmation's button: a switch of mode is saved only once confirmed.
    confirm_mode = forms.BooleanField(required=False, widget=forms.HiddenInput)
    after_hours_sms = _text(
        "After-hours text", "Sent to customers who text while you are closed.", widget=forms.Textarea(attrs={"rows": 3})
    )
    staff_names = forms.ChoiceField(
        label="Salespeople's names as customers see them",
        choices=list(STYLES.items()),
        help_text="In emails, texts, the chat, quotes and appointment notices; staff screens show full names.",
    )
    autoresponder_email_subject = _text("Autoresponder email subject")
    autoresponder_email_body = _text(
        "Autoresponder email",
        "Sent once to the customer of each new lead from a third party or your website; empty = no email.",
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    autoresponder_sms = _text(
        "Autoresponder text",
        "Sent only to customers who consented to texts, between 8:00 and 21:00 their time; empty = no text.",
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    chat_origins = _text(
        "Websites the live chat works on",
        "One per line, e.g. https://www.riverside-toyota.example; the chat refuses every other website.",
        widget=forms.Textarea(attrs={"rows": 2, "autocapitalize": "off", "spellcheck": "false"}),
    )
    messenger_page_id = _text(
        "Facebook page id", "The digits in the page's About section (Page transparency); empty = not connected."
    )
    # Never shown back: the page says only whether one is set (see `__init__`).
    messenger_page_token = forms.CharField(
        label="Page access token",
        required=False,
        max_length=1000,
        strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
    )

    def __init__(self, *args: Any, members: Iterable[User] = (), page_token_set: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["messenger_page_token"].help_text = (
            "Set. Enter a new one to replace it; leave empty to keep it."
            if page_token_set
            else "Not set. Paste the page's token from Meta to answer customers on Messenger."
        )
        self.fields["timezone"].widget.choices = [(zone, zone) for zone in sorted(config.time_zones())]
        for day, name in DAY_NAMES.items():
            self.fields[f"hours_{day}"] = _text(name, widget=forms.TextInput(attrs={"placeholder": "closed"}))
        for key, (label, hint) in PHONE_LABELS.items():
            self.fields[f"phones_{key}"] = _text(label, hint, widget=forms.TextInput(attrs={"type": "tel"}))
        for key, (label, hint) in ESCALATION_LABELS.items():
            self.fields[f"escalation_{key}"] = _text(
                label, hint, widget=forms.TextInput(attrs={"inputmode": "numeric"})
            )
        # No help text beside a checkbox (see calls_recordings); docs/escalation.md says more.
        self.fields["escalation_resubmission_opening_hours"] = forms.BooleanField(
            label="Follow-up reminders and their escalations wait for opening hours", required=False
        )
        people = [("", "— nobody (the admins) —")] + [(u.email, f"{u.name} ({u.email})") for u in members]
        for department in config.DEPARTMENTS:
            prefix = f"distribution_{department}"
            title = department.capitalize()
            methods = list(METHOD_LABELS.items())
            self.fields[f"{prefix}_method"] = _text(f"{title}: distribution", widget=forms.Select(choices=methods))
            self.fields[f"{prefix}_fallback"] = _text(
                f"{title}: fallback user", "Gets the lead when nobody else can.", widget=forms.Select(choices=people)
            )
            self.fields[f"{prefix}_existing_customers"] = _text(
                f"{title}: leads from known customers", widget=forms.Select(choices=list(EXISTING_LABELS.items()))
            )
        for key, label in LINK_LABELS.items():
            self.fields[f"links_{key}"] = _text(label, widget=forms.URLInput)
        self.fields["worksheets_tax_rate"] = _text(
            "Sales tax rate",
            '"0.0625" is 6.25%; worksheets tax the price and fees, less rebates and the trade allowance.',
        )
        self.fields["worksheets_doc_fee"] = _text("Doc fee", "Dealer fees every new worksheet starts with.")

    def hours_fields(self) -> list[forms.BoundField]:
        return [self[f"hours_{day}"] for day in DAY_NAMES]

    def _group(self, prefix: str) -> list[forms.BoundField]:
        return [self[name] for name in self.fields if name.startswith(prefix)]

    # Templates cannot pass arguments, hence one property per group of fields.
    @property
    def group_phones(self) -> list[forms.BoundField]:
        return self._group("phones_")

    @property
    def group_email(self) -> list[forms.BoundField]:
        return self._group("email_")

    @property
    def group_escalation(self) -> list[forms.BoundField]:
        return self._group("escalation_")

    @property
    def group_distribution(self) -> list[forms.BoundField]:
        return self._group("distribution_")

    @property
    def group_links(self) -> list[forms.BoundField]:
        return self._group("links_")

    @property
    def group_worksheets(self) -> list[forms.BoundField]:
        return self._group("worksheets_")

    @property
    def group_autoresponder(self) -> list[forms.BoundField]:
        return self._group("autoresponder_")

    def group_messenger(self) -> list[forms.BoundField]:
        return self._group("messenger_")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("messenger_page_token") and not (data.get("messenger_page_id") or "").strip():
            self.add_error("messenger_page_token", "Enter the Facebook page id this token belongs to.")
        return data

    @staticmethod
    def initial_from(settings: Mapping[str, Any]) -> dict[str, Any]:
        """Form values for a dealership's current settings (document shape)."""
        initial: dict[str, Any] = {
            key: settings[key] or "" for key in ("name", "timezone", "country", "subdivision", "after_hours_sms")
        }
        initial["public_holidays"] = settings["public_holidays"]
        initial["mode"] = settings["mode"]
        initial["staff_names"] = settings["staff_names"]
        initial["calls_recordings"] = settings["calls"]["recordings"]
        initial["days_off"] = "\n".join(settings["days_off"])
        for day in DAY_NAMES:
            initial[f"hours_{day}"] = ", ".join(settings["hours"].get(day) or [])
        for group in ("phones", "email", "escalation", "links", "worksheets", "messenger", "autoresponder"):
            for key, value in settings[group].items():
                initial[f"{group}_{key}"] = "" if value is None else value
        for department, values in settings["distribution"].items():
            for key, value in values.items():
                initial[f"distribution_{department}_{key}"] = value or ""
        initial["chat_origins"] = "\n".join(settings["chat"]["origins"])
        return initial

    def document(self, *, organization: str, slug: str) -> dict[str, Any]:
        """The §3 document for what was typed; values are left as typed for the validator to judge."""
        data = self.cleaned_data
        dealership: dict[str, Any] = {
            "slug": slug,
            "name": data["name"],
            "timezone": data["timezone"],
            "country": data["country"] or None,
            "subdivision": data["subdivision"] or None,
            "public_holidays": data["public_holidays"],
            "days_off": [line.strip() for line in data["days_off"].splitlines() if line.strip()],
            "hours": {
                day: [part.strip() for part in data[f"hours_{day}"].split(",") if part.strip()] for day in DAY_NAMES
            },
            "phones": {key: data[f"phones_{key}"] for key in config.PHONES},
            "email": {
                "intake": data["email_intake"] or None,
                "from_name": data["email_from_name"],
                "send_emails": data["email_send_emails"],
            },
            "after_hours_sms": data["after_hours_sms"],
            "escalation": {
                **{key: _whole_number(data[f"escalation_{key}"]) for key in config.ESCALATION},
                **{key: data[f"escalation_{key}"] for key in config.ESCALATION_SWITCHES},
            },
            "mode": data["mode"],
            "staff_names": data["staff_names"],
            "autoresponder": {key: data[f"autoresponder_{key}"] for key in AUTORESPONDER_KEYS},
            "distribution": {
                department: {
                    "method": data[f"distribution_{department}_method"],
                    "fallback": data[f"distribution_{department}_fallback"] or None,
                    "existing_customers": data[f"distribution_{department}_existing_customers"],
                }
                for department in config.DEPARTMENTS
            },
            "links": {key: data[f"links_{key}"] for key in config.LINKS},
            "worksheets": {key: data[f"worksheets_{key}"] for key in config.WORKSHEET_KEYS},
            "chat": {"origins": [line.strip() for line in data["chat_origins"].splitlines() if line.strip()]},
            "messenger": {"page_id": data["messenger_page_id"] or None},
            "calls": {"recordings": data["calls_recordings"]},
        }
        return {"organization": organization, "dealerships": [dealership]}

    def field_for(self, path: str) -> str | None:
        """The form field a document path belongs to: `dealerships[0].hours.sat[1]` -> hours_sat."""
        parts = re.sub(r"\[\d+\]", "", re.sub(r"^dealerships\[0\]\.?", "", path)).split(".")
        while parts and parts != [""]:
            name = "_".join(parts)
            if name in self.fields:
                return name
            parts.pop()
        return None

    def add_document_errors(self, errors: Iterable[str]) -> None:
        for error in errors:
            path, _, message = error.partition(": ")
            self.add_error(self.field_for(path), message)

    def labels_for(self, paths: Iterable[str]) -> list[str]:
        labels = []
        for path in paths:
            name = self.field_for(path)
            label = str(self.fields[name].label) if name else path
            if label not in labels:
                labels.append(label)
        return labels


def _whole_number(text: str) -> int | str:
    """ "30" -> 30; anything else stays text, for the validator to refuse with its own words."""
    return int(text) if re.fullmatch(r"-?\d{1,9}", text.strip()) else text.strip()

"""Forms of the Intake screens: source rules, intake settings, CSV upload."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from dealerships.models import Dealership
from intake.mailbox import NEUTRAL_ERROR, private_host_refused
from intake.models import IntakeSettings, SourceRule
from intake.sources import UnusablePattern, compiled_pattern


class SourceRuleForm(forms.ModelForm[SourceRule]):
    scope = forms.ChoiceField(label="Applies to")

    class Meta:
        model = SourceRule
        fields = ("field", "match", "pattern", "source_name", "source_kind", "position")

    def __init__(self, *args: Any, dealerships: list[Dealership], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [(f"d:{d.pk}", d.name) for d in dealerships]
        orgs = {d.organization_id: d.organization.name for d in dealerships}
        choices += [(f"o:{pk}", f"Every dealership of {name}") for pk, name in orgs.items()]
        self.fields["scope"].choices = choices  # type: ignore[attr-defined]
        self.scopes = {f"d:{d.pk}": ("dealership", d) for d in dealerships} | {
            f"o:{d.organization_id}": ("organization", d.organization) for d in dealerships
        }
        if self.instance.pk:
            self.initial["scope"] = (
                f"d:{self.instance.dealership_id}"
                if self.instance.dealership_id
                else f"o:{self.instance.organization_id}"
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("match") == SourceRule.Match.REGEX and data.get("pattern"):
            try:
                compiled_pattern(data["pattern"])
            except UnusablePattern as exc:
                self.add_error("pattern", str(exc))
        return data

    def save(self, commit: bool = True) -> SourceRule:
        rule = super().save(commit=False)
        kind, target = self.scopes[self.cleaned_data["scope"]]
        rule.dealership = target if kind == "dealership" else None  # type: ignore[assignment]
        rule.organization = target if kind == "organization" else None  # type: ignore[assignment]
        if commit:
            rule.save()
        return rule


class IntakeSettingsForm(forms.ModelForm[IntakeSettings]):
    imap_password = forms.CharField(
        label="IMAP password",
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text="Leave empty to keep the saved password.",
    )

    class Meta:
        model = IntakeSettings
        fields = (
            "report_email",
            "crm_email",
            "imap_host",
            "imap_port",
            "imap_user",
            "imap_password",
            "imap_folder",
            "imap_ssl",
            "imap_poll_seconds",
        )
        labels = {
            "report_email": "Report mail that makes no lead to",
            "crm_email": "Send every new lead as ADF to (CRM/DMS)",
            "imap_host": "IMAP server",
            "imap_port": "IMAP port",
            "imap_user": "IMAP user",
            "imap_folder": "IMAP folder",
            "imap_ssl": "Use SSL/TLS",
            "imap_poll_seconds": "Poll every (seconds)",
        }

    def clean_report_email(self) -> str:
        value = self.cleaned_data.get("report_email") or ""
        addresses = [a.strip() for a in value.replace(";", ",").split(",") if a.strip()]
        for address in addresses:
            try:
                validate_email(address)
            except ValidationError:
                raise ValidationError(f"{address!r} is not an email address.") from None
        return ", ".join(addresses)

    def clean_imap_password(self) -> str:
        return self.cleaned_data.get("imap_password") or self.instance.imap_password

    def clean_imap_poll_seconds(self) -> int:
        seconds = self.cleaned_data.get("imap_poll_seconds") or 60
        if seconds < 10:
            raise ValidationError("Poll at most every 10 seconds.")
        return int(seconds)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("imap_host") and not data.get("imap_user"):
            self.add_error("imap_user", "Give the mailbox's user name.")
        host, port = (data.get("imap_host") or "").strip(), data.get("imap_port") or 993
        if host and private_host_refused(host, port):
            # The same words as any failed sign-in: the form tells nobody what is inside our network.
            self.add_error("imap_host", NEUTRAL_ERROR)
        return data


class CsvUploadForm(forms.Form):
    dealership = forms.ChoiceField()
    file = forms.FileField(label="CSV file")

    def __init__(self, *args: Any, dealerships: list[Dealership], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["dealership"].choices = [(d.slug, d.name) for d in dealerships]  # type: ignore[attr-defined]

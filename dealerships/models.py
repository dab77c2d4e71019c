"""Organisations (dealer groups) and their dealerships (rooftops) with every setting."""

from __future__ import annotations

from copy import deepcopy
from datetime import date
from typing import Any

from django.db import models
from django.db.models import Q

from forecourt.lib.sealed import SealedTextField


class Department(models.TextChoices):
    SALES = "sales", "Sales"
    SERVICE = "service", "Service"


class Organization(models.Model):
    """A dealer group: one or more rooftops sharing customers and staff."""

    name = models.CharField(max_length=200, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name


def default_escalation() -> dict[str, int]:
    return {"stage1_minutes": 30, "reminder_minutes": 10, "stage2_minutes": 60, "resubmission_stage2_minutes": 120}


def default_distribution() -> dict[str, dict[str, Any]]:
    return {"sales": {"method": "round_robin"}, "service": {"method": "first_available"}}


class Dealership(models.Model):
    """One rooftop: its hours, phones, intake address, escalation and distribution settings.

    Structured settings (hours, escalation, distribution, links) are kept in the same shape
    as the provisioning YAML and are only ever written after `dealerships.config` validated them.
    `mode` says whether Forecourt works the leads (management) or only keeps and reports them
    beside another CRM (tracking: nobody assigned, no clock, no alert, no message to customers;
    `dealerships.modes` and docs/tracking-mode.md).
    """

    class Mode(models.TextChoices):
        MANAGEMENT = "management", "Lead management"
        TRACKING = "tracking", "Lead tracking (read-only beside another CRM)"

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="dealerships")
    slug = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=200)
    timezone = models.CharField(max_length=64, default="America/Chicago")
    country = models.CharField(max_length=2, default="US")
    subdivision = models.CharField(max_length=10, blank=True)
    public_holidays = models.BooleanField(default=True)
    days_off = models.JSONField(default=list, blank=True, help_text="ISO dates the dealership is closed.")
    hours = models.JSONField(default=dict, blank=True, help_text='{"mon": ["09:00-19:00"], …}')
    leads_phone = models.CharField(max_length=20, blank=True)
    main_phone = models.CharField(max_length=20, blank=True)
    calls_forwarding_phone = models.CharField(max_length=20, blank=True)
    call_recordings = models.BooleanField(default=False, help_text="Calls are recorded, with an announcement.")
    intake_address = models.CharField(max_length=64, unique=True, null=True, blank=True)
    email_from_name = models.CharField(max_length=200, blank=True)
    send_emails = models.BooleanField(default=True)
    after_hours_sms = models.TextField(blank=True)
    staff_names = models.CharField(
        max_length=14,
        default="full",
        choices=[("full", "Full name"), ("first", "First name"), ("first_initial", "First name and initial")],
        help_text="How salespeople's names are shown to customers (forecourt.lib.names).",
    )
    autoresponder = models.JSONField(
        default=dict,
        blank=True,
        help_text='The reply to a new third-party lead\'s customer: {"email_subject", "email_body", "sms"}; empty = off.',
    )
    escalation = models.JSONField(default=default_escalation)
    mode = models.CharField(max_length=12, choices=Mode.choices, default=Mode.MANAGEMENT)
    distribution = models.JSONField(default=default_distribution)
    links = models.JSONField(default=dict, blank=True)
    worksheets = models.JSONField(
        default=dict, blank=True, help_text='Worksheet defaults: {"tax_rate": "0.0625", "doc_fee": "150.00"}.'
    )
    chat_origins = models.JSONField(
        default=list, blank=True, help_text="Websites (scheme://host[:port]) the live-chat script works on."
    )
    messenger_page_id = models.CharField(
        max_length=30, blank=True, help_text="The Facebook page customers message (its numeric id)."
    )
    # The Send API needs it back; entered on the settings screen only, never shown or exported.
    messenger_page_token = SealedTextField(blank=True)  # encrypted in the database
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["messenger_page_id"], condition=~Q(messenger_page_id=""), name="messenger_page_once"
            )
        ]

    def __str__(self) -> str:
        return self.name

    def calendar(self) -> Any:
        """The dealership's business calendar (hours, public holidays, days off); kept on the
        instance while the fields it is made of stay as they are (one lead asks several times)."""
        made_of = (self.timezone, self.hours, self.country, self.subdivision, self.public_holidays, self.days_off)
        kept = getattr(self, "_calendar", None)
        if kept is not None and kept[0] == made_of:  # compared, not written out: asked a few times a lead
            return kept[1]
        from dealerships.calendar import BusinessCalendar
        from forecourt.lib.batch import read_once

        # A batch of intake reads its dealership afresh for every lead: it makes the calendar once.
        calendar = read_once(
            ("calendar", repr(made_of)),
            lambda: BusinessCalendar(
                timezone=self.timezone,
                hours=self.hours,
                country=self.country or None,
                subdivision=self.subdivision or None,
                public_holidays=self.public_holidays,
                days_off=frozenset(date.fromisoformat(d) for d in self.days_off),
            ),
        )
        self._calendar = (deepcopy(made_of), calendar)  # a copy: hours changed in place are seen too
        return calendar


class DealershipChange(models.Model):
    """Who changed which settings of a dealership, when, and how (settings screen or provisioning).

    `changes` lists {"path", "old", "new"} in the shape of the provisioning YAML.
    """

    class Source(models.TextChoices):
        SETTINGS = "settings", "Settings screen"
        PROVISION = "provision", "Provisioning file"

    dealership = models.ForeignKey(Dealership, on_delete=models.CASCADE, related_name="changes")
    actor = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    source = models.CharField(max_length=10, choices=Source.choices)
    at = models.DateTimeField(auto_now_add=True)
    changes = models.JSONField(default=list)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.dealership}: {', '.join(c['path'] for c in self.changes)}"


class SettingsVersion(models.Model):
    """One row whose `value` moves whenever anyone changes what a dealership's settings say, by
    database trigger, in the transaction that changes them, so no way of writing them (a screen,
    provisioning, a bulk update, SQL by hand) is missed. On PostgreSQL, intake keeps what it read
    of the settings from one batch to the next while `value` stays as it was
    (`forecourt.lib.batch.read_settled`); on SQLite there are no triggers and nothing is kept.

    The tables with a trigger are listed in the migration that made them (0009): the dealership,
    users and memberships, notification preferences and push devices, default follow-ups, intake
    settings and marketplace redirects, and the distribution settings and groups. A table that
    `read_settled` reads from must be among them.
    """

    value = models.BigIntegerField()

    def __str__(self) -> str:
        return f"settings version {self.value}"

"""Customers, leads and everything worked on a lead: vehicles, trades, activity."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Upper
from django.utils import timezone

from dealerships.models import Dealership, Department, Organization
from forecourt.lib.phone import digits_last_first
from inventory.models import Vehicle

# The customer's names the search box finds leads by: every word typed starts one of them.
NAME_FIELDS = ("first_name", "last_name", "business_name")
# ...as each lead carries them (`CustomerNameKeyField`).
SEARCH_NAME_FIELDS = tuple(f"search_{field}" for field in NAME_FIELDS)


def name_key(name: str) -> str:
    """A name as the search compares it: upper-cased (what is typed is upper-cased too)."""
    return name.upper()[:200]


class Customer(models.Model):
    """A person or business the organisation deals with; shared by every rooftop of the group."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="customers")
    first_name = models.CharField(max_length=100, blank=True)
    last_name = models.CharField(max_length=100, blank=True)
    business_name = models.CharField(max_length=200, blank=True)
    language = models.CharField(max_length=16, blank=True)
    street = models.JSONField(default=list, blank=True)
    city = models.CharField(max_length=100, blank=True)
    region = models.CharField(max_length=100, blank=True)
    postal_code = models.CharField(max_length=20, blank=True)
    country = models.CharField(max_length=2, blank=True)
    birth_date = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(Upper("last_name"), name="customer_last_name_upper"),
            models.Index(Upper("first_name"), name="customer_first_name_upper"),
            models.Index(Upper("business_name"), name="customer_business_upper"),
        ]

    def __str__(self) -> str:
        return self.display_name

    def save(self, *args: Any, **kwargs: Any) -> None:
        adding = self._state.adding
        super().save(*args, **kwargs)
        if adding:  # no lead yet
            return
        # Its leads carry its names as the search finds them (`CustomerNameKeyField`); a renamed
        # customer is found under the new name at once, on every lead where they are the customer.
        keys = {key: name_key(getattr(self, field)) for key, field in zip(SEARCH_NAME_FIELDS, NAME_FIELDS, strict=True)}
        stale = Q()
        for key, value in keys.items():
            stale |= ~Q(**{key: value})
        Lead.objects.filter(stale, customer_id=self.pk).update(**keys)

    @property
    def display_name(self) -> str:
        full = " ".join(part for part in (self.first_name, self.last_name) if part)
        return full or self.business_name or "Unknown"


class CustomerEmail(models.Model):
    """One of a customer's email addresses, stored lower-case for matching."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="emails")
    email = models.CharField(max_length=254, db_index=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.email


class PhoneSearchKeyField(models.CharField[str, str]):
    """The digits of a phone's number (or, when it could not be read, of what was written), last first.

    Filled in from the row itself whenever it is written, `save()` and `bulk_create()` alike, so
    no path that stores a phone can leave it stale. See `forecourt.lib.phone.digits_last_first`.
    """

    def pre_save(self, model_instance: models.Model, add: bool) -> str:
        value = digits_last_first(str(getattr(model_instance, "number", None) or getattr(model_instance, "raw", "")))
        setattr(model_instance, self.attname, value)
        return value


class CustomerPhone(models.Model):
    """One of a customer's phone numbers in E.164, with its type; `raw` keeps what was sent.

    `search_key` lets part of the number, as the customer reads it out ("555-0142", "0142"), find it.
    """

    class Type(models.TextChoices):
        VOICE = "voice", "Phone"
        CELLPHONE = "cellphone", "Mobile"
        FAX = "fax", "Fax"
        PAGER = "pager", "Pager"

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="phones")
    number = models.CharField(max_length=20, null=True, blank=True, db_index=True)
    raw = models.CharField(max_length=64, blank=True)
    type = models.CharField(max_length=10, choices=Type.choices, default=Type.VOICE)
    search_key = PhoneSearchKeyField(max_length=64, blank=True, editable=False, db_default="")

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["search_key"], name="customerphone_search_key")]

    def __str__(self) -> str:
        return self.number or self.raw


class CustomerMatchLock(models.Model):
    """One row per organisation, updated (and so row-locked until commit) by whoever is about to
    match a customer and perhaps create one, so two copies of one lead arriving at the same
    moment cannot both find nobody and make two customers (`leads.matching.lock_customer_matching`)."""

    organization = models.OneToOneField(Organization, on_delete=models.CASCADE, primary_key=True, related_name="+")
    taken_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"customer matching at organisation {self.organization_id}"


class CustomerNameKeyField(models.CharField[str, str]):
    """One of the lead's customer's names, upper-cased (`name_key`), for the search box.

    A broad name ("Smi") is then an index range on the leads themselves: a salesperson's matches
    are found without reading a customer per lead they see. Filled in from the lead's customer
    whenever the lead is written in full (`save()`, `bulk_create()`); `Customer.save` brings the
    leads of a renamed customer in step; a lead whose customer changes is saved with this field.
    """

    def __init__(self, *args: Any, source: str = "last_name", **kwargs: Any) -> None:
        self.source = source
        kwargs.setdefault("max_length", 200)
        kwargs.setdefault("blank", True)
        kwargs.setdefault("default", "")
        kwargs.setdefault("editable", False)
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        kwargs["source"] = self.source
        for option, value in (("max_length", 200), ("blank", True), ("default", ""), ("editable", False)):
            if kwargs.get(option) == value:
                del kwargs[option]
        return name, path, args, kwargs

    def pre_save(self, model_instance: models.Model, add: bool) -> str:
        customer = getattr(model_instance, "customer", None)
        value = name_key(getattr(customer, self.source)) if customer is not None else ""
        setattr(model_instance, self.attname, value)
        return value


class Lead(models.Model):
    """A customer's request at one dealership and department, worked from new to sold or lost."""

    class Status(models.TextChoices):
        NEW = "new", "New"
        WORKING = "working", "Working"
        APPOINTMENT = "appointment", "Appointment"
        SOLD = "sold", "Sold"
        LOST = "lost", "Lost"

    class SourceKind(models.TextChoices):
        THIRD_PARTY = "third_party", "Third party"
        WEBSITE = "website", "Dealer website"
        OEM = "oem", "Manufacturer"
        MANUAL = "manual", "Entered by hand"
        TEXT = "text", "Text"
        CALL = "call", "Phone call"
        MESSENGER = "messenger", "Messenger"
        CHAT = "chat", "Chat"
        WALK_IN = "walk_in", "Walk-in"
        IMPORT = "import", "Import"

    OPEN_STATUSES = (Status.NEW, Status.WORKING, Status.APPOINTMENT)

    dealership = models.ForeignKey(Dealership, on_delete=models.PROTECT, related_name="leads")
    department = models.CharField(max_length=10, choices=Department.choices, default=Department.SALES)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.NEW)
    lost_reason = models.CharField(max_length=200, blank=True)
    source_name = models.CharField(max_length=100)
    source_kind = models.CharField(max_length=12, choices=SourceKind.choices, default=SourceKind.THIRD_PARTY)
    source_ref = models.CharField(max_length=100, blank=True)
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="leads")
    co_customer = models.ForeignKey(Customer, null=True, blank=True, on_delete=models.SET_NULL, related_name="co_leads")
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="assigned_leads"
    )
    collaborators = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="collaborations")
    offered_to = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="leads_offered",
        help_text="People the lead was offered to, the first to claim it getting it: while nobody owns "
        "the lead they may open it, read-only (leads.queries.leads_open_to).",
    )
    received_at = models.DateTimeField(default=timezone.now)
    first_response_at = models.DateTimeField(null=True, blank=True)
    first_response_channel = models.CharField(
        max_length=20,
        blank=True,
        default="",
        db_default="",
        help_text="How the first human reply reached the customer: sms, call, email, messenger, chat, "
        "or contact (logged from outside Forecourt). Written with first_response_at.",
    )
    comments = models.TextField(blank=True)
    timeframe = models.JSONField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    search_first_name = CustomerNameKeyField(source="first_name")
    search_last_name = CustomerNameKeyField(source="last_name")
    search_business_name = CustomerNameKeyField(source="business_name")

    class Meta:
        ordering = ["-received_at", "-id"]
        indexes = [
            models.Index(fields=["dealership", "-received_at", "-id"], name="lead_dealership_recent"),
            # The leads list walks this, newest first, until it has a page of leads the user may see;
            # without it every page sorts all the leads of the user's dealerships.
            models.Index(fields=["-received_at", "-id"], name="lead_recent"),
            # Open leads are the working set (dashboard lists and counts): a small index of their own.
            models.Index(
                fields=["-received_at", "-id"],
                condition=models.Q(status__in=["new", "working", "appointment"]),
                name="lead_open_recent",
            ),
            models.Index(fields=["assigned_to", "-received_at", "-id"], name="lead_assignee_recent"),
            models.Index(fields=["dealership", "status", "-received_at"], name="lead_dealership_status"),
            models.Index(fields=["source_name"], name="lead_source"),
            # Name prefixes ("SMI%") on any collation, within the user's dealerships: PostgreSQL
            # intersects them with a salesperson's own leads and sorts the few left.
            *(
                models.Index(
                    fields=[key, "dealership"],
                    opclasses=["varchar_pattern_ops", "int8_ops"],
                    name=f"lead_{key}",
                )
                for key in SEARCH_NAME_FIELDS
            ),
        ]

    def __str__(self) -> str:
        return f"Lead {self.pk}: {self.customer}"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES

    @property
    def preferred_vehicle(self) -> VehicleInterest | None:
        return next((v for v in self.vehicles.all() if v.preferred), None)


class VehicleInterest(models.Model):
    """A vehicle the customer asked about: a stock unit, or a "search vehicle" described by them."""

    class Interest(models.TextChoices):
        BUY = "buy", "Buy"
        LEASE = "lease", "Lease"
        SERVICE = "service", "Service"
        TEST_DRIVE = "test-drive", "Test drive"

    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="vehicles")
    inventory_vehicle = models.ForeignKey(Vehicle, null=True, blank=True, on_delete=models.SET_NULL)
    interest = models.CharField(max_length=12, choices=Interest.choices, default=Interest.BUY)
    condition = models.CharField(max_length=10, blank=True)
    year = models.PositiveSmallIntegerField(null=True, blank=True)
    make = models.CharField(max_length=60, blank=True)
    model = models.CharField(max_length=60, blank=True)
    trim = models.CharField(max_length=200, blank=True)
    vin = models.CharField(max_length=17, blank=True, db_index=True)
    stock = models.CharField(max_length=32, blank=True, db_index=True)
    price = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    odometer = models.PositiveIntegerField(null=True, blank=True)
    preferred = models.BooleanField(default=False)
    search_vehicle = models.BooleanField(default=False)

    class Meta:
        ordering = ["-preferred", "id"]

    def __str__(self) -> str:
        return " ".join(str(part) for part in (self.year, self.make, self.model, self.trim) if part) or "Vehicle"


class Trade(models.Model):
    """A vehicle the customer offers in trade."""

    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="trades")
    year = models.PositiveSmallIntegerField(null=True, blank=True)
    make = models.CharField(max_length=60, blank=True)
    model = models.CharField(max_length=60, blank=True)
    trim = models.CharField(max_length=200, blank=True)
    vin = models.CharField(max_length=17, blank=True)
    odometer = models.PositiveIntegerField(null=True, blank=True)
    notes = models.TextField(blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return " ".join(str(part) for part in (self.year, self.make, self.model) if part) or "Trade"


class Activity(models.Model):
    """One entry of a lead's timeline; every write to a lead adds one."""

    class Kind(models.TextChoices):
        CREATED = "created", "Lead received"
        ASSIGNED = "assigned", "Assigned"
        STATUS = "status", "Status changed"
        EDITED = "edited", "Details edited"
        CUSTOMER = "customer", "Customer changed"
        VEHICLE = "vehicle", "Vehicle"
        TRADE = "trade", "Trade"
        COLLABORATOR = "collaborator", "Collaborator"
        CONTACT = "contact", "Contact logged"
        NOTE = "note", "Note"
        RESUBMISSION = "resubmission", "Resubmitted"
        ESCALATION = "escalation", "Escalation"
        FOLLOWUP = "followup", "Follow-up"
        CALL = "call", "Call"
        APPOINTMENT = "appointment", "Appointment"

    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="activities")
    at = models.DateTimeField(default=timezone.now)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    text = models.TextField()
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [
            models.Index(fields=["lead", "at"]),
            # Entries of one kind by time (logged contacts of a day, for the Activity report).
            models.Index(fields=["kind", "at"], name="activity_kind_at"),
        ]

    def __str__(self) -> str:
        return f"{self.kind}: {self.text[:40]}"

"""Vehicles in a dealership's stock."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from dealerships.models import Dealership
from forecourt.lib.jobs import LeasedJob


class Vehicle(models.Model):
    """A stock vehicle at one rooftop, offered to customers and attached to leads."""

    class Condition(models.TextChoices):
        NEW = "new", "New"
        USED = "used", "Used"

    class Status(models.TextChoices):
        IN_STOCK = "in_stock", "In stock"
        SOLD = "sold", "Sold"

    dealership = models.ForeignKey(Dealership, on_delete=models.CASCADE, related_name="vehicles")
    stock = models.CharField(max_length=32)
    vin = models.CharField(max_length=17, blank=True)
    condition = models.CharField(max_length=10, choices=Condition.choices, default=Condition.USED)
    year = models.PositiveSmallIntegerField(null=True, blank=True)
    make = models.CharField(max_length=60)
    model = models.CharField(max_length=60)
    trim = models.CharField(max_length=120, blank=True)
    color = models.CharField(max_length=40, blank=True)
    price = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    odometer = models.PositiveIntegerField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.IN_STOCK)
    listing_url = models.URLField(max_length=500, blank=True, help_text="The vehicle's page on the dealer's website.")
    sold_at = models.DateTimeField(null=True, blank=True, help_text="When an inventory file first left it out.")

    class Meta:
        ordering = ["make", "model", "year"]
        constraints = [models.UniqueConstraint(fields=["dealership", "stock"], name="unique_stock_per_dealership")]
        indexes = [models.Index(fields=["vin"])]

    def __str__(self) -> str:
        return " ".join(str(part) for part in (self.year, self.make, self.model, self.trim) if part)


class VehiclePhoto(models.Model):
    """A photo of a stock vehicle, by its address on the dealer's website or inventory feed, in the
    order the listing shows them. A salesperson texts them to a customer from the composer."""

    vehicle = models.ForeignKey(Vehicle, on_delete=models.CASCADE, related_name="photos")
    url = models.URLField(max_length=500)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.url


class StockUpload(LeasedJob):
    """One inventory file, uploaded on the Inventory screen or fetched from the dealership's feed.

    The file is kept exactly as it came before anything reads it. The worker checks it (`checked`:
    the preview with per-row errors in `report`), and applies it once confirmed (a feed's file is
    confirmed by itself): in one transaction, as a snapshot of the stock.
    """

    class Source(models.TextChoices):
        UPLOAD = "upload", "Upload"
        FEED = "feed", "Feed"

    class Status(models.TextChoices):
        RECEIVED = "received", "Being checked"
        CHECKED = "checked", "Checked: waiting to be applied"
        CONFIRMED = "confirmed", "Being applied"
        APPLIED = "applied", "Applied"
        REFUSED = "refused", "Refused"
        DISCARDED = "discarded", "Discarded"

    dealership = models.ForeignKey(Dealership, on_delete=models.CASCADE, related_name="stock_uploads")
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.UPLOAD)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    name = models.CharField(max_length=200, help_text="The file's name, or the feed's address.")
    raw = models.BinaryField(help_text="The file exactly as received.")
    received_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RECEIVED)
    rows_total = models.PositiveIntegerField(default=0, help_text="About how many rows (lines) the file has.")
    rows_checked = models.PositiveIntegerField(default=0)
    problem = models.TextField(blank=True, help_text="Why the file as a whole was refused.")
    report = models.JSONField(default=dict, blank=True, help_text="The preview: counts, per-row errors, a sample.")
    outcome = models.JSONField(default=dict, blank=True, help_text="What applying did: added, updated, sold.")
    applied_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_status_display()})"

    @property
    def percent(self) -> int:
        if self.status != self.Status.RECEIVED:
            return 100
        return min(99, self.rows_checked * 100 // self.rows_total) if self.rows_total else 0


class StockFeed(models.Model):
    """A dealership's inventory feed: a CSV at an address the worker fetches every so often.
    Set in provisioning (`inventory: {feed_url, every_minutes}`); its last failure is shown on the
    Inventory screen, and a failing feed leaves the stock as it was."""

    dealership = models.OneToOneField(Dealership, on_delete=models.CASCADE, related_name="stock_feed")
    url = models.URLField(max_length=500, blank=True)
    every_minutes = models.PositiveIntegerField(default=60)
    next_poll_at = models.DateTimeField(null=True, blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True)
    last_polled_at = models.DateTimeField(null=True, blank=True)
    last_success_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    def __str__(self) -> str:
        return self.url or "(no feed)"

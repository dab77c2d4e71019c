"""Vehicles in a dealership's stock."""

from __future__ import annotations

from django.db import models

from dealerships.models import Dealership


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

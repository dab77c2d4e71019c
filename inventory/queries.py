"""Reads of the inventory scoped to who asks: everyone who works at a dealership sees its stock;
its admins upload files and see them."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from accounts.models import User
from accounts.queries import dealerships_administered_by, dealerships_of
from inventory.models import StockUpload, Vehicle


def stock_visible_to(user: User) -> QuerySet[Vehicle]:
    return Vehicle.objects.filter(dealership__in=dealerships_of(user)).select_related("dealership")


def search_stock(units: QuerySet[Vehicle], q: str) -> QuerySet[Vehicle]:
    """Units whose stock number or VIN starts with, or whose make and model contain, every word of `q`."""
    for word in q.split()[:6]:
        units = units.filter(
            Q(stock__istartswith=word)
            | Q(vin__istartswith=word)
            | Q(vin__iendswith=word)
            | Q(make__icontains=word)
            | Q(model__icontains=word)
            | Q(trim__icontains=word)
            | Q(year__startswith=word)
        )
    return units


def uploads_visible_to(user: User) -> QuerySet[StockUpload]:
    return StockUpload.objects.filter(dealership__in=dealerships_administered_by(user)).select_related(
        "dealership", "uploaded_by"
    )


def upload_for(user: User, upload_id: int) -> StockUpload:
    """One file of a dealership the user administers, or StockUpload.DoesNotExist. Without the file
    itself (up to 64 MB, and the progress bar asks every second)."""
    return uploads_visible_to(user).defer("raw").get(pk=upload_id)

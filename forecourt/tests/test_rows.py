"""A batch's new rows go in by `insert_all` (a COPY on PostgreSQL, which writes most values as
they are): they must read back exactly as the same rows written by Django's `bulk_create`."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.db import connection, models
from django.utils.translation import gettext_lazy

from forecourt.lib.rows import insert_all, next_ids_of
from leads.models import Activity, Lead, VehicleInterest

TOKYO = ZoneInfo("Asia/Tokyo")


def read_back(model: type[models.Model], rows: list[Any]) -> list[tuple[Any, ...]]:
    names = [field.attname for field in model._meta.concrete_fields if not field.primary_key]
    return [tuple(row[name] for name in names) for row in model._default_manager.filter(pk__in=rows).values(*names)]


def both_ways(model: type[models.Model], make: Any) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    by_django = make()
    model._default_manager.bulk_create(by_django)
    by_copy = make()
    insert_all(model, by_copy)
    return read_back(model, [row.pk for row in by_django]), read_back(model, [row.pk for row in by_copy])


@pytest.mark.django_db
def test_vehicles_written_in_one_go_read_back_as_django_writes_them(carols_lead):
    def vehicles() -> list[VehicleInterest]:
        return [
            VehicleInterest(
                lead=carols_lead,
                interest=VehicleInterest.Interest.LEASE,
                year=2024,
                make="Toyota",
                model="Tacoma\tTRD \\N",
                price=Decimal("38999.50"),
                odometer=12,
                preferred=True,
            ),
            VehicleInterest(lead_id=carols_lead.pk, interest="service", make="Zoë's\ncar", price=None, year=None),
        ]

    by_django, by_copy = both_ways(VehicleInterest, vehicles)

    assert by_copy == by_django
    lease = VehicleInterest.objects.filter(interest="lease").order_by("pk").last()
    assert lease is not None
    assert (lease.price, lease.model, lease.preferred) == (Decimal("38999.50"), "Tacoma\tTRD \\N", True)


@pytest.mark.django_db
def test_timeline_entries_written_in_one_go_keep_their_moment_words_and_details(carols_lead, carol):
    at = datetime(2026, 3, 8, 16, 30, 5, 123456, tzinfo=TOKYO)

    def entries() -> list[Activity]:
        return [
            Activity(lead=carols_lead, at=at, kind=Activity.Kind.STATUS, actor=carol, text="Sold \u2014 \\ \t done"),
            Activity(
                lead=carols_lead,
                at=at,
                kind="edited",
                text=gettext_lazy("Details edited"),  # type: ignore[misc]  # as code writes a translated phrase
                data={"from": [1, "é\t"], "to": None, "n": 2.5},
            ),
        ]

    by_django, by_copy = both_ways(Activity, entries)

    assert by_copy == by_django
    written = Activity.objects.filter(text="Sold \u2014 \\ \t done").order_by("pk").last()
    assert written is not None
    assert (written.at, written.actor) == (at, carol)
    edited = Activity.objects.filter(kind="edited").order_by("pk").last()
    assert edited is not None
    assert (edited.text, edited.data) == ("Details edited", {"from": [1, "é\t"], "to": None, "n": 2.5})


@pytest.mark.django_db
def test_keys_taken_ahead_for_several_tables_at_once_are_each_tables_own(carols_lead):
    """A batch takes the keys of its rows in every table in one statement: each table's keys come
    from its own sequence, so none is used twice, neither by the batch nor by a row made after it."""
    if connection.vendor != "postgresql":
        pytest.skip("keys are taken ahead from PostgreSQL's sequences; SQLite writes each row at once")

    taken = next_ids_of({Activity: 3, VehicleInterest: 2, Lead: 0})

    assert set(taken) == {Activity, VehicleInterest}
    assert [len(taken[Activity]), len(taken[VehicleInterest])] == [3, 2]
    insert_all(Activity, [Activity(pk=pk, lead=carols_lead, kind="note", text=f"n{pk}") for pk in taken[Activity]])
    insert_all(VehicleInterest, [VehicleInterest(pk=pk, lead=carols_lead) for pk in taken[VehicleInterest]])
    after = Activity.objects.create(lead=carols_lead, kind="note", text="made after")
    assert after.pk > max(taken[Activity])
    assert Activity.objects.filter(text__startswith="n").count() == 3
    assert carols_lead.vehicles.filter(pk__in=taken[VehicleInterest]).count() == 2


@pytest.mark.django_db
def test_a_moment_without_its_zone_is_warned_of_and_read_as_django_reads_it(carols_lead):
    naive = datetime(2026, 3, 8, 9, 30)
    by_django = [Activity(lead=carols_lead, at=naive, kind="note", text="zone left out")]
    by_copy = [Activity(lead=carols_lead, at=naive, kind="note", text="zone left out")]

    with pytest.warns(RuntimeWarning, match="naive datetime"):
        Activity.objects.bulk_create(by_django)
    with pytest.warns(RuntimeWarning, match="naive datetime"):
        insert_all(Activity, by_copy)

    assert read_back(Activity, [row.pk for row in by_copy]) == read_back(Activity, [row.pk for row in by_django])

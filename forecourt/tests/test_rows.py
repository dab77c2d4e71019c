"""A batch's new rows go in by `insert_all` (a COPY on PostgreSQL, which writes most values as
they are), or, a few rows of several tables, all at once by `insert_all_of` (one INSERT per table,
sent together), and what smtpd's desk stores by `insert_numbered` (one INSERT giving each row its
key): they must read back exactly as the same rows written by Django's `bulk_create`."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.db import IntegrityError, connection, models, transaction
from django.db.models.signals import post_init
from django.utils import timezone
from django.utils.translation import gettext_lazy

from forecourt.lib.rows import insert_all, insert_all_of, insert_numbered, new, next_ids_of
from leads.models import Activity, Customer, Lead, VehicleInterest

TOKYO = ZoneInfo("Asia/Tokyo")


def read_back(model: type[models.Model], rows: list[Any]) -> list[tuple[Any, ...]]:
    names = [field.attname for field in model._meta.concrete_fields if not field.primary_key]
    return [tuple(row[name] for name in names) for row in model._default_manager.filter(pk__in=rows).values(*names)]


def together(model: type[models.Model], rows: list[Any]) -> None:
    """`rows` written by `insert_all_of` with a row of another table, keys taken ahead as a batch
    takes them, as a lone lead's rows go (on SQLite, as `bulk_create` writes them)."""
    other = Activity(lead=Lead.objects.first(), kind="note", text="written alongside")
    if connection.vendor == "postgresql":
        for row, pk in zip(rows, next_ids_of({model: len(rows)})[model], strict=True):
            row.pk = pk
        other.pk = next_ids_of({Activity: 1})[Activity][0]
    insert_all_of([(model, rows), (Activity, [other])])


def both_ways(
    model: type[models.Model], make: Any, write: Any = insert_all
) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    by_django = make()
    model._default_manager.bulk_create(by_django)
    by_copy = make()
    write(model, by_copy)
    return read_back(model, [row.pk for row in by_django]), read_back(model, [row.pk for row in by_copy])


WRITERS = pytest.mark.parametrize("write", [insert_all, together], ids=["copy", "together"])


@pytest.mark.django_db
@WRITERS
def test_vehicles_written_in_one_go_read_back_as_django_writes_them(carols_lead, write):
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

    by_django, by_copy = both_ways(VehicleInterest, vehicles, write)

    assert by_copy == by_django
    lease = VehicleInterest.objects.filter(interest="lease").order_by("pk").last()
    assert lease is not None
    assert (lease.price, lease.model, lease.preferred) == (Decimal("38999.50"), "Tacoma\tTRD \\N", True)


@pytest.mark.django_db
@WRITERS
def test_timeline_entries_written_in_one_go_keep_their_moment_words_and_details(carols_lead, carol, write):
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

    by_django, by_copy = both_ways(Activity, entries, write)

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


@pytest.mark.django_db(transaction=True)
def test_a_row_refused_among_rows_written_together_writes_none_of_them(carols_lead):
    vehicle = VehicleInterest(lead=carols_lead, make="Ford")
    good = Activity(lead=carols_lead, kind="note", text="kept?")
    refused = Activity(lead=carols_lead, kind=None, text="no kind")  # type: ignore[misc]  # NOT NULL
    if connection.vendor == "postgresql":
        keys = next_ids_of({Activity: 2, VehicleInterest: 1})
        vehicle.pk, (good.pk, refused.pk) = keys[VehicleInterest][0], keys[Activity]

    with pytest.raises(IntegrityError), transaction.atomic():
        insert_all_of([(VehicleInterest, [vehicle]), (Activity, [good, refused])])

    assert not Activity.objects.filter(text__in=["kept?", "no kind"]).exists()
    assert not carols_lead.vehicles.filter(make="Ford").exists()
    assert Activity.objects.create(lead=carols_lead, kind="note", text="the connection still works").pk


@pytest.mark.django_db(transaction=True)
def test_rows_numbered_in_one_statement_read_back_as_django_writes_them_and_a_refused_one_writes_none(
    carols_lead, carol
):
    """`insert_numbered` (how smtpd's desk stores what arrived together): each row gets its key at
    once, reads back as `bulk_create` writes it, and a row the database refuses writes none."""
    at = datetime(2026, 3, 8, 16, 30, 5, 123456, tzinfo=TOKYO)

    def entries() -> list[Activity]:
        return [
            Activity(lead=carols_lead, at=at, kind="note", actor=carol, text="first \u2014 \\ \t"),
            Activity(lead=carols_lead, at=at, kind="edited", text="second", data={"n": [1, "é"]}),
        ]

    by_django, numbered = both_ways(Activity, entries, insert_numbered)
    assert numbered == by_django
    written = list(Activity.objects.filter(text__in=["first \u2014 \\ \t", "second"]).order_by("pk"))
    assert [row.text for row in written[-2:]] == ["first \u2014 \\ \t", "second"]

    good = Activity(lead=carols_lead, kind="note", text="kept?")
    refused = Activity(lead=carols_lead, kind=None, text="no kind")  # type: ignore[misc]  # NOT NULL
    with pytest.raises(IntegrityError):
        insert_numbered(Activity, [good, refused])
    assert not Activity.objects.filter(text__in=["kept?", "no kind"]).exists()
    assert Activity.objects.create(lead=carols_lead, kind="note", text="the connection still works").pk


@pytest.mark.django_db(transaction=True)
@WRITERS
def test_a_row_whose_related_row_was_saved_after_it_was_made_points_at_it_and_an_unsaved_one_is_refused(
    carols_lead, carol, write
):
    """As `bulk_create` does: a row made pointing at an unsaved one (a timeline entry on a lead
    being made) takes that row's key once it is saved; pointing at one never saved, it is refused,
    and nothing is written."""
    entry = Activity(lead=carols_lead, kind="note", text="about the new lead", actor=carol)
    entry.lead = Lead(customer=carols_lead.customer, dealership=carols_lead.dealership)  # not saved yet
    entry.lead.save()
    write(Activity, [entry])
    assert Activity.objects.get(text="about the new lead").lead_id == entry.lead.pk

    never_saved = Activity(lead=Lead(customer=carols_lead.customer, dealership=carols_lead.dealership), kind="note")
    never_saved.text = "pointing at nothing"
    with pytest.raises(ValueError, match="unsaved related object 'lead'"), transaction.atomic():
        write(Activity, [never_saved])
    assert not Activity.objects.filter(text="pointing at nothing").exists()


def made_both_ways(model: type[models.Model], /, **values: Any) -> tuple[models.Model, models.Model]:
    return model(**values), new(model, **values)


def as_made(row: models.Model) -> tuple[dict[str, Any], dict[str, Any]]:
    """What a new row holds: its columns' values, and the related rows it holds."""
    return {k: v for k, v in vars(row).items() if k != "_state"}, dict(row._state.fields_cache)


@pytest.mark.django_db
def test_a_row_made_by_new_holds_what_django_makes_and_saves_the_same(carols_lead, carol):
    at = datetime(2026, 3, 8, 16, 30, tzinfo=TOKYO)
    unsaved = Lead(customer=carols_lead.customer, dealership=carols_lead.dealership)
    cases = [
        (Activity, {"lead": carols_lead, "kind": "note", "actor": carol, "text": "hi", "data": {"a": 1}, "at": at}),
        (Activity, {"lead_id": carols_lead.pk, "kind": "note", "actor": None, "text": "by key", "at": at}),
        (Activity, {"lead": unsaved, "kind": "note", "text": "on a lead not saved yet", "at": at}),
        (VehicleInterest, {"lead": carols_lead, "make": "Toyota", "model": "Tacoma", "year": 2024}),  # a field "model"
    ]
    for model, values in cases:
        by_django, by_new = made_both_ways(model, **values)
        assert type(by_new) is model
        assert as_made(by_new) == as_made(by_django), values
        assert by_new._state.adding

    unsaved.save()
    by_django, by_new = made_both_ways(Activity, lead=unsaved, kind="note", text="saved since", at=at)
    insert_all(Activity, [by_django, by_new])
    assert [row.lead_id for row in Activity.objects.filter(text="saved since")] == [unsaved.pk, unsaved.pk]


@pytest.mark.django_db
def test_rows_made_by_new_without_a_value_each_take_the_default_as_django_gives_it(carols_lead):
    before = timezone.now()
    first, second = (new(Activity, lead=carols_lead, kind="note", text=text) for text in ("one", "two"))
    first.data["seen"] = True
    assert second.data == {}  # a default made by a callable is made anew for each row
    assert before <= first.at <= second.at <= timezone.now()
    assert (first.actor_id, first.actor) == (None, None)  # no default: None, as Django gives it
    customer = new(Customer, organization=carols_lead.customer.organization, first_name="Ana")
    assert (customer.last_name, customer.business_name) == ("", "")  # no default, not null: the empty string


@pytest.mark.django_db
def test_new_leaves_to_django_what_only_django_makes(carols_lead):
    from escalations.models import LeadSla

    sla = new(LeadSla, lead=carols_lead, started_at=carols_lead.received_at)  # one-to-one: held both ways
    assert carols_lead.sla is sla
    with pytest.raises(TypeError, match="unexpected keyword"):
        new(Activity, lead=carols_lead, colour="red")
    customer = new(Customer, organization=carols_lead.customer.organization, first_name="Ana")
    assert customer.display_name == Customer(first_name="Ana").display_name


@pytest.mark.django_db
def test_a_row_made_by_new_is_announced_to_whatever_listens_for_new_rows(carols_lead):
    heard: list[tuple[Any, Any]] = []

    def listen(sender: Any, instance: Any, **kwargs: Any) -> None:
        heard.append((sender, instance))

    post_init.connect(listen, sender=Activity)
    try:
        row = new(Activity, lead=carols_lead, kind="note", text="made while heard")
    finally:
        post_init.disconnect(listen, sender=Activity)
    assert heard == [(Activity, row)]
    assert row.lead is carols_lead
    assert row._state.adding

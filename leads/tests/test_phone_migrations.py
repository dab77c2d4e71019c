"""Phones stored before today's rules: made-up numbers are cleared to what was written, and every
stored phone can be found by how it ends. Each migration is run on rows written in the schema before it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse

from accounts.models import User
from dealerships.models import Dealership

BEFORE = ("leads", "0005_people_a_lead_is_offered_to")
CLEARED = ("leads", "0006_clear_made_up_phone_numbers")
KEYED = ("leads", "0007_customer_phone_search_key")


class Migrator:
    """Moves the test database's `leads` schema to a migration and hands out its models as they were."""

    def __init__(self) -> None:
        self.executor = MigrationExecutor(connection)

    def migrate(self, target: tuple[str, str]) -> Any:
        self.executor.loader.build_graph()
        self.executor.migrate([target])
        return self.executor.loader.project_state([target]).apps

    def latest(self) -> None:
        self.executor.loader.build_graph()
        self.executor.migrate(self.executor.loader.graph.leaf_nodes())


@pytest.fixture
def migrator(transactional_db: None) -> Iterator[Migrator]:
    migrator = Migrator()
    try:
        yield migrator
    finally:
        migrator.latest()


def old_customer(apps: Any, *phones: tuple[str | None, str]) -> Any:
    organization = apps.get_model("dealerships", "Organization").objects.get_or_create(name="Old Motors")[0]
    customer = apps.get_model("leads", "Customer").objects.create(organization=organization, first_name="Old")
    for number, raw in phones:
        apps.get_model("leads", "CustomerPhone").objects.create(customer=customer, number=number, raw=raw)
    return customer


def stored(apps: Any, customer: Any) -> list[tuple[str | None, str]]:
    return list(
        apps.get_model("leads", "CustomerPhone").objects.filter(customer_id=customer.pk).values_list("number", "raw")
    )


def test_made_up_numbers_are_cleared_and_what_was_written_is_kept(migrator: Migrator) -> None:
    apps = migrator.migrate(BEFORE)
    made_up = old_customer(apps, ("+19999999999", "999-999-9999"), ("+11234567890", ""))
    real = old_customer(apps, ("+15125550142", "(512) 555-0142"), ("+447911123456", "07911 123456"))
    raw_only = old_customer(apps, (None, "ask for Sam"))

    apps = migrator.migrate(CLEARED)

    assert stored(apps, made_up) == [(None, "999-999-9999"), (None, "+11234567890")]
    assert stored(apps, real) == [("+15125550142", "(512) 555-0142"), ("+447911123456", "07911 123456")]
    assert stored(apps, raw_only) == [(None, "ask for Sam")]


def test_phones_stored_before_are_found_by_how_they_end(
    migrator: Migrator, client_for: Any, riverside: Dealership, bob: User
) -> None:
    apps = migrator.migrate(CLEARED)
    old = old_customer(apps, ("+15125550142", "(512) 555-0142"), (None, "555-1234 ask for Sam"))
    old.organization_id = riverside.organization_id
    old.save()
    lead = apps.get_model("leads", "Lead").objects.create(
        dealership_id=riverside.pk, customer=old, source_name="Walk-in"
    )

    migrator.migrate(KEYED)
    migrator.latest()

    client = client_for(bob)
    for typed in ("555-0142", "0142", "+1 512 555 0142", "5551234"):
        found = [row.pk for row in client.get(reverse("lead-list"), {"q": typed}).context["leads"]]
        assert found == [lead.pk], typed

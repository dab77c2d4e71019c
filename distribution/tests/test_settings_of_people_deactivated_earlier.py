"""People deactivated before deactivation took them out of distribution are taken out by a data
migration, so the settings they were left in can be saved again."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from accounts.models import User
from dealerships.models import Dealership
from distribution.models import DepartmentSettings, DistributionGroup, GroupMember
from distribution.policy import check
from distribution.store import policy_document, staff_of

pytestmark = pytest.mark.django_db(transaction=True)
BEFORE = [("distribution", "0004_deactivation_handover")]
AFTER = [("distribution", "0005_forget_deactivated_people")]


def migrate(target: list[tuple[str, str]]) -> None:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(target)


@pytest.fixture(autouse=True)
def _latest_after() -> Iterator[None]:
    """Every migration applied again after the test (going back also took later ones of other apps)."""
    yield
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


def test_settings_left_naming_someone_deactivated_earlier_can_be_saved_after_the_migration(
    riverside: Dealership, alice: User, carol: User, dave: User
) -> None:
    migrate(BEFORE)
    solo = DistributionGroup.objects.create(dealership=riverside, name="Used Hondas", makes=["Honda"])
    pair = DistributionGroup.objects.create(dealership=riverside, name="Internet", position=1)
    GroupMember.objects.create(group=solo, user=carol)
    GroupMember.objects.create(group=pair, user=carol)
    GroupMember.objects.create(group=pair, user=dave)
    Dealership.objects.filter(pk=riverside.pk).update(
        distribution={"sales": {"method": "round_robin", "fallback": carol.email}}
    )
    DepartmentSettings.objects.create(
        dealership=riverside, department="sales", alert_recipients=[carol.email, dave.email], weights={carol.email: 2}
    )
    User.objects.filter(pk=carol.pk).update(is_active=False)  # as deactivation used to leave it
    riverside.refresh_from_db()
    assert check(policy_document(riverside), staff_of(riverside)).errors

    migrate(AFTER)

    riverside.refresh_from_db()
    assert check(policy_document(riverside), staff_of(riverside)).errors == []
    assert list(DistributionGroup.objects.values_list("name", flat=True)) == ["Internet"]
    settings = DepartmentSettings.objects.get(dealership=riverside, department="sales")
    assert (settings.alert_recipients, settings.weights) == ([dave.email], {})
    texts = [item["text"] for item in riverside.changes.get().changes]
    assert "Carol Seller, deactivated, was taken out of the distribution group “Internet”." in texts
    assert any(text.startswith("The distribution group “Used Hondas” had nobody left who can log in") for text in texts)

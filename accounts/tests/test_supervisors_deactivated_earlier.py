"""Supervisors deactivated before deactivation took them off are taken off by the data migration
accounts/0006, noted in the dealership's changes, so their people's user forms save again."""

from __future__ import annotations

from importlib import import_module

import pytest
from django.apps import apps

from accounts.models import Membership, User
from dealerships.models import DealershipChange

pytestmark = pytest.mark.django_db
migration = import_module("accounts.migrations.0006_forget_deactivated_supervisors")


def test_a_supervisor_deactivated_earlier_is_taken_off_and_it_is_noted(riverside, alice, bob, carol):
    User.objects.filter(pk=bob.pk).update(is_active=False)  # as deactivation did before
    migration.forget_deactivated_supervisors(apps, None)
    assert Membership.objects.get(user=carol).supervisor is None
    change = DealershipChange.objects.get(dealership=riverside)
    assert change.changes[0]["text"] == (
        "Bob Manager, deactivated, no longer supervises Carol Seller: their escalations go to the managers."
    )


def test_active_supervisors_stay(riverside, alice, bob, carol):
    migration.forget_deactivated_supervisors(apps, None)
    assert Membership.objects.get(user=carol).supervisor == bob
    assert not DealershipChange.objects.exists()

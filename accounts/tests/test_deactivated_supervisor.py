"""Deactivating a supervisor leaves settings that still save: the people they supervised lose them
(escalations go to the managers), said on the confirmation page, and their user form and the
provisioning YAML save as they stand."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.models import Membership
from accounts.tests.test_user_admin import edit_form
from dealerships import provisioning
from dealerships.models import DealershipChange

pytestmark = pytest.mark.django_db


def test_deactivating_bob_takes_him_off_as_carols_supervisor_and_says_so(client_for, alice, bob, carol, dave):
    admin = client_for(alice)
    page = admin.get(reverse("user-deactivate", args=[bob.pk])).content.decode()
    assert "Bob Manager no longer supervises Carol Seller: Carol Seller&#x27;s escalations go to the managers." in page
    admin.post(reverse("user-deactivate", args=[bob.pk]), {"open_leads": "distribute"})
    assert Membership.objects.get(user=carol).supervisor is None
    assert Membership.objects.get(user=dave).supervisor is None
    texts = [c["text"] for row in DealershipChange.objects.all() for c in row.changes]
    assert any("no longer supervises Dave Seller" in text for text in texts)


def test_carols_user_form_saves_as_it_stands_after_her_supervisor_is_deactivated(client_for, alice, bob, carol):
    admin = client_for(alice)
    admin.post(reverse("user-deactivate", args=[bob.pk]), {"open_leads": "distribute"})
    carol.refresh_from_db()
    response = admin.post(reverse("user-edit", args=[carol.pk]), edit_form(carol))
    assert response.status_code == 302, response.content.decode()


def test_the_exported_yaml_applies_again_after_a_supervisor_is_deactivated(client_for, riverside, alice, bob, carol):
    client_for(alice).post(reverse("user-deactivate", args=[bob.pk]), {"open_leads": "distribute"})
    document = provisioning.load_yaml(provisioning.export_yaml(riverside.slug))
    outcome = provisioning.provision(document)
    assert outcome.ok, outcome.errors
    assert outcome.changes == []

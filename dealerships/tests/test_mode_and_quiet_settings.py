"""The two new switches, `mode` (lead management | tracking) and
`escalation.resubmission_opening_hours`, in the provisioning file and on the settings screen:
validated with their key path, applied, exported and read back unchanged, and a switch of mode
asks for a confirmation that says what changes before anything is saved."""

from __future__ import annotations

import html
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command

from dealerships import provisioning
from dealerships.models import Dealership, DealershipChange
from dealerships.modes import SWITCH_TO_MANAGEMENT, SWITCH_TO_TRACKING
from dealerships.tests.test_provisioning import EXAMPLE, provision, refused, snapshot
from dealerships.tests.test_settings_screen import URL, current_form_data

pytestmark = pytest.mark.django_db


def with_dealership(**settings: Any) -> dict[str, Any]:
    document = provisioning.load_yaml(EXAMPLE)
    document["dealerships"][0].update(settings)
    return document


def test_a_new_dealership_manages_its_leads_and_keeps_resubmissions_loud_by_default(tmp_path):
    provision(tmp_path, EXAMPLE)

    riverside = Dealership.objects.get(slug="riverside-toyota")
    assert riverside.mode == "management"
    assert provisioning.dealership_settings(riverside)["escalation"]["resubmission_opening_hours"] is False


def test_mode_and_the_opening_hours_switch_are_applied_exported_and_read_back_unchanged(tmp_path):
    escalation = {"stage1_minutes": 30, "resubmission_opening_hours": True}
    lines = provision(tmp_path, with_dealership(mode="tracking", escalation=escalation))
    assert lines[1] == "created dealership riverside-toyota"

    riverside = Dealership.objects.get(slug="riverside-toyota")
    assert riverside.mode == "tracking"
    assert riverside.escalation["resubmission_opening_hours"] is True
    out = StringIO()
    call_command("provision", "--export", "riverside-toyota", stdout=out)
    exported = provisioning.load_yaml(out.getvalue())
    assert exported["dealerships"][0]["mode"] == "tracking"
    assert exported["dealerships"][0]["escalation"]["resubmission_opening_hours"] is True
    before = snapshot()
    assert provision(tmp_path, out.getvalue()) == ["no changes: everything is already as the file says"]
    assert snapshot() == before


def test_switching_mode_by_file_is_recorded_in_the_change_log(tmp_path):
    provision(tmp_path, EXAMPLE)

    lines = provision(tmp_path, with_dealership(mode="tracking"))

    assert lines == ["updated dealership riverside-toyota: mode"]
    change = DealershipChange.objects.first()
    assert change is not None
    assert change.changes == [{"path": "mode", "old": "management", "new": "tracking"}]


@pytest.mark.parametrize(
    ("given", "error"),
    [
        ({"mode": "readonly"}, 'dealerships[0].mode: "readonly" is not one of management | tracking'),
        ({"mode": None}, "dealerships[0].mode: null is not one of management | tracking"),
        (
            {"escalation": {"resubmission_opening_hours": "yes"}},
            'dealerships[0].escalation.resubmission_opening_hours: expected true or false, not "yes"',
        ),
    ],
)
def test_a_bad_mode_or_switch_is_refused_with_its_path_and_nothing_changes(tmp_path, given, error):
    provision(tmp_path, EXAMPLE)
    before = snapshot()

    errors = refused(tmp_path, with_dealership(**given))

    assert error in errors
    assert snapshot() == before


def test_switching_to_tracking_on_the_screen_asks_first_and_saves_nothing_until_confirmed(client_for, alice, riverside):
    data = current_form_data(riverside) | {"mode": "tracking"}

    asked = client_for(alice).post(URL, data)

    assert asked.status_code == 200
    page = html.unescape(asked.content.decode())
    assert 'id="mode-switch"' in page
    assert SWITCH_TO_TRACKING in page
    riverside.refresh_from_db()
    assert riverside.mode == "management"
    assert not DealershipChange.objects.exists()

    confirmed = client_for(alice).post(URL, data | {"confirm_mode": "on"}, follow=True)

    assert "Saved: Mode." in html.unescape(confirmed.content.decode())
    riverside.refresh_from_db()
    assert riverside.mode == "tracking"
    change = DealershipChange.objects.get()
    assert (change.actor, change.source) == (alice, DealershipChange.Source.SETTINGS)
    assert change.changes == [{"path": "mode", "old": "management", "new": "tracking"}]


def test_switching_back_to_management_says_what_happens_to_the_tracked_leads(client_for, alice, riverside):
    riverside.mode = "tracking"
    riverside.save()

    asked = client_for(alice).post(URL, current_form_data(riverside) | {"mode": "management"})

    assert SWITCH_TO_MANAGEMENT in html.unescape(asked.content.decode())
    riverside.refresh_from_db()
    assert riverside.mode == "tracking"


def test_the_opening_hours_switch_is_saved_from_the_screen_without_a_confirmation(client_for, alice, riverside):
    data = current_form_data(riverside) | {"escalation_resubmission_opening_hours": "on"}

    client_for(alice).post(URL, data, follow=True)

    riverside.refresh_from_db()
    assert riverside.escalation["resubmission_opening_hours"] is True
    client_for(alice).post(URL, current_form_data(riverside) | {"escalation_resubmission_opening_hours": ""})
    riverside.refresh_from_db()
    assert riverside.escalation["resubmission_opening_hours"] is False

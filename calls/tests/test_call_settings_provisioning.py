"""Call settings in the provisioning YAML: a user's outbound phone and call forwarding, a
dealership's recordings; validated with the key path, exported and taken back unchanged."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from accounts.models import User
from dealerships import provisioning
from dealerships.models import Dealership
from dealerships.tests.test_provisioning import example, provision, refused, snapshot

pytestmark = pytest.mark.django_db


def with_calls(**user: object) -> dict:
    document = example()
    document["dealerships"][0]["calls"] = {"recordings": True}
    document["users"][0].update(user)
    return document


def test_outbound_phone_forwarding_and_recordings_are_provisioned(tmp_path):
    provision(tmp_path, with_calls(outbound_phone="(512) 555-0002,,,42", forward_calls=False))

    alice = User.objects.get(email="alice@example.com")
    assert (alice.outbound_phone, alice.forward_calls) == ("+15125550002,,,42", False)
    assert Dealership.objects.get().call_recordings is True
    assert User.objects.get(email="bob@example.com").forward_calls is True  # on unless turned off


def test_changing_them_is_reported_by_key(tmp_path):
    provision(tmp_path, with_calls())
    lines = provision(tmp_path, {**with_calls(outbound_phone="+15125550003", forward_calls=False)})

    assert "updated user alice@example.com: outbound_phone, forward_calls" in lines
    document = with_calls()
    document["dealerships"][0]["calls"] = {"recordings": False}
    assert "updated dealership riverside-toyota: calls.recordings" in provision(tmp_path, document)


@pytest.mark.parametrize(
    ("change", "error"),
    [
        (
            {"outbound_phone": "+15125550002,,x"},
            'users[0].outbound_phone: "+15125550002,,x": After the number, write only commas',
        ),
        ({"outbound_phone": "call me"}, "users[0].outbound_phone: \"call me\": 'call me' is not a phone number"),
        ({"forward_calls": "yes"}, 'users[0].forward_calls: expected true or false, not "yes"'),
    ],
)
def test_a_bad_call_setting_is_refused_with_its_path_and_nothing_changes(tmp_path, change, error):
    provision(tmp_path, example())
    before = snapshot()

    errors = refused(tmp_path, with_calls(**change))

    assert any(line.strip().startswith(error) for line in errors), errors
    assert snapshot() == before


def test_an_unknown_calls_key_is_refused(tmp_path):
    document = example()
    document["dealerships"][0]["calls"] = {"record": True}
    errors = refused(tmp_path, document)
    assert any("dealerships[0].calls.record" in line for line in errors), errors


def test_export_round_trips_the_call_settings(tmp_path):
    provision(tmp_path, with_calls(outbound_phone="+15125550002,,,42", forward_calls=False))
    out = StringIO()
    call_command("provision", "--export", "riverside-toyota", stdout=out)
    document = provisioning.load_yaml(out.getvalue())

    assert document["dealerships"][0]["calls"] == {"recordings": True}
    alice = next(u for u in document["users"] if u["email"] == "alice@example.com")
    assert (alice["outbound_phone"], alice["forward_calls"]) == ("+15125550002,,,42", False)
    assert provision(tmp_path, out.getvalue()) == ["no changes: everything is already as the file says"]

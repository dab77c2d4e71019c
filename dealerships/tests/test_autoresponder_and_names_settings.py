"""The autoresponder and how staff names read to customers, as settings: in the provisioning
YAML (round trip through `provision --export`, refusals with the key's path, nothing changed), and
on the settings screen with a preview of the autoresponder as the customer will read it."""

from __future__ import annotations

import copy
import html
from io import StringIO

import pytest
from django.core.management import call_command

from dealerships import provisioning
from dealerships.models import Dealership
from dealerships.tests.test_provisioning import EXAMPLE, example, provision, refused, snapshot
from dealerships.tests.test_settings_screen import URL, current_form_data

pytestmark = pytest.mark.django_db
REPLY = {
    "email_subject": "Your enquiry at {dealership}",
    "email_body": "Hi {first_name},\n{salesperson} will call you about the {vehicle}.\nCredit: {credit_application}",
    "sms": "Hi {first_name}, {dealership} got your request. Call us on {dealership_phone}.",
}


def with_settings(**keys: object) -> dict[str, object]:
    document = copy.deepcopy(example())
    document["dealerships"][0].update(keys)
    return document


def test_the_yaml_sets_both_and_export_gives_them_back_unchanged(tmp_path):
    lines = provision(tmp_path, with_settings(staff_names="first_initial", autoresponder=REPLY))
    riverside = Dealership.objects.get()
    assert riverside.staff_names == "first_initial"
    assert riverside.autoresponder == REPLY
    assert "created dealership riverside-toyota" in "\n".join(lines)

    out = StringIO()
    call_command("provision", "--export", "riverside-toyota", stdout=out)
    exported = provisioning.load_yaml(out.getvalue())
    assert exported["dealerships"][0]["staff_names"] == "first_initial"
    assert exported["dealerships"][0]["autoresponder"] == REPLY
    assert provision(tmp_path, out.getvalue()) == ["no changes: everything is already as the file says"]


def test_the_defaults_are_full_names_and_no_autoresponder_and_empty_texts_turn_it_off(tmp_path):
    provision(tmp_path, EXAMPLE)
    exported = provisioning.export(slug="riverside-toyota")["dealerships"][0]
    assert exported["staff_names"] == "full"
    assert exported["autoresponder"] == {"email_subject": "", "email_body": "", "sms": ""}

    provision(tmp_path, with_settings(autoresponder=REPLY))
    lines = provision(tmp_path, with_settings(autoresponder={"email_subject": "", "email_body": None, "sms": ""}))
    assert Dealership.objects.get().autoresponder == {}
    assert any("autoresponder.sms" in line for line in lines)


BAD = [
    ({"staff_names": "nickname"}, 'dealerships[0].staff_names: "nickname" is not one of full | first | first_initial'),
    (
        {"autoresponder": {"email_body": "Hi"}},
        "dealerships[0].autoresponder.email_subject: is required when email_body is set",
    ),
    (
        {"autoresponder": {"email_subject": "Hi"}},
        "dealerships[0].autoresponder.email_body: is required when email_subject is set",
    ),
    ({"autoresponder": {"sms": "Hi {nickname}"}}, "dealerships[0].autoresponder.sms: {nickname} is not a merge field"),
    (
        {"autoresponder": {"sms": "Value yours: {trade_in_value}"}, "links": {"trade_in_value": ""}},
        "dealerships[0].autoresponder.sms: {trade_in_value} needs the dealership's trade-in value link",
    ),
    (
        {"autoresponder": {"email_subject": "Line one\nline two", "email_body": "Hi"}},
        "dealerships[0].autoresponder.email_subject: must be one line",
    ),
    (
        {"autoresponder": {"text": "Hi"}},
        "dealerships[0].autoresponder.text: unknown key (known keys: email_subject, email_body, sms)",
    ),
    ({"autoresponder": {"sms": "x" * 1001}}, "dealerships[0].autoresponder.sms: is longer than 1000 characters"),
]


@pytest.mark.parametrize(("keys", "error"), BAD, ids=[str(i) for i in range(len(BAD))])
def test_a_bad_setting_is_refused_with_its_path_and_nothing_changes(tmp_path, keys, error):
    provision(tmp_path, EXAMPLE)
    before = snapshot()

    errors = refused(tmp_path, with_settings(name="Renamed, but refused with the rest", **keys))

    assert any(line.startswith(error) for line in errors), errors
    assert snapshot() == before


def test_the_settings_screen_saves_them_and_previews_the_autoresponder(client_for, alice, carol, riverside):
    riverside.main_phone = "+15125550111"
    riverside.links = {"credit_application": "https://riverside.example.com/credit"}
    riverside.save()
    data = current_form_data(riverside) | {
        "staff_names": "first_initial",
        **{f"autoresponder_{key}": text for key, text in REPLY.items()},
    }

    page = client_for(alice).post(URL, data, follow=True).content.decode()

    riverside.refresh_from_db()
    assert riverside.staff_names == "first_initial"
    assert riverside.autoresponder == REPLY
    shown = html.unescape(page)
    assert "Autoresponder email subject" in shown  # the message says what was saved
    assert "</strong> from Carol S. at Riverside Toyota" in shown
    assert "Hi Jordan,<br>Carol S. will call you about the 2016 RAM 2500." in shown
    assert "Hi Jordan, Riverside Toyota got your request. Call us on (512) 555-0111." in shown


def test_the_settings_screen_refuses_an_unknown_merge_field_beside_its_box(client_for, alice, riverside):
    data = current_form_data(riverside) | {"autoresponder_sms": "Hi {nickname}"}

    response = client_for(alice).post(URL, data)

    assert response.status_code == 400
    assert "{nickname} is not a merge field" in html.unescape(response.content.decode())
    riverside.refresh_from_db()
    assert riverside.autoresponder == {}

"""Connecting a Facebook page: the page id in the provisioning file (CONTRACT §3, round-tripping
through --export) and on the settings screen, where the page token is entered, kept sealed and
never shown back."""

from __future__ import annotations

import html
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from dealerships import provisioning
from dealerships.models import Dealership, DealershipChange
from dealerships.tests.test_settings_screen import URL, current_form_data
from messenger.tests.hooks import PAGE_ID, PAGE_TOKEN

pytestmark = pytest.mark.django_db

FILE = """
organization: Example Auto Group
dealerships:
  - slug: riverside-toyota
    name: Riverside Toyota
    timezone: America/Chicago
    messenger: {page_id: "1234567890"}
users: []
"""


def run(tmp_path: Any, text: str, *extra: str) -> str:
    path = tmp_path / "forecourt.yaml"
    path.write_text(text)
    out = StringIO()
    call_command("provision", str(path), *extra, stdout=out, stderr=StringIO())
    return out.getvalue()


def refused(tmp_path: Any, text: str) -> str:
    path = tmp_path / "forecourt.yaml"
    path.write_text(text)
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("provision", str(path), stdout=StringIO(), stderr=err)
    return err.getvalue()


def test_the_page_id_is_provisioned_and_exported_without_any_token(tmp_path):
    run(tmp_path, FILE)
    riverside = Dealership.objects.get(slug="riverside-toyota")
    assert riverside.messenger_page_id == PAGE_ID
    riverside.messenger_page_token = PAGE_TOKEN
    riverside.save()

    exported = provisioning.export_yaml("riverside-toyota")

    assert "messenger: {page_id: '1234567890'}" in exported
    assert PAGE_TOKEN not in exported
    assert run(tmp_path, exported).strip() == "no changes: everything is already as the file says"
    riverside.refresh_from_db()
    assert riverside.messenger_page_token == PAGE_TOKEN


def test_an_unquoted_page_id_is_read_as_its_digits(tmp_path):
    run(tmp_path, FILE.replace('"1234567890"', "1234567890"))
    assert Dealership.objects.get().messenger_page_id == PAGE_ID


@pytest.mark.parametrize(
    ("messenger", "error"),
    [
        (
            '{page_id: "riverside-toyota"}',
            'dealerships[0].messenger.page_id: "riverside-toyota" is not a Facebook page id',
        ),
        ('{page_token: "EAAG"}', "dealerships[0].messenger.page_token: unknown key"),
        ("[1234567890]", "dealerships[0].messenger: expected a mapping"),
    ],
)
def test_a_bad_messenger_setting_is_refused_with_its_path_and_nothing_changes(tmp_path, messenger, error):
    run(tmp_path, FILE)
    before = list(Dealership.objects.values())

    errors = refused(
        tmp_path, FILE.replace('{page_id: "1234567890"}', messenger).replace("Riverside Toyota", "Renamed")
    )

    assert error in errors
    assert list(Dealership.objects.values()) == before


def test_a_page_connected_to_another_dealership_is_refused(tmp_path, lakeside):
    lakeside.messenger_page_id = PAGE_ID
    lakeside.save()

    errors = refused(tmp_path, FILE)

    assert (
        'dealerships[0].messenger.page_id: the Facebook page "1234567890" is already connected to lakeside-honda'
        in errors
    )


def test_connecting_another_page_forgets_the_old_pages_token(tmp_path):
    run(tmp_path, FILE)
    Dealership.objects.filter(slug="riverside-toyota").update(messenger_page_token="")
    riverside = Dealership.objects.get()
    riverside.messenger_page_token = PAGE_TOKEN
    riverside.save()

    run(tmp_path, FILE.replace("1234567890", "5550001112"))

    riverside.refresh_from_db()
    assert (riverside.messenger_page_id, riverside.messenger_page_token) == ("5550001112", "")


def test_the_settings_screen_connects_the_page_and_keeps_the_token_sealed(client_for, alice, riverside):
    client = client_for(alice)
    assert "Not set." in client.get(URL).content.decode()

    answer = client.post(
        URL, {**current_form_data(riverside), "messenger_page_id": PAGE_ID, "messenger_page_token": PAGE_TOKEN}
    )

    assert answer.status_code == 302
    riverside.refresh_from_db()
    assert (riverside.messenger_page_id, riverside.messenger_page_token) == (PAGE_ID, PAGE_TOKEN)
    with connection.cursor() as cursor:
        cursor.execute("SELECT messenger_page_token FROM dealerships_dealership WHERE id = %s", [riverside.pk])
        stored = cursor.fetchone()[0]
    assert stored.startswith("sealed:")
    assert PAGE_TOKEN not in stored
    page = html.unescape(client.get(URL).content.decode())
    assert PAGE_TOKEN not in page
    assert "Set. Enter a new one to replace it; leave empty to keep it." in page
    assert 'value="1234567890"' in page
    change = DealershipChange.objects.filter(dealership=riverside).latest("at", "id")
    assert change.changes == [{"path": "messenger.page_token", "old": "not set", "new": "set"}]


def test_saving_the_screen_without_a_token_keeps_the_one_set(client_for, alice, riverside):
    riverside.messenger_page_id, riverside.messenger_page_token = PAGE_ID, PAGE_TOKEN
    riverside.save()

    client_for(alice).post(URL, {**current_form_data(riverside), "after_hours_sms": "We're closed."})

    riverside.refresh_from_db()
    assert riverside.messenger_page_token == PAGE_TOKEN


def test_a_token_without_a_page_id_is_refused_next_to_the_field(client_for, alice, riverside):
    answer = client_for(alice).post(URL, {**current_form_data(riverside), "messenger_page_token": PAGE_TOKEN})

    assert answer.status_code == 400
    assert "Enter the Facebook page id this token belongs to." in answer.content.decode()
    riverside.refresh_from_db()
    assert riverside.messenger_page_token == ""


def test_a_bad_page_id_on_the_screen_is_shown_next_to_it_and_nothing_is_saved(client_for, alice, riverside):
    answer = client_for(alice).post(URL, {**current_form_data(riverside), "messenger_page_id": "our-page"})

    assert answer.status_code == 400
    assert "is not a Facebook page id" in html.unescape(answer.content.decode())
    assert 'id="id_messenger_page_id_error"' in answer.content.decode()
    riverside.refresh_from_db()
    assert riverside.messenger_page_id == ""

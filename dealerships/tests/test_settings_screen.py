"""The dealership settings screen: admins of that dealership only, the provisioning validator."""

from __future__ import annotations

import html
from typing import Any

import pytest
from django.urls import reverse

from dealerships import provisioning
from dealerships.forms import DealershipSettingsForm
from dealerships.models import Dealership, DealershipChange

URL = "/dealerships/riverside-toyota/settings/"


def current_form_data(dealership: Dealership) -> dict[str, Any]:
    """What the browser posts back for an unchanged form (unchecked boxes are left out)."""
    initial = DealershipSettingsForm.initial_from(provisioning.dealership_settings(dealership))
    return {key: value for key, value in initial.items() if value is not False}


def saved(dealership: Dealership) -> dict[str, Any]:
    dealership.refresh_from_db()
    return provisioning.dealership_settings(dealership)


@pytest.mark.django_db
def test_the_index_lists_the_dealerships_i_administer(client_for, alice, lakeside, erin):
    response = client_for(alice).get(reverse("dealership-settings-index"))

    assert response.status_code == 200
    assert reverse("dealership-settings", args=["riverside-toyota"]).encode() in response.content
    assert b"Lakeside Honda" not in response.content


@pytest.mark.django_db
def test_the_screen_shows_every_setting_and_the_intake_address(client_for, alice, riverside, settings):
    settings.INTAKE_DOMAIN = "leads.example.test"

    response = client_for(alice).get(URL)

    assert response.status_code == 200
    assert b"riverside-toyota@leads.example.test" in response.content
    assert b'value="09:00-12:30, 13:30-17:00"' in response.content
    for name in ("name", "timezone", "days_off", "hours_sun", "phones_leads", "email_intake", "after_hours_sms"):
        assert f'name="{name}"'.encode() in response.content
    for name in ("escalation_stage1_minutes", "distribution_sales_method", "distribution_service_fallback"):
        assert f'name="{name}"'.encode() in response.content
    assert b'name="links_credit_application"' in response.content


@pytest.mark.django_db
def test_alice_changes_the_saturday_hours_and_they_are_saved(client_for, alice, riverside):
    data = current_form_data(riverside) | {"hours_sat": "09:00-13:00", "escalation_stage1_minutes": "20"}

    response = client_for(alice).post(URL, data, follow=True)

    assert response.status_code == 200
    after = saved(riverside)
    assert after["hours"]["sat"] == ["09:00-13:00"]
    assert after["escalation"]["stage1_minutes"] == 20
    assert after["hours"]["mon"] == ["09:00-19:00"]
    assert b"Saved: Saturday, Stage 1" in response.content
    change = DealershipChange.objects.get()
    assert (change.actor, change.source) == (alice, "settings")
    assert [c["path"] for c in change.changes] == ["hours.sat", "escalation.stage1_minutes"]


@pytest.mark.django_db
def test_posting_the_form_unchanged_changes_nothing(client_for, alice, riverside):
    before = saved(riverside)

    response = client_for(alice).post(URL, current_form_data(riverside), follow=True)

    assert b"Nothing to change." in response.content
    assert saved(riverside) == before
    assert not DealershipChange.objects.exists()


@pytest.mark.django_db
def test_a_bad_interval_is_shown_next_to_saturday_and_nothing_is_saved(client_for, alice, riverside):
    before = saved(riverside)
    data = current_form_data(riverside) | {"hours_sat": "09:00-12:30, 13:30-12:00", "name": "Renamed"}

    response = client_for(alice).post(URL, data)

    assert response.status_code == 400
    form = response.context["form"]
    assert form.errors["hours_sat"] == ['"13:30-12:00" ends before it starts']
    assert list(form.errors) == ["hours_sat"]
    page = html.unescape(response.content.decode())
    saturday = page.index('name="hours_sat"')
    error = page.index('"13:30-12:00" ends before it starts')
    assert abs(saturday - error) < 400, "the error is shown next to the Saturday field"
    assert saved(riverside) == before


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("phones_leads", "12", '"12" is not a phone number'),
        ("escalation_reminder_minutes", "0", "0 is not a positive whole number of minutes"),
        ("days_off", "2026-12-24\nnext friday", '"next friday" is not a date (YYYY-MM-DD)'),
        ("timezone", "Mars/Olympus", 'unknown time zone "Mars/Olympus"'),
        ("distribution_sales_fallback", "frank@example.com", '"frank@example.com" is not a user in this file'),
        ("links_trade_in_value", "trade.example.com", '"trade.example.com" is not an http(s) URL'),
        ("email_intake", "lakeside-honda", '"lakeside-honda" is already the intake address of lakeside-honda'),
    ],
)
@pytest.mark.django_db
def test_bad_values_are_refused_next_to_their_field(client_for, alice, riverside, lakeside, field, value, message):
    before = saved(riverside)

    response = client_for(alice).post(URL, current_form_data(riverside) | {field: value})

    assert response.status_code == 400
    assert any(error.startswith(message) for error in response.context["form"].errors[field])
    assert saved(riverside) == before


@pytest.mark.django_db
def test_the_fallback_user_is_chosen_from_the_dealerships_people(client_for, alice, carol, riverside):
    data = current_form_data(riverside) | {"distribution_sales_fallback": "carol@example.com"}

    client_for(alice).post(URL, data)

    assert saved(riverside)["distribution"]["sales"]["fallback"] == "carol@example.com"


@pytest.mark.django_db
def test_a_salesperson_gets_404(client_for, carol, riverside):
    assert client_for(carol).get(URL).status_code == 404
    assert client_for(carol).post(URL, current_form_data(riverside)).status_code == 404


@pytest.mark.django_db
def test_a_manager_gets_404(client_for, bob):
    assert client_for(bob).get(URL).status_code == 404


@pytest.mark.django_db
def test_the_admin_of_another_dealership_gets_404(client_for, erin, riverside):
    before = saved(riverside)

    assert client_for(erin).get(URL).status_code == 404
    assert client_for(erin).post(URL, current_form_data(riverside) | {"name": "Mine now"}).status_code == 404
    assert saved(riverside) == before

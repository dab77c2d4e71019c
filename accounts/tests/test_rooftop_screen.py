"""The rooftop screen: everyone at one dealership and how leads reach them, changed in place by
its admins through the user form's own validation, read-only for managers, hidden from others."""

from __future__ import annotations

from datetime import UTC, date, datetime
from html import unescape
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from accounts.models import Membership, User
from accounts.tests.test_user_admin import edit_form
from dealerships.models import Dealership
from distribution.store import load_policy
from distribution.tests.conftest import set_policy

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 3, 16, 15, 0, tzinfo=UTC)  # Monday 16 March in Austin


def screen(client: Client, dealership: Dealership) -> Any:
    return client.get(reverse("rooftop", args=[dealership.slug]))


def change(client: Client, user: User, dealership: Dealership, setting: str, **data: Any) -> Any:
    membership = Membership.objects.get(user=user, dealership=dealership)
    url = reverse("rooftop-change", args=[dealership.slug, membership.pk])
    return client.post(url, {"setting": setting, **data}, headers={"HX-Request": "true"})


def membership(user: User) -> Membership:
    return Membership.objects.get(user=user)


@time_machine.travel(NOW, tick=False)
def test_alice_sees_everyone_at_riverside_with_their_settings_and_who_is_absent_now(
    client_for, riverside, alice, bob, carol, dave
):
    Membership.objects.filter(user=carol).update(absent_from=date(2026, 3, 10), absent_until=date(2026, 3, 20))
    Membership.objects.filter(user=dave).update(absent_from=date(2026, 4, 1))
    set_policy(
        riverside, {"groups": [{"name": "Used Hondas", "match": {"makes": ["Honda"]}, "members": ["dave@example.com"]}]}
    )
    body = screen(client_for(alice), riverside).content.decode()
    for name in ("Alice Admin", "Bob Manager", "Carol Seller", "Dave Seller"):
        assert name in body
    carols = body.split(f'id="person-{membership(carol).pk}"')[1].split("</li>")[0]
    assert "Absent now until Fri 20 Mar" in carols
    daves = body.split(f'id="person-{membership(dave).pk}"')[1].split("</li>")[0]
    assert "Absent now" not in daves
    assert "Away from Wed 1 Apr" in daves
    assert f'{reverse("distribution-settings", args=["riverside-toyota"])}#group-0">Used Hondas</a>' in daves
    assert 'name="setting" value="pool_alerts"' in body


def test_bob_the_manager_sees_the_screen_read_only_and_cannot_change_it(client_for, riverside, bob, carol):
    client = client_for(bob)
    response = screen(client, riverside)
    assert response.status_code == 200
    assert "Carol Seller" in response.content.decode()
    assert 'name="setting"' not in response.content.decode()
    assert change(client, carol, riverside, "receives_leads", value="false").status_code == 404
    assert membership(carol).receives_leads


def test_salespeople_and_other_dealerships_get_page_not_found(client_for, riverside, lakeside, alice, carol, erin):
    assert screen(client_for(carol), riverside).status_code == 404
    assert screen(client_for(alice), lakeside).status_code == 404
    # Erin's membership is at Lakeside: not reachable through Riverside's screen.
    erins = Membership.objects.get(user=erin)
    url = reverse("rooftop-change", args=["riverside-toyota", erins.pk])
    assert client_for(alice).post(url, {"setting": "receives_leads", "value": "false"}).status_code == 404
    assert Membership.objects.get(user=erin).receives_leads


def test_unticking_receives_leads_saves_it_and_warns_that_sales_now_has_nobody(
    client_for, riverside, alice, bob, carol
):
    Membership.objects.filter(user__in=[alice, bob]).update(receives_leads=False)
    response = change(client_for(alice), carol, riverside, "receives_leads", value="false")
    assert response.status_code == 200
    assert not membership(carol).receives_leads
    body = response.content.decode()
    assert "Saved: receives leads." in body
    assert "Nobody in Sales receives leads: new Sales leads go to Alice Admin, the admin." in body
    assert 'id="rooftop-gaps" aria-live="polite" hx-swap-oob="true"' in body
    assert change(client_for(alice), carol, riverside, "receives_leads", value="true").status_code == 200
    assert membership(carol).receives_leads


def test_an_absence_is_refused_exactly_as_the_user_form_refuses_it_and_changes_nothing(client_for, alice, carol):
    client = client_for(alice)
    response = change(
        client, carol, carol.memberships.get().dealership, "absent", **{"from": "2026-12-20", "until": "2026-12-10"}
    )
    assert response.status_code == 422
    assert "Absent until: 2026-12-10 is before the first day of absence, 2026-12-20" in response.content.decode()
    assert membership(carol).absent_from is None
    form = client.post(
        reverse("user-edit", args=[carol.pk]),
        edit_form(carol, **{"riverside-toyota": {"absent_from": "2026-12-20", "absent_until": "2026-12-10"}}),
    )
    assert "2026-12-10 is before the first day of absence, 2026-12-20" in form.content.decode()
    response = change(client, carol, carol.memberships.get().dealership, "absent", **{"from": "12/20/2026"})
    assert 'Absent from: "12/20/2026" is not a date (YYYY-MM-DD)' in unescape(response.content.decode())
    assert membership(carol).absent_from is None


def test_an_absence_is_set_and_cleared_in_place(client_for, riverside, alice, carol):
    client = client_for(alice)
    change(client, carol, riverside, "absent", **{"from": "2026-12-20", "until": "2027-01-03"})
    assert (membership(carol).absent_from, membership(carol).absent_until) == (date(2026, 12, 20), date(2027, 1, 3))
    change(client, carol, riverside, "absent")
    assert membership(carol).absent_from is None
    assert membership(carol).absent_until is None


def test_nonsense_values_are_refused_with_the_reason(client_for, riverside, alice, carol):
    client = client_for(alice)
    response = change(client, carol, riverside, "receives_leads", value="maybe")
    assert response.status_code == 422
    assert 'Receives leads: "maybe" is not true or false' in unescape(response.content.decode())
    response = change(client, carol, riverside, "departments", value=["sales", "parts"])
    assert response.status_code == 422
    assert '"parts" is not one of sales, service' in unescape(response.content.decode())
    assert membership(carol).receives_leads
    assert membership(carol).departments == ["sales"]


def test_departments_are_changed_in_place(client_for, riverside, alice, carol):
    change(client_for(alice), carol, riverside, "departments", value=["sales", "service"])
    assert membership(carol).departments == ["sales", "service"]


def test_a_pool_without_anyone_alerted_is_shown_until_someone_turns_pool_alerts_on(client_for, riverside, alice, carol):
    set_policy(riverside, {"sales": {"method": "pool"}})
    client = client_for(alice)
    assert "Nobody is alerted when a lead lands in the Sales pool" in screen(client, riverside).content.decode()
    response = change(client, carol, riverside, "pool_alerts", value="true")
    assert membership(carol).pool_alerts
    assert "Nobody is alerted when a lead lands in the Sales pool" not in response.content.decode()


def test_a_group_whose_members_all_stopped_receiving_leads_is_shown_with_where_its_leads_go(
    client_for, riverside, alice, carol, dave
):
    set_policy(
        riverside,
        {
            "sales": {"method": "round_robin", "fallback": "dave@example.com"},
            "groups": [
                {
                    "name": "Used Hondas",
                    "match": {"department": "sales", "makes": ["Honda"]},
                    "members": ["carol@example.com"],
                }
            ],
        },
    )
    describe = load_policy(riverside).groups[0].match.describe()
    response = change(client_for(alice), carol, riverside, "receives_leads", value="false")
    assert (
        f"Nobody in the distribution group “Used Hondas” receives leads: the leads it takes ({describe}) go to "
        "Dave Seller, the fallback user." in response.content.decode()
    )


def test_pool_alerts_are_turned_on_and_off_on_the_user_form_too(client_for, alice, carol):
    client = client_for(alice)
    page = client.get(reverse("user-edit", args=[carol.pk])).content.decode()
    assert "Pool alerts" in page
    client.post(reverse("user-edit", args=[carol.pk]), edit_form(carol, **{"riverside-toyota": {"pool_alerts": "on"}}))
    assert membership(carol).pool_alerts
    client.post(reverse("user-edit", args=[carol.pk]), edit_form(carol))
    assert not membership(carol).pool_alerts


def test_managers_reach_the_screen_from_leads_to_claim_and_salespeople_see_no_link(client_for, riverside, bob, carol):
    link = reverse("rooftop", args=[riverside.slug])
    assert link in client_for(bob).get(reverse("distribution-pool")).content.decode()
    assert link not in client_for(carol).get(reverse("distribution-pool")).content.decode()

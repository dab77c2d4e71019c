"""Allocating and reassigning by hand: the allocate window, the API, and the alert email's links."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine

from accounts.models import ApiToken, User
from api.tests.conftest import ApiClient
from conftest import make_lead
from distribution.actions import distribute_lead
from distribution.tests.conftest import OPEN, set_policy
from leads.models import Activity, Lead
from notifications.models import Notification, OutboundEmail

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("team")]


def api(user) -> ApiClient:
    return ApiClient(ApiToken.issue(user=user)[1])


@time_machine.travel(OPEN, tick=False)
def test_the_allocate_window_finds_people_by_first_or_last_name(riverside, bob, client_for):
    lead = make_lead(riverside, bulk=True)
    client = client_for(bob)
    by_first = client.get(f"/distribution/leads/{lead.pk}/allocate/users/", {"q": "gin"}, HTTP_HX_REQUEST="true")
    assert b"Gina Seller" in by_first.content
    assert b"Carol Seller" not in by_first.content
    by_last = client.get(f"/distribution/leads/{lead.pk}/allocate/users/", {"q": "sel"})
    assert by_last.content.count(b"<strong>") == 5
    window = client.get(f"/distribution/leads/{lead.pk}/allocate/", HTTP_HX_REQUEST="true")
    assert b'id="allocate-window"' in window.content
    assert b"<html" not in window.content


@time_machine.travel(OPEN, tick=False)
def test_a_manager_allocates_with_a_note_and_both_people_are_told(riverside, bob, carol, dave, client_for):
    lead = make_lead(riverside, assigned_to=carol)
    answer = client_for(bob).post(
        f"/distribution/leads/{lead.pk}/allocate/", {"user": dave.pk, "note": "Speaks Spanish"}
    )
    assert answer.status_code == 302
    lead.refresh_from_db()
    assert lead.assigned_to == dave
    entry = lead.activities.filter(kind=Activity.Kind.ASSIGNED).latest("id")
    assert (
        entry.text
        == 'Reassigned from Carol Seller to Dave Seller: allocated by Bob Manager with the note "Speaks Spanish"'
    )
    assert entry.actor == bob
    told = Notification.objects.get(user=dave, lead=lead)
    assert told.kind == "reassigned"
    assert told.text.endswith("Note: Speaks Spanish")
    assert Notification.objects.filter(user=carol, lead=lead, kind="reassigned").exists()


@time_machine.travel(OPEN, tick=False)
def test_salespeople_cannot_allocate_and_other_dealerships_see_nothing(riverside, carol, dave, erin, client_for):
    lead = make_lead(riverside, assigned_to=carol)
    assert client_for(carol).get(f"/distribution/leads/{lead.pk}/allocate/").status_code == 404
    assert client_for(erin).post(f"/distribution/leads/{lead.pk}/allocate/", {"user": dave.pk}).status_code == 404
    assert api(carol).post(f"/leads/{lead.pk}/assign", {"user": "dave@example.com"}).status_code == 403
    assert api(erin).post(f"/leads/{lead.pk}/assign", {"user": "dave@example.com"}).status_code == 404
    assert Lead.objects.get(pk=lead.pk).assigned_to == carol


@time_machine.travel(OPEN, tick=False)
def test_the_assign_api_allocates_and_refuses_bad_input_clearly(riverside, alice, dave, frank):
    lead = make_lead(riverside, bulk=True)
    client = api(alice)
    done = client.post(f"/leads/{lead.pk}/assign", {"user": "DAVE@example.com", "note": "VIP"})
    assert done.status_code == 200
    assert done.json()["assigned_to"]["email"] == "dave@example.com"
    unknown = client.post(f"/leads/{lead.pk}/assign", {"user": "frank@example.com"})
    assert unknown.status_code == 422
    assert "Nobody who can be assigned leads at Riverside Toyota" in unknown.json()["error"]["message"]
    assert client.post(f"/leads/{lead.pk}/assign", {"note": "x"}).status_code == 422
    assert client.post(f"/leads/{lead.pk}/assign", {"user": "dave@example.com", "extra": 1}).status_code == 422
    same = client.post(f"/leads/{lead.pk}/assign", {"user": "dave@example.com"})
    assert same.status_code == 409
    assert same.json()["error"]["message"] == "The lead is already assigned to Dave Seller."
    assert client.post("/leads/999999/assign", {"user": "dave@example.com"}).status_code == 404


def alert_links(email: OutboundEmail) -> dict[str, str]:
    return {
        name: url
        for url, name in re.findall(r'<a href="(http[^"]+/distribution/links/[^"]+/)">([^<]+)</a>', email.html)
    }


def send_alert(riverside, **fields) -> tuple[Lead, OutboundEmail]:
    set_policy(riverside, {"sales": {"method": "first_available", "alert_recipients": ["bob@example.com"]}})
    lead = make_lead(
        riverside,
        bulk=True,
        comments="Is it still available?",
        vehicles=[{"year": 2016, "make": "RAM", "model": "2500", "stock": "D9760"}],
        **fields,
    )
    distribute_lead(lead=lead)
    return lead, OutboundEmail.objects.get(purpose="new_lead_alert")


@time_machine.travel(OPEN, tick=False)
def test_the_new_lead_alert_shows_the_lead_and_carries_allocation_links(riverside, bob):
    _lead, email = send_alert(riverside)
    assert email.to == ["bob@example.com"]
    assert email.subject == "New lead: Jordan Sample, 2016 RAM 2500 (stock #D9760) (Riverside Toyota)"
    for text in (
        "Jordan Sample",
        "jordan@example.com",
        "2016 RAM 2500",
        "Is it still available?",
        "first available: offered to",
    ):
        assert text in email.body
    assert set(alert_links(email)) >= {"Carol Seller", "Dave Seller", "Gina Seller"}
    # Replies go by text through Forecourt (conversations/tests/test_alert_reply.py), never mailto:.
    assert "mailto:" not in email.html
    assert "Reply by text" not in email.body  # the dealership has no default text template


@time_machine.travel(OPEN, tick=False)
def test_an_allocation_link_works_once_and_the_alerts_other_links_die_with_it(riverside, bob, client):
    lead, email = send_alert(riverside)
    links = alert_links(email)
    confirm = client.get(links["Dave Seller"])
    assert confirm.status_code == 200
    assert b"Allocate Jordan Sample's lead to Dave Seller?" in confirm.content
    assert Lead.objects.get(pk=lead.pk).assigned_to is None  # opening the link changes nothing
    done = client.post(links["Dave Seller"], {"note": "call today"})
    assert done.status_code == 200
    assert Lead.objects.get(pk=lead.pk).assigned_to == User.objects.get(email="dave@example.com")
    entry = lead.activities.filter(kind=Activity.Kind.ASSIGNED).latest("id")
    assert entry.text == (
        'Assigned to Dave Seller: allocated by Bob Manager from the new-lead alert email with the note "call today"'
    )
    again = client.post(links["Dave Seller"])
    assert again.status_code == 410
    other = client.post(links["Carol Seller"])
    assert other.status_code == 410
    assert b"This lead was already assigned to Dave Seller at 10:00 am" in other.content
    assert Lead.objects.get(pk=lead.pk).assigned_to == User.objects.get(email="dave@example.com")


def test_allocation_links_expire_and_refuse_tampering(riverside, bob, client):
    with time_machine.travel(OPEN, tick=False):
        lead, email = send_alert(riverside)
        link = alert_links(email)["Carol Seller"]
        assert client.get(link[:-3] + "xx/").status_code == 410
    with time_machine.travel(OPEN + timedelta(hours=73), tick=False):
        expired = client.post(link)
    assert expired.status_code == 410
    assert b"This allocation link has expired" in expired.content
    assert Lead.objects.get(pk=lead.pk).assigned_to is None


@time_machine.travel(OPEN, tick=False)
def test_a_link_stops_working_when_its_recipient_no_longer_manages_the_dealership(riverside, bob, client):
    _lead, email = send_alert(riverside)
    bob.memberships.update(role="salesperson")
    answer = client.post(alert_links(email)["Carol Seller"])
    assert answer.status_code == 410
    assert b"Bob Manager no longer allocates leads at Riverside Toyota." in answer.content


@time_machine.travel(OPEN, tick=False)
def test_bulk_imports_are_not_distributed_and_send_no_alert_email(riverside):
    set_policy(riverside, {"sales": {"method": "round_robin", "alert_recipients": ["bob@example.com"]}})
    imported = make_lead(riverside, bulk=True)
    quiet = make_lead(riverside, bulk=True, customer={"first_name": "Q", "emails": ["q@example.com"]})
    distribute_lead(lead=quiet, alert=False)
    assert Lead.objects.get(pk=imported.pk).assigned_to is None
    assert Lead.objects.get(pk=quiet.pk).assigned_to is not None
    assert not OutboundEmail.objects.filter(purpose="new_lead_alert").exists()

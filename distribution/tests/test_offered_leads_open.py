"""A first-available lead opens for the people it is offered to, read-only until one claims it;
nobody else may open it, and after the claim it is the winner's alone."""

from __future__ import annotations

import pytest
import time_machine

from accounts.models import ApiToken, Membership
from api.tests.conftest import ApiClient
from conftest import make_lead
from distribution.actions import claim_lead, distribute_lead
from distribution.tests.conftest import OPEN, set_policy
from leads.models import Lead
from notifications.models import Notification

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("team")]

EDITS = [b'id="status-form"', b'id="contact-form"', b'id="note-form"', b'id="details-form"', b'id="customer-form"']


def api(user) -> ApiClient:
    return ApiClient(ApiToken.issue(user=user)[1])


def offered(riverside, team) -> Lead:
    """A lead offered to Carol, Dave, Gina and Hank; Ivy receives no leads."""
    Membership.objects.filter(user=team[4]).update(receives_leads=False)
    set_policy(riverside, {"sales": {"method": "first_available"}})
    lead = make_lead(riverside, bulk=True)
    distribute_lead(lead=lead)
    return lead


@time_machine.travel(OPEN, tick=False)
def test_the_people_a_lead_is_offered_to_open_it_from_their_alert_with_a_claim_button(
    riverside, team, carol, client_for
):
    lead = offered(riverside, team)
    client = client_for(carol)
    note = Notification.objects.get(user=carol, lead=lead)
    followed = client.post(f"/notifications/{note.pk}/open/", follow=True)
    assert followed.status_code == 200
    page = client.get(f"/leads/{lead.pk}/")
    assert page.status_code == 200
    assert b"Jordan Sample" in page.content
    assert b"(512) 555-0100" in page.content
    assert b"Claim this lead" in page.content
    for form in EDITS:
        assert form not in page.content
    answer = api(carol).get(f"/leads/{lead.pk}")
    assert answer.status_code == 200
    assert answer.json()["customer"]["last_name"] == "Sample"


@time_machine.travel(OPEN, tick=False)
def test_an_offered_lead_cannot_be_worked_before_it_is_claimed(riverside, team, carol, client_for):
    lead = offered(riverside, team)
    client = client_for(carol)
    assert client.post(f"/leads/{lead.pk}/notes/", {"text": "mine now"}).status_code == 404
    assert client.post(f"/leads/{lead.pk}/status/", {"status": "working"}).status_code == 404
    assert api(carol).post(f"/leads/{lead.pk}/contacts", {"kind": "call", "note": "x"}).status_code == 404
    assert api(carol).get(f"/leads/{lead.pk}/activity").status_code == 404
    fresh = Lead.objects.get(pk=lead.pk)
    assert fresh.status == Lead.Status.NEW
    assert fresh.first_response_at is None
    assert not fresh.activities.filter(text__contains="mine now").exists()


@time_machine.travel(OPEN, tick=False)
def test_nobody_the_lead_was_not_offered_to_may_open_it(riverside, team, frank, erin, client_for):
    lead = offered(riverside, team)
    for person in (team[4], frank, erin):
        assert client_for(person).get(f"/leads/{lead.pk}/").status_code == 404
        assert api(person).get(f"/leads/{lead.pk}").status_code == 404


@time_machine.travel(OPEN, tick=False)
def test_once_claimed_the_lead_is_the_winners_and_the_others_lose_sight_of_it(riverside, team, carol, dave, client_for):
    lead = offered(riverside, team)
    claim_lead(lead=lead, user=dave)
    assert client_for(carol).get(f"/leads/{lead.pk}/").status_code == 404
    assert api(carol).get(f"/leads/{lead.pk}").status_code == 404
    page = client_for(dave).get(f"/leads/{lead.pk}/")
    assert page.status_code == 200
    assert b'id="note-form"' in page.content
    assert b"Claim this lead" not in page.content

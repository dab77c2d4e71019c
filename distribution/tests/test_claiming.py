"""Claiming first-available and pool leads: on the page and through the API."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine

from accounts.models import ApiToken, Membership
from api.tests.conftest import ApiClient
from conftest import make_lead
from distribution.actions import AlreadyTaken, NotOffered, claim_lead, distribute_lead
from distribution.tests.conftest import OPEN, set_policy
from leads.models import Activity, Lead

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("team")]


def api(user) -> ApiClient:
    return ApiClient(ApiToken.issue(user=user)[1])


def offered_lead(riverside, method: str = "first_available", **fields) -> Lead:
    set_policy(riverside, {"sales": {"method": method, "pool_oldest_first": method == "pool"}})
    lead = make_lead(riverside, bulk=True, **fields)
    distribute_lead(lead=lead)
    return lead


@time_machine.travel(OPEN, tick=False)
def test_the_first_to_claim_gets_the_lead_and_the_next_hears_who_was_faster(riverside, carol, dave):
    lead = offered_lead(riverside)
    won = api(carol).post(f"/leads/{lead.pk}/claim")
    assert won.status_code == 200
    assert won.json()["assigned_to"] == {"email": "carol@example.com", "name": "Carol Seller"}
    late = api(dave).post(f"/leads/{lead.pk}/claim")
    assert late.status_code == 409
    assert late.json() == {"error": {"code": "already_taken", "message": "already taken by Carol Seller"}}
    claimed = lead.activities.get(kind=Activity.Kind.ASSIGNED)
    assert claimed.text == "Assigned to Carol Seller: claimed it first of 5 offered"


@time_machine.travel(OPEN, tick=False)
def test_claiming_from_the_lead_page_redirects_to_the_lead_and_late_clicks_get_409(riverside, carol, dave, client_for):
    lead = offered_lead(riverside)
    page = client_for(dave).get(f"/distribution/leads/{lead.pk}/claim/")
    assert page.status_code == 200
    assert b"Claim this lead" in page.content
    assert client_for(carol).post(f"/distribution/leads/{lead.pk}/claim/").url == f"/leads/{lead.pk}/"
    late = client_for(dave).post(f"/distribution/leads/{lead.pk}/claim/")
    assert late.status_code == 409
    assert b"Too late: this lead was already taken by Carol Seller." in late.content


@time_machine.travel(OPEN, tick=False)
def test_people_the_lead_was_not_offered_to_cannot_see_or_claim_it(riverside, team, frank, erin):
    Membership.objects.filter(user=team[4]).update(receives_leads=False)
    lead = offered_lead(riverside)
    assert api(frank).post(f"/leads/{lead.pk}/claim").status_code == 404
    assert api(erin).post(f"/leads/{lead.pk}/claim").status_code == 404
    assert api(team[4]).post(f"/leads/{lead.pk}/claim").status_code == 404
    with pytest.raises(NotOffered):
        claim_lead(lead=lead, user=team[4])


@time_machine.travel(OPEN, tick=False)
def test_an_assigned_lead_cannot_be_claimed(riverside, carol, dave, alice):
    lead = make_lead(riverside, assigned_to=carol)
    answer = api(alice).post(f"/leads/{lead.pk}/claim")
    assert answer.status_code == 409
    assert answer.json()["error"]["message"] == "already taken by Carol Seller"
    assert api(dave).post(f"/leads/{lead.pk}/claim").status_code == 404


def test_with_oldest_first_the_pool_gives_out_its_oldest_lead_first(riverside, carol, dave, client_for):
    with time_machine.travel(OPEN, tick=False):
        older = offered_lead(riverside, "pool", customer={"first_name": "Old", "emails": ["old@example.com"]})
    with time_machine.travel(OPEN + timedelta(minutes=5), tick=False):
        newer = offered_lead(riverside, "pool", customer={"first_name": "New", "emails": ["new@example.com"]})
        refused = api(carol).post(f"/leads/{newer.pk}/claim")
        assert refused.status_code == 409
        assert refused.json()["error"] == {
            "code": "not_claimable",
            "message": f"Take the oldest lead in the pool first (lead {older.pk}).",
        }
        pool = client_for(dave).get("/distribution/pool/")
        assert pool.content.count(b">Claim</button>") == 1
        assert b"Take the oldest lead first" in pool.content
        assert api(carol).post(f"/leads/{older.pk}/claim").status_code == 200
        assert api(dave).post(f"/leads/{newer.pk}/claim").status_code == 200
    assert Lead.objects.get(pk=newer.pk).assigned_to == dave
    assert "from the pool" in newer.activities.get(kind=Activity.Kind.ASSIGNED).text


@time_machine.travel(OPEN, tick=False)
def test_claim_lead_raises_already_taken_naming_the_winner(riverside, carol, dave):
    lead = offered_lead(riverside)
    claim_lead(lead=lead, user=carol)
    with pytest.raises(AlreadyTaken, match="already taken by Carol Seller"):
        claim_lead(lead=lead, user=dave)

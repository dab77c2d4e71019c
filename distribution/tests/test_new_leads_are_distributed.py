"""Every way a lead comes in goes through distribution: entered by hand, by the API, by ADF."""

from __future__ import annotations

import pytest
import time_machine

from accounts.models import ApiToken, Membership
from api.tests.conftest import ApiClient
from conftest import make_lead
from distribution.tests.conftest import OPEN, set_policy
from leads.models import Activity, Lead

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("team")]

ADF = """<?xml version="1.0"?><?adf version="1.0"?>
<adf><prospect status="new"><id source="CarGurus">CG-88812</id><id source="salesperson">4711</id>
<vehicle interest="buy" status="used"><year>2016</year><make>RAM</make><model>2500</model></vehicle>
<customer><contact><name part="first">Pat</name><name part="last">Buyer</name>
<email>pat.buyer@example.com</email></contact></customer>
<provider><name>CarGurus</name></provider></prospect></adf>"""


@time_machine.travel(OPEN, tick=False)
def test_a_lead_taken_in_is_distributed_with_its_reason_before_its_clock_starts(riverside, carol):
    set_policy(riverside, {"sales": {"method": "round_robin"}})
    lead = make_lead(riverside)
    assert lead.assigned_to == carol
    kinds = list(lead.activities.values_list("kind", flat=True))
    assert kinds[:2] == [Activity.Kind.CREATED, Activity.Kind.ASSIGNED]
    assert lead.activities.get(kind=Activity.Kind.ASSIGNED).text == (
        "Assigned to Carol Seller: round robin: first in the rotation; "
        "Alice Admin not receiving leads; Bob Manager not receiving leads"
    )


@time_machine.travel(OPEN, tick=False)
def test_the_api_passes_the_crm_salesperson_to_crm_assign(riverside, bob, dave):
    Membership.objects.filter(user=dave).update(crm_id="D-7")
    set_policy(riverside, {"sales": {"method": "crm_assign", "fallback": "bob@example.com"}})
    client = ApiClient(ApiToken.issue(user=bob)[1])
    body = {"dealership": "riverside-toyota", "customer": {"first_name": "Kim"}, "source": "Phone"}
    named = client.post("/leads", {**body, "crm_salesperson": "D-7"})
    assert named.status_code == 201
    assert named.json()["assigned_to"]["email"] == "dave@example.com"
    unknown = client.post("/leads", {**body, "customer": {"first_name": "Lee"}, "crm_salesperson": "nobody"})
    assert unknown.json()["assigned_to"]["email"] == "bob@example.com"


@time_machine.travel(OPEN, tick=False)
def test_an_adf_lead_naming_a_salesperson_goes_to_them_under_crm_assign(riverside, alice, gina_crm):
    set_policy(riverside, {"sales": {"method": "crm_assign"}})
    client = ApiClient(ApiToken.issue(user=alice, scope=ApiToken.Scope.INTAKE)[1])
    answer = client.client.post("/api/v1/dealerships/riverside-toyota/adf", ADF, content_type="application/xml")
    assert answer.status_code == 201, answer.content
    lead = Lead.objects.get(pk=answer.json()["leads"][0]["id"])
    assert lead.assigned_to == gina_crm


@pytest.fixture
def gina_crm(team):
    gina = team[2]
    Membership.objects.filter(user=gina).update(crm_id="4711")
    return gina

"""GET /api/v1/leads/{id} and its timeline: the contract's shape, and 404 for anyone who may not see it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine

from api.tests.contract import CONTRACT_LEAD, shape
from conftest import make_lead
from leads import actions
from leads.models import Activity

ARRIVAL = datetime(2026, 3, 16, 20, 37, 3, tzinfo=UTC)


@pytest.fixture
def full_lead(riverside, carol, bob):
    with time_machine.travel(ARRIVAL, tick=False):
        lead = make_lead(
            riverside,
            assigned_to=carol,
            source_ref="A-123",
            customer={
                "first_name": "Jordan",
                "last_name": "Sample",
                "emails": ["jordan.sample@example.com"],
                "phones": [{"number": "+15195550100", "type": "voice"}],
                "address": {
                    "street": ["1 Main St"],
                    "city": "Austin",
                    "region": "TX",
                    "postal_code": "78701",
                    "country": "US",
                },
            },
            co_customer={"first_name": "Casey", "last_name": "Sample", "phones": [{"number": "call me maybe"}]},
            vehicles=[
                {
                    "interest": "buy",
                    "condition": "used",
                    "year": 2016,
                    "make": "RAM",
                    "model": "2500",
                    "trim": "Laramie",
                    "vin": "3C6UR5ML5GG359865",
                    "stock": "D9760",
                    "price": "34995",
                    "preferred": True,
                },
            ],
            trades=[{"year": 2012, "make": "Honda", "model": "Civic", "odometer": 120000}],
            comments="Is it still available?",
        )
        actions.add_collaborator(lead=lead, user=bob, actor=bob)
    return lead


def test_a_lead_has_exactly_the_contracts_fields(api_for, carol, full_lead):
    body = api_for(carol).get(f"/leads/{full_lead.pk}").json()

    expected = shape(CONTRACT_LEAD)
    expected["collaborators"] = [{"email": None, "name": None}]
    expected["co_customer"] = expected["customer"]
    got = shape(body)
    # An unreadable number additionally keeps what was written, in "raw".
    assert got["co_customer"]["phones"] == [{"number": None, "type": None, "raw": None}]
    got["co_customer"]["phones"] = expected["customer"]["phones"]
    assert got == expected


def test_a_lead_reads_as_the_contract_writes_it(api_for, carol, settings, full_lead):
    with time_machine.travel(datetime(2026, 3, 16, 20, 40, tzinfo=UTC), tick=False):
        body = api_for(carol).get(f"/leads/{full_lead.pk}").json()

    assert body["id"] == full_lead.pk
    assert body["dealership"] == "riverside-toyota"
    assert body["source"] == {"name": "CarGurus", "kind": "third_party"}
    assert body["source_ref"] == "A-123"
    assert body["received_at"] == "2026-03-16T20:37:03+00:00"
    assert body["customer"] | {"id": None} == CONTRACT_LEAD["customer"] | {"id": None}
    assert body["co_customer"]["phones"] == [{"number": None, "type": "voice", "raw": "call me maybe"}]
    assert body["co_customer"]["business_name"] is None
    assert body["vehicles"] == CONTRACT_LEAD["vehicles"]
    assert body["trades"] == CONTRACT_LEAD["trades"]
    assert body["comments"] == "Is it still available?"
    assert body["assigned_to"] == {"email": "carol@example.com", "name": "Carol Seller"}
    assert body["collaborators"] == [{"email": "bob@example.com", "name": "Bob Manager"}]
    assert body["first_response_at"] is None
    # Received Monday 15:37 in Austin: 30 working minutes to the first reply, reminded 10 before.
    assert body["sla"] == {
        "stage1_due_at": "2026-03-16T21:07:03+00:00",
        "reminder_at": "2026-03-16T20:57:03+00:00",
        "stage2_due_at": "2026-03-16T22:07:03+00:00",
        "state": "running",
    }
    assert body["url"] == f"{settings.BASE_URL}/leads/{full_lead.pk}/"


def test_the_timeline_is_oldest_first_with_actor_emails_and_the_reason_for_each_assignment(
    api_for, bob, carol, dave, full_lead
):
    with time_machine.travel(datetime(2026, 3, 17, 9, 0, tzinfo=UTC), tick=False):
        actions.assign_lead(lead=full_lead, to=dave, actor=bob, reason="Carol is on holiday")

    entries = api_for(bob).get(f"/leads/{full_lead.pk}/activity").json()

    assert [e["kind"] for e in entries if e["kind"] != "followup"] == [
        "created",
        "assigned",
        "collaborator",
        "assigned",
    ]
    assert entries[0] == {
        "at": "2026-03-16T20:37:03+00:00",
        "kind": "created",
        "actor": None,
        "text": "Lead received from CarGurus",
    }
    assert entries[-1]["actor"] == "bob@example.com"
    assert entries[-1]["at"] == "2026-03-17T09:00:00+00:00"
    assert entries[-1]["text"].endswith("Carol is on holiday")


@pytest.mark.parametrize("outsider", ["frank", "erin", "dave"])
def test_every_lead_route_answers_404_to_someone_who_may_not_see_the_lead(api_for, request, full_lead, outsider):
    client = api_for(request.getfixturevalue(outsider))
    activities_before = Activity.objects.filter(lead=full_lead).count()

    responses = [
        client.get(f"/leads/{full_lead.pk}"),
        client.get(f"/leads/{full_lead.pk}/activity"),
        client.post(f"/leads/{full_lead.pk}/contacts", {"kind": "call", "note": "sneaky"}),
    ]

    assert [r.status_code for r in responses] == [404, 404, 404]
    assert {r.json()["error"]["code"] for r in responses} == {"not_found"}
    full_lead.refresh_from_db()
    assert full_lead.first_response_at is None
    assert Activity.objects.filter(lead=full_lead).count() == activities_before


def test_a_lead_that_does_not_exist_is_404_like_one_that_is_hidden(api_for, carol, full_lead):
    for lead_id in (full_lead.pk + 1000, 2**63, 10**30):
        response = api_for(carol).get(f"/leads/{lead_id}")
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"

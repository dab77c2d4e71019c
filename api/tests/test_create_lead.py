"""POST /api/v1/leads: a lead entered by hand, who it goes to, and refusals that change nothing."""

from __future__ import annotations

import copy

import pytest

from accounts.models import Membership
from api.tests.contract import CONTRACT_LEAD, shape
from conftest import make_lead
from leads.models import Activity, Customer, Lead

FULL_BODY = {
    "dealership": "riverside-toyota",
    "customer": {
        "first_name": "Jordan",
        "last_name": "Sample",
        "business_name": None,
        "emails": ["Jordan.Sample@Example.com"],
        "phones": [{"number": "(519) 555-0100", "type": "voice"}],
        "address": {"street": ["1 Main St"], "city": "Austin", "region": "TX", "postal_code": "78701", "country": "us"},
    },
    "co_customer": {
        "first_name": "Casey",
        "last_name": "Sample",
        "emails": ["casey@example.com"],
        "phones": [{"number": "512 555 0123", "type": "cellphone"}],
    },
    "source": {"name": "CarGurus", "kind": "third_party"},
    "source_ref": "A-123",
    "department": "sales",
    "vehicles": [
        {
            "interest": "buy",
            "condition": "used",
            "year": 2016,
            "make": "RAM",
            "model": "2500",
            "trim": "Laramie",
            "vin": "3c6ur5ml5gg359865",
            "stock": "D9760",
            "price": "34995",
            "preferred": True,
        },
        {
            "interest": "test-drive",
            "year": 2024,
            "make": "Toyota",
            "model": "Tacoma",
            "price": 41000.5,
            "search_vehicle": True,
        },
    ],
    "trades": [{"year": 2012, "make": "Honda", "model": "Civic", "odometer": 120000}],
    "comments": "Is it still available?",
    "assigned_to": "carol@example.com",
}


def body(**changes):
    result = copy.deepcopy(FULL_BODY)
    result.update(changes)
    return result


def test_a_full_lead_round_trips_in_the_contracts_shape(api_for, bob, carol):
    response = api_for(bob).post("/leads", FULL_BODY)

    assert response.status_code == 201, response.content
    created = response.json()
    expected_shape = shape(CONTRACT_LEAD) | {"co_customer": shape(CONTRACT_LEAD["customer"])}
    assert shape(created) == expected_shape
    assert created["source"] == {"name": "CarGurus", "kind": "third_party"}
    assert created["source_ref"] == "A-123"
    assert created["customer"] | {"id": None} == CONTRACT_LEAD["customer"] | {"id": None}
    assert created["co_customer"]["emails"] == ["casey@example.com"]
    assert created["vehicles"] == [
        CONTRACT_LEAD["vehicles"][0],
        {
            "interest": "test-drive",
            "condition": None,
            "year": 2024,
            "make": "Toyota",
            "model": "Tacoma",
            "trim": None,
            "vin": None,
            "stock": None,
            "price": "41000.50",
            "odometer": None,
            "preferred": False,
            "search_vehicle": True,
        },
    ]
    assert created["trades"] == CONTRACT_LEAD["trades"]
    assert created["comments"] == "Is it still available?"
    assert created["assigned_to"] == {"email": "carol@example.com", "name": "Carol Seller"}
    assert api_for(bob).get(f"/leads/{created['id']}").json() == created


def test_the_new_lead_is_visible_to_its_assignee_and_says_who_entered_it(api_for, bob, carol):
    lead_id = api_for(bob).post("/leads", FULL_BODY).json()["id"]

    assert api_for(carol).get(f"/leads/{lead_id}").status_code == 200
    timeline = api_for(carol).get(f"/leads/{lead_id}/activity").json()
    entries = [e for e in timeline if e["kind"] in ("created", "assigned")]
    assert [(e["kind"], e["actor"]) for e in entries] == [
        ("created", "bob@example.com"),
        ("assigned", "bob@example.com"),
    ]
    assert "Bob Manager" in entries[1]["text"]


def test_a_source_given_as_a_name_is_a_manual_entry(api_for, bob):
    created = api_for(bob).post("/leads", body(source="Walk-in", assigned_to=None)).json()

    assert created["source"] == {"name": "Walk-in", "kind": "manual"}


def test_a_managers_lead_without_an_assignee_goes_through_distribution(api_for, bob, carol, dave):
    created = api_for(bob).post("/leads", body(assigned_to=None)).json()

    assert created["assigned_to"]["email"] in {"bob@example.com", "carol@example.com", "dave@example.com"}
    lead = Lead.objects.get(pk=created["id"])
    assert "round robin" in lead.activities.get(kind="assigned").text


def test_a_salesperson_entering_a_lead_gets_it_unless_she_names_someone(api_for, carol, dave):
    own = api_for(carol).post("/leads", body(assigned_to=None)).json()
    for_dave = api_for(carol).post("/leads", body(assigned_to="dave@example.com")).json()

    assert own["assigned_to"]["email"] == "carol@example.com"
    assert for_dave["assigned_to"]["email"] == "dave@example.com"
    reasons = [e["text"] for e in api_for(carol).get(f"/leads/{own['id']}/activity").json() if e["kind"] == "assigned"]
    assert reasons == ["Assigned to Carol Seller: entered the lead themselves"]


def test_a_crm_salesperson_id_assigns_the_lead_under_crm_assign(api_for, bob, dave, riverside):
    riverside.distribution = {"sales": {"method": "crm_assign"}}
    riverside.save()
    Membership.objects.filter(user=dave).update(crm_id="4711")

    created = api_for(bob).post("/leads", body(assigned_to=None, crm_salesperson=4711)).json()

    assert created["assigned_to"]["email"] == "dave@example.com"
    timeline = api_for(bob).get(f"/leads/{created['id']}/activity").json()
    assert "4711" in next(e["text"] for e in timeline if e["kind"] == "assigned")


def test_an_unknown_crm_salesperson_falls_back_to_the_next_rule_and_says_so(api_for, bob, carol, riverside):
    riverside.distribution = {"sales": {"method": "crm_assign", "fallback": "carol@example.com"}}
    riverside.save()

    created = api_for(bob).post("/leads", body(assigned_to=None, crm_salesperson="9999")).json()

    assert created["assigned_to"] is not None
    timeline = api_for(bob).get(f"/leads/{created['id']}/activity").json()
    assert "9999" in next(e["text"] for e in timeline if e["kind"] == "assigned")


def test_a_repeat_customer_is_met_by_email_and_an_existing_one_can_be_named_by_id(api_for, bob, riverside):
    earlier = make_lead(riverside, customer={"first_name": "Jordan", "emails": ["jordan.sample@example.com"]})

    by_email = api_for(bob).post("/leads", body(assigned_to=None)).json()
    by_id = api_for(bob).post("/leads", body(assigned_to=None, customer={"id": earlier.customer_id})).json()

    assert by_email["customer"]["id"] == earlier.customer_id
    assert by_id["customer"]["id"] == earlier.customer_id


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"assigned_to": "nobody@example.com"}, "assigned_to"),
        ({"assigned_to": "erin@example.com"}, "assigned_to"),
        ({"assigned_to": "not an email"}, "assigned_to"),
        ({"customer": {"first_name": "A", "emails": ["jordan@"]}}, "customer.emails.0"),
        ({"customer": {}}, "customer"),
        ({"customer": {"id": 999999}}, "customer.id"),
        ({"source": ""}, "source.name"),
        ({"source": {"name": "X", "kind": "fax"}}, "source.kind"),
        ({"department": "parts"}, "department"),
        ({"assigned_too": "carol@example.com"}, "assigned_too"),
        ({"vehicles": [{"year": 1850}]}, "vehicles.0.year"),
        ({"vehicles": [{"price": "12.345"}]}, "vehicles.0.price"),
        ({"vehicles": [{"interest": "trade-in"}]}, "vehicles.0.interest"),
        ({"vehicles": [{"vin": "X" * 18}]}, "vehicles.0.vin"),
        ({"trades": [{"odometer": -5}]}, "trades.0.odometer"),
    ],
)
def test_bad_input_is_refused_with_422_naming_the_field_and_nothing_is_created(
    api_for, bob, carol, erin, changes, field
):
    customers = Customer.objects.count()

    response = api_for(bob).post("/leads", body(**changes))

    assert response.status_code == 422, response.content
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert field in [f["field"] for f in error["fields"]], error
    assert Lead.objects.count() == 0
    assert Customer.objects.count() == customers


def test_an_inactive_or_unassignable_colleague_cannot_be_named(api_for, bob, carol, dave):
    carol.is_active = False
    carol.save()
    Membership.objects.filter(user=dave).update(can_be_assigned=False)

    for email in ("carol@example.com", "dave@example.com"):
        response = api_for(bob).post("/leads", body(assigned_to=email))
        assert response.status_code == 422
    assert Lead.objects.count() == 0


@pytest.mark.parametrize(
    ("persona", "slug"), [("frank", "riverside-toyota"), ("erin", "riverside-toyota"), ("bob", "no-such-dealer")]
)
def test_a_lead_for_a_dealership_the_caller_does_not_work_at_is_404(api_for, request, bob, persona, slug):
    response = api_for(request.getfixturevalue(persona)).post("/leads", body(dealership=slug, assigned_to=None))

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    assert Lead.objects.count() == 0
    assert not Activity.objects.exists()


def test_a_customer_of_another_organisation_cannot_be_named(api_for, bob, hillside):
    stranger = make_lead(hillside).customer

    response = api_for(bob).post("/leads", body(assigned_to=None, customer={"id": stranger.pk}))

    assert response.status_code == 422
    assert Lead.objects.filter(dealership__slug="riverside-toyota").count() == 0


def test_a_nul_character_anywhere_in_the_body_is_refused(api_for, bob, carol):
    response = api_for(bob).post("/leads", body(comments="bad\x00byte"))

    assert response.status_code == 422
    assert "NUL" in response.json()["error"]["message"]
    assert Lead.objects.count() == 0


def test_relay_and_placeholder_addresses_never_make_two_people_one_customer(api_for, bob):
    people = [("Ann", "shared@anon.cargurus.com"), ("Ben", "shared@anon.cargurus.com")]
    people += [("Cy", "none@none.com"), ("Di", "none@none.com")]
    for first, email in people:
        response = api_for(bob).post(
            "/leads",
            {
                "dealership": "riverside-toyota",
                "customer": {"first_name": first, "last_name": "Walkin", "emails": [email]},
                "source": "Walk-in",
            },
        )
        assert response.status_code == 201, response.content
        assert response.json()["customer"]["first_name"] == first

    assert sorted(Customer.objects.values_list("first_name", flat=True)) == ["Ann", "Ben", "Cy", "Di"]

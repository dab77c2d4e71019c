"""Entering a lead by hand: find the past customer, or add a new one; the source is required."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from accounts.models import Membership, User
from conftest import make_lead
from dealerships.models import Dealership
from inventory.models import Vehicle
from leads.models import Activity, Customer, Lead


@pytest.fixture
def past_lead(riverside: Dealership, dave: User) -> Lead:
    return make_lead(
        riverside,
        assigned_to=dave,
        customer={
            "first_name": "Pat",
            "last_name": "Returning",
            "emails": ["pat@example.com"],
            "phones": [{"number": "(512) 555-0142", "type": "cellphone"}],
        },
    )


def new_lead(client: Any, riverside: Dealership, **data: Any) -> Any:
    fields = {"dealership": riverside.pk, "department": "sales", "source": "Walk-in"} | data
    return client.post(reverse("lead-new"), fields)


@pytest.mark.parametrize("typed", ["512-555-0142", "(512) 555 0142", "+15125550142", "pat@example.com", "Pat Ret"])
def test_past_customer_is_found_by_phone_email_or_name(
    client_for: Any, carol: User, past_lead: Lead, typed: str
) -> None:
    client = client_for(carol)
    fragment = client.get(reverse("lead-new-customer-search"), {"customer_q": typed})
    assert [c.pk for c in fragment.context["customer_results"]] == [past_lead.customer_id]
    assert f'name="existing_customer" id="existing-customer-{past_lead.customer_id}"' in fragment.content.decode()
    page = client.get(reverse("lead-new"), {"customer_q": typed})
    assert "Pat Returning" in page.content.decode()


def test_picking_a_past_customer_makes_a_new_lead_for_them(
    client_for: Any, riverside: Dealership, carol: User, past_lead: Lead
) -> None:
    customers = Customer.objects.count()
    response = new_lead(client_for(carol), riverside, existing_customer=past_lead.customer_id, comments="Back again")
    lead = Lead.objects.latest("id")
    assert response["Location"] == reverse("lead-detail", args=[lead.pk])
    assert lead.customer_id == past_lead.customer_id
    assert Customer.objects.count() == customers
    assert (lead.source_name, lead.source_kind, lead.comments) == ("Walk-in", "walk_in", "Back again")


def test_a_salespersons_lead_is_assigned_to_herself(
    client_for: Any, riverside: Dealership, carol: User, dave: User
) -> None:
    new_lead(client_for(carol), riverside, first_name="Ana", last_name="New", phone="512 555 0111", assigned_to=dave.pk)
    lead = Lead.objects.get(customer__first_name="Ana")
    assert lead.assigned_to == carol
    assert list(lead.customer.phones.values_list("number", flat=True)) == ["+15125550111"]
    created = lead.activities.get(kind=Activity.Kind.CREATED)
    assert created.actor == carol
    assert created.text == "Lead received from Walk-in (entered by Carol Seller)"


def test_a_manager_may_assign_the_lead_or_leave_it_for_distribution(
    client_for: Any, riverside: Dealership, bob: User, dave: User, frank: User
) -> None:
    client = client_for(bob)
    new_lead(client, riverside, first_name="Left", source="Phone call")
    left = Lead.objects.get(customer__first_name="Left")
    assert left.source_kind == "call"
    assert left.assigned_to in (bob, dave), "a lead nobody was named for goes through distribution"
    assert "round robin" in left.activities.get(kind="assigned").text
    new_lead(client, riverside, first_name="Given", assigned_to=dave.pk)
    assert Lead.objects.get(customer__first_name="Given").assigned_to == dave
    refused = new_lead(client, riverside, first_name="Stranger", assigned_to=frank.pk)
    assert refused.status_code == 422
    assert not Lead.objects.filter(customer__first_name="Stranger").exists()


def test_a_rooftop_in_tracking_mode_refuses_an_assignee_rather_than_dropping_it(
    client_for: Any, riverside: Dealership, bob: User, carol: User, dave: User
) -> None:
    riverside.mode = "tracking"
    riverside.save(update_fields=["mode"])
    refused = new_lead(client_for(bob), riverside, first_name="Given", assigned_to=dave.pk)
    assert refused.status_code == 422
    assert "runs in lead tracking mode" in refused.content.decode()
    assert not Lead.objects.filter(customer__first_name="Given").exists()
    new_lead(client_for(carol), riverside, first_name="Own")
    assert Lead.objects.get(customer__first_name="Own").assigned_to is None, "kept, worked in the other CRM"


def test_the_source_is_required(client_for: Any, riverside: Dealership, carol: User) -> None:
    response = new_lead(client_for(carol), riverside, source="", first_name="No", last_name="Source")
    assert response.status_code == 422
    assert "Say where the lead came from." in response.content.decode()
    other = new_lead(client_for(carol), riverside, source="Other", source_other=" ", first_name="No")
    assert other.status_code == 422
    assert "Name the source." in other.content.decode()
    assert not Lead.objects.exists()


def test_a_free_text_source_is_kept_as_typed(client_for: Any, riverside: Dealership, carol: User) -> None:
    new_lead(client_for(carol), riverside, source="Other", source_other="Radio ad", first_name="Radio")
    lead = Lead.objects.get()
    assert (lead.source_name, lead.source_kind) == ("Radio ad", "manual")


def test_a_new_customer_needs_a_name_and_a_readable_phone(client_for: Any, riverside: Dealership, carol: User) -> None:
    nameless = new_lead(client_for(carol), riverside, phone="512 555 0111")
    assert nameless.status_code == 422
    assert "Pick a past customer above, or give the new customer&#x27;s name." in nameless.content.decode()
    bad_phone = new_lead(client_for(carol), riverside, first_name="Ana", phone="call me maybe")
    assert bad_phone.status_code == 422
    assert "This is not a phone number." in bad_phone.content.decode()
    made_up = new_lead(client_for(carol), riverside, first_name="Ana", phone="999-999-9999")
    assert made_up.status_code == 422
    assert "This is not a phone number." in made_up.content.decode()
    assert not Lead.objects.exists()
    assert not Lead.objects.exists()
    assert not Customer.objects.exists()


def test_a_new_customer_with_a_known_phone_meets_the_past_customer(
    client_for: Any, riverside: Dealership, carol: User, past_lead: Lead
) -> None:
    new_lead(client_for(carol), riverside, first_name="Pat", phone="512.555.0142")
    assert Lead.objects.latest("id").customer_id == past_lead.customer_id


def test_a_vehicle_by_stock_number_or_as_a_search_vehicle(client_for: Any, riverside: Dealership, carol: User) -> None:
    Vehicle.objects.create(dealership=riverside, stock="T777", year=2024, make="Toyota", model="Tundra")
    client = client_for(carol)
    new_lead(client, riverside, first_name="Stock", vehicle_stock="t777")
    stocked = Lead.objects.get(customer__first_name="Stock").vehicles.get()
    assert (stocked.stock, stocked.inventory_vehicle is not None, stocked.preferred) == ("T777", True, True)
    new_lead(
        client, riverside, first_name="Search", vehicle_year="2021", vehicle_make="Toyota", vehicle_model="4Runner"
    )
    searched = Lead.objects.get(customer__first_name="Search").vehicles.get()
    assert (searched.search_vehicle, searched.model) == (True, "4Runner")
    unknown = new_lead(client, riverside, first_name="Nope", vehicle_stock="X1")
    assert unknown.status_code == 422
    assert "No vehicle with stock # X1 at Riverside Toyota." in unknown.content.decode()


def test_customers_and_dealerships_of_other_groups_cannot_be_used(
    client_for: Any, riverside: Dealership, hillside: Dealership, carol: User
) -> None:
    stranger = make_lead(hillside, customer={"first_name": "Out", "last_name": "Sider"}).customer
    leads = Lead.objects.count()
    client = client_for(carol)
    assert new_lead(client, riverside, existing_customer=stranger.pk).status_code == 422
    assert new_lead(client, hillside, first_name="Wrong", last_name="Place").status_code == 422
    assert Lead.objects.count() == leads


def test_someone_at_two_dealerships_chooses_where_the_lead_goes(
    client_for: Any, riverside: Dealership, lakeside: Dealership, carol: User
) -> None:
    Membership.objects.create(user=carol, dealership=lakeside, role=Membership.Role.SALESPERSON)
    client = client_for(carol)
    assert 'id="id_dealership"' in client.get(reverse("lead-new")).content.decode()
    new_lead(client, lakeside, first_name="Lake", department="service")
    lead = Lead.objects.get()
    assert (lead.dealership, lead.department, lead.assigned_to) == (lakeside, "service", carol)

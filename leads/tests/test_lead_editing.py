"""Working a lead on its page: every edit lands on the timeline with who made it; bad input changes nothing."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
import time_machine
from django.urls import reverse

from accounts.models import User
from conftest import make_lead
from dealerships.models import Dealership
from inventory.models import Vehicle
from leads.models import Activity, Customer, Lead


def post(client: Any, name: str, lead: Lead, data: dict[str, Any] | None = None, **kwargs: Any) -> Any:
    return client.post(reverse(name, kwargs={"lead_id": lead.pk, **kwargs}), data or {})


def timeline_top(lead: Lead) -> Activity:
    return lead.activities.order_by("-at", "-id").first()  # type: ignore[return-value]


def snapshot(lead: Lead) -> tuple[Any, ...]:
    lead.refresh_from_db()
    return (
        lead.status,
        lead.source_name,
        lead.department,
        lead.comments,
        lead.co_customer_id,
        list(lead.vehicles.values_list("pk", "preferred")),
        list(lead.trades.values_list("pk", flat=True)),
        list(lead.collaborators.values_list("pk", flat=True)),
        list(lead.customer.phones.values_list("number", flat=True)),
        list(lead.customer.emails.values_list("email", flat=True)),
        lead.activities.count(),
    )


@pytest.fixture
def carol_client(client_for: Any, carol: User) -> Any:
    return client_for(carol)


def test_editing_details_shows_old_and_new_values_with_the_actor(carol_client: Any, carols_lead: Lead) -> None:
    response = post(
        carol_client,
        "lead-details",
        carols_lead,
        {"department": "sales", "source_name": "Cars.com", "source_ref": "A-1", "comments": "Wants a tow package"},
    )
    assert response.status_code == 302
    assert response["Location"].endswith(f"/leads/{carols_lead.pk}/#details")
    page = carol_client.get(response["Location"]).content.decode()
    assert "source name: CarGurus → Cars.com" in page
    assert "Wants a tow package" in page
    entry = timeline_top(carols_lead)
    assert entry.kind == Activity.Kind.EDITED
    assert entry.actor.name == "Carol Seller"  # type: ignore[union-attr]


def test_details_without_a_source_are_refused(carol_client: Any, carols_lead: Lead) -> None:
    before = snapshot(carols_lead)
    response = post(carol_client, "lead-details", carols_lead, {"department": "sales", "source_name": "  "})
    assert response.status_code == 422
    assert "This field is required." in response.content.decode()
    assert snapshot(carols_lead) == before


def test_lost_needs_a_reason(carol_client: Any, carols_lead: Lead) -> None:
    before = snapshot(carols_lead)
    response = post(carol_client, "lead-status", carols_lead, {"status": "lost", "lost_reason": ""})
    assert response.status_code == 422
    assert "Say why the lead was lost." in response.content.decode()
    assert snapshot(carols_lead) == before

    post(carol_client, "lead-status", carols_lead, {"status": "lost", "lost_reason": "Bought elsewhere"})
    carols_lead.refresh_from_db()
    assert (carols_lead.status, carols_lead.lost_reason) == ("lost", "Bought elsewhere")
    page = carol_client.get(reverse("lead-detail", args=[carols_lead.pk])).content.decode()
    assert "Status: New → Lost (Bought elsewhere)" in page
    assert "Lost: Bought elsewhere" in page


def test_an_unknown_status_changes_nothing(carol_client: Any, carols_lead: Lead) -> None:
    before = snapshot(carols_lead)
    assert post(carol_client, "lead-status", carols_lead, {"status": "won"}).status_code == 422
    assert snapshot(carols_lead) == before


def test_customer_phones_are_stored_in_e164_and_shown_nationally(carol_client: Any, carols_lead: Lead) -> None:
    data = {
        "first_name": "Jordan",
        "last_name": "Sample-Smith",
        "phone_number": ["(512) 555-0100", "512.555.0199", ""],
        "phone_type": ["cellphone", "voice", "cellphone"],
        "email": ["jordan@example.com", "J.Work@Example.com", ""],
        "street": "1 Main St\nApt 4",
        "city": "Austin",
        "region": "TX",
        "postal_code": "78701",
        "country": "us",
    }
    assert post(carol_client, "lead-customer", carols_lead, data).status_code == 302
    customer = Customer.objects.get(pk=carols_lead.customer_id)
    assert list(customer.phones.values_list("number", "type")) == [
        ("+15125550100", "cellphone"),
        ("+15125550199", "voice"),
    ]
    assert list(customer.emails.values_list("email", flat=True)) == ["jordan@example.com", "j.work@example.com"]
    assert (customer.last_name, customer.street, customer.country) == ("Sample-Smith", ["1 Main St", "Apt 4"], "US")
    page = carol_client.get(reverse("lead-detail", args=[carols_lead.pk])).content.decode()
    assert "(512) 555-0199" in page
    assert "changed last name" in page
    assert "phones" in page


def test_a_bad_phone_or_email_changes_nothing(carol_client: Any, carols_lead: Lead) -> None:
    before = snapshot(carols_lead)
    data = {"first_name": "Changed", "phone_number": ["call me"], "phone_type": ["voice"], "email": ["not-an-email"]}
    response = post(carol_client, "lead-customer", carols_lead, data)
    assert response.status_code == 422
    page = response.content.decode()
    assert "“call me” is not a phone number." in page
    assert "“not-an-email” is not an email address." in page
    assert snapshot(carols_lead) == before
    assert Customer.objects.get(pk=carols_lead.customer_id).first_name == "Jordan"


def test_co_customer_can_be_added_from_past_customers_swapped_and_removed(
    carol_client: Any, riverside: Dealership, carols_lead: Lead
) -> None:
    past = make_lead(
        riverside, customer={"first_name": "Riley", "last_name": "Partner", "phones": [{"number": "+15125550150"}]}
    )
    found = carol_client.get(reverse("lead-co-customer-search", args=[carols_lead.pk]), {"customer_q": "512 555 0150"})
    assert [c.pk for c in found.context["customer_results"]] == [past.customer_id]

    assert post(carol_client, "lead-co-customer-add", carols_lead, {"customer": past.customer_id}).status_code == 302
    carols_lead.refresh_from_db()
    assert carols_lead.co_customer_id == past.customer_id
    assert timeline_top(carols_lead).text == "Co-customer set to Riley Partner"

    post(carol_client, "lead-co-customer-swap", carols_lead)
    carols_lead.refresh_from_db()
    assert carols_lead.customer.display_name == "Riley Partner"
    assert carols_lead.co_customer.display_name == "Jordan Sample"  # type: ignore[union-attr]
    page = carol_client.get(reverse("lead-detail", args=[carols_lead.pk])).content.decode()
    assert "Customers swapped: Riley Partner is now the customer" in page
    assert '<h1 id="lead-customer-name">Riley Partner</h1>' in page

    post(carol_client, "lead-co-customer-remove", carols_lead)
    carols_lead.refresh_from_db()
    assert carols_lead.co_customer is None
    assert timeline_top(carols_lead).text == "Co-customer removed"
    assert timeline_top(carols_lead).actor.name == "Carol Seller"  # type: ignore[union-attr]


def test_a_new_co_customer_can_be_added_by_name(carol_client: Any, carols_lead: Lead) -> None:
    data = {"first_name": "Sam", "last_name": "Spouse", "phone": "512-555-0166", "email": ""}
    assert post(carol_client, "lead-co-customer-add", carols_lead, data).status_code == 302
    carols_lead.refresh_from_db()
    co = carols_lead.co_customer
    assert co is not None
    assert co.display_name == "Sam Spouse"
    assert list(co.phones.values_list("number", flat=True)) == ["+15125550166"]


def test_co_customer_needs_a_customer_or_a_name_and_never_one_of_another_group(
    carol_client: Any, carols_lead: Lead, hillside: Dealership
) -> None:
    stranger = make_lead(hillside, customer={"first_name": "Out", "last_name": "Sider"}).customer
    before = snapshot(carols_lead)
    assert post(carol_client, "lead-co-customer-add", carols_lead, {}).status_code == 422
    assert post(carol_client, "lead-co-customer-add", carols_lead, {"customer": stranger.pk}).status_code == 422
    itself = post(carol_client, "lead-co-customer-add", carols_lead, {"customer": carols_lead.customer_id})
    assert itself.status_code == 422
    assert snapshot(carols_lead) == before


def test_swapping_without_a_co_customer_changes_nothing(carol_client: Any, carols_lead: Lead) -> None:
    before = snapshot(carols_lead)
    response = post(carol_client, "lead-co-customer-swap", carols_lead)
    assert response.status_code == 302
    assert "This lead has no co-customer to swap with." in carol_client.get(response["Location"]).content.decode()
    assert snapshot(carols_lead) == before


def test_vehicles_from_stock_and_search_vehicles_and_the_preferred_one(
    carol_client: Any, riverside: Dealership, hillside: Dealership, carols_lead: Lead
) -> None:
    unit = Vehicle.objects.create(
        dealership=riverside, stock="T555", vin="4T1BF1FK5CU123456", year=2023, make="Toyota", model="Camry", trim="SE"
    )
    elsewhere = Vehicle.objects.create(dealership=hillside, stock="F1", year=2023, make="Ford", model="F-150")
    for typed in ("T555", "123456", "Toyota Cam", "4T1BF1FK5CU123456"):
        found = carol_client.get(reverse("lead-stock-search", args=[carols_lead.pk]), {"stock_q": typed})
        assert [v.pk for v in found.context["stock_results"]] == [unit.pk], typed
    before = snapshot(carols_lead)
    assert post(carol_client, "lead-vehicle-add-stock", carols_lead, {"vehicle": elsewhere.pk}).status_code == 422
    assert snapshot(carols_lead) == before

    post(carol_client, "lead-vehicle-add-stock", carols_lead, {"vehicle": unit.pk})
    added = carols_lead.vehicles.get(stock="T555")
    assert (added.inventory_vehicle, added.preferred, added.search_vehicle) == (unit, False, False)
    assert timeline_top(carols_lead).text == "Vehicle added (stock #T555): 2023 Toyota Camry SE"

    post(carol_client, "lead-vehicle-add-search", carols_lead, {"year": 2024, "make": "Toyota", "model": "Tacoma"})
    assert carols_lead.vehicles.get(model="Tacoma").search_vehicle

    post(carol_client, "lead-vehicle-preferred", carols_lead, vehicle_id=added.pk)
    assert list(carols_lead.vehicles.filter(preferred=True).values_list("stock", flat=True)) == ["T555"]
    assert timeline_top(carols_lead).text == "Preferred vehicle: 2023 Toyota Camry SE"
    page = carol_client.get(reverse("lead-detail", args=[carols_lead.pk])).content.decode()
    assert page.index("2023 Toyota Camry SE") < page.index("2016 RAM 2500")

    post(carol_client, "lead-vehicle-remove", carols_lead, vehicle_id=added.pk)
    assert carols_lead.vehicles.filter(preferred=True).count() == 1
    assert not carols_lead.vehicles.filter(stock="T555").exists()


def test_a_search_vehicle_needs_a_year_make_or_model(carol_client: Any, carols_lead: Lead) -> None:
    before = snapshot(carols_lead)
    response = post(carol_client, "lead-vehicle-add-search", carols_lead, {"trim": "XLE"})
    assert response.status_code == 422
    assert "Give at least a year, make or model." in response.content.decode()
    assert (
        post(carol_client, "lead-vehicle-add-search", carols_lead, {"year": "soon", "make": "Toyota"}).status_code
        == 422
    )
    assert snapshot(carols_lead) == before


def test_trades_can_be_added_and_removed(carol_client: Any, carols_lead: Lead) -> None:
    before = snapshot(carols_lead)
    assert post(carol_client, "lead-trade-add", carols_lead, {"year": "old", "make": "Honda"}).status_code == 422
    assert post(carol_client, "lead-trade-add", carols_lead, {"notes": "just notes"}).status_code == 422
    assert snapshot(carols_lead) == before

    post(
        carol_client,
        "lead-trade-add",
        carols_lead,
        {"year": 2012, "make": "Honda", "model": "Civic", "odometer": 120000},
    )
    trade = carols_lead.trades.get()
    assert timeline_top(carols_lead).text == "Trade added: 2012 Honda Civic"
    post(carol_client, "lead-trade-remove", carols_lead, trade_id=trade.pk)
    assert not carols_lead.trades.exists()
    assert timeline_top(carols_lead).text == "Trade removed: 2012 Honda Civic"


def test_collaborators_are_colleagues_of_the_dealership(
    carol_client: Any, carols_lead: Lead, dave: User, frank: User
) -> None:
    before = snapshot(carols_lead)
    response = post(carol_client, "lead-collaborator-add", carols_lead, {"user": frank.pk})
    assert response.status_code == 422
    assert "Pick someone who works at this dealership." in response.content.decode()
    assert snapshot(carols_lead) == before

    post(carol_client, "lead-collaborator-add", carols_lead, {"user": dave.pk})
    assert list(carols_lead.collaborators.all()) == [dave]
    assert timeline_top(carols_lead).text == "Dave Seller now collaborates"
    post(carol_client, "lead-collaborator-remove", carols_lead, user_id=dave.pk)
    assert not carols_lead.collaborators.exists()


def test_a_salesperson_who_stops_collaborating_is_sent_back_to_the_list(
    client_for: Any, riverside: Dealership, carol: User, dave: User
) -> None:
    lead = make_lead(riverside, assigned_to=dave)
    lead.collaborators.add(carol)
    response = post(client_for(carol), "lead-collaborator-remove", lead, user_id=carol.pk)
    assert response["Location"] == reverse("lead-list")


@time_machine.travel(datetime(2026, 3, 16, 20, 37, tzinfo=UTC), tick=False)
def test_logging_a_contact_is_the_first_response(carol_client: Any, riverside: Dealership, carol: User) -> None:
    lead = make_lead(riverside, assigned_to=carol, received_at=datetime(2026, 3, 16, 20, 25, tzinfo=UTC))
    post(carol_client, "lead-contact", lead, {"kind": "call", "note": "Left a voicemail"})
    lead.refresh_from_db()
    assert lead.first_response_at == datetime(2026, 3, 16, 20, 37, tzinfo=UTC)
    assert lead.status == Lead.Status.WORKING
    page = carol_client.get(reverse("lead-detail", args=[lead.pk])).content.decode()
    # Riverside is in Austin: 20:37 UTC is 3:37 pm CDT, 12 minutes after the lead came in.
    assert "Mon Mar 16, 3:25 PM" in page
    assert "(after 12m)" in page
    assert "Call logged: Left a voicemail" in page


def test_a_contact_of_an_unknown_kind_or_an_empty_note_changes_nothing(carol_client: Any, carols_lead: Lead) -> None:
    before = snapshot(carols_lead)
    assert post(carol_client, "lead-contact", carols_lead, {"kind": "pigeon"}).status_code == 422
    response = post(carol_client, "lead-note", carols_lead, {"text": "   "})
    assert response.status_code == 422
    assert snapshot(carols_lead) == before
    carols_lead.refresh_from_db()
    assert carols_lead.first_response_at is None


def test_the_timeline_is_newest_first_with_actor_and_local_time(
    carol_client: Any, riverside: Dealership, carol: User
) -> None:
    with time_machine.travel(datetime(2026, 7, 1, 14, 0, tzinfo=UTC), tick=False):
        carols_lead = make_lead(riverside, assigned_to=carol)
    with time_machine.travel(datetime(2026, 7, 1, 15, 0, tzinfo=UTC), tick=False):
        post(carol_client, "lead-note", carols_lead, {"text": "First note"})
    with time_machine.travel(datetime(2026, 7, 1, 16, 0, tzinfo=UTC), tick=False):
        post(carol_client, "lead-note", carols_lead, {"text": "Second note"})
    with time_machine.travel(datetime(2026, 7, 2, 12, 0, tzinfo=UTC)):  # this year's times show no year
        page = carol_client.get(reverse("lead-detail", args=[carols_lead.pk])).content.decode()
    timeline = page[page.index('id="timeline"') :]
    assert timeline.index("Second note") < timeline.index("First note") < timeline.index("Lead received from CarGurus")
    assert "Wed Jul 1, 11:00 AM" in timeline
    assert "Carol Seller" in timeline


def test_htmx_posts_get_the_page_back_and_errors_answer_422(carol_client: Any, carols_lead: Lead) -> None:
    url = reverse("lead-note", args=[carols_lead.pk])
    ok = carol_client.post(url, {"text": "Via htmx"}, headers={"HX-Request": "true"}, follow=True)
    assert ok.status_code == 200
    assert 'id="lead"' in ok.content.decode()
    assert "Via htmx" in ok.content.decode()
    bad = carol_client.post(url, {"text": ""}, headers={"HX-Request": "true"})
    assert bad.status_code == 422
    assert "This field is required." in bad.content.decode()

"""The leads list: the search box, the filters and the pages."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import Membership, User
from conftest import make_lead
from dealerships.models import Dealership
from leads.models import Lead


def listed(client: Any, **params: Any) -> list[int]:
    response = client.get(reverse("lead-list"), params)
    assert response.status_code == 200
    return [lead.pk for lead in response.context["leads"]]


@pytest.fixture
def jordan(riverside: Dealership, bob: User) -> Lead:
    return make_lead(
        riverside,
        assigned_to=bob,
        customer={
            "first_name": "Jordan",
            "last_name": "Sample",
            "emails": ["Jordan.Sample@Example.com"],
            "phones": [{"number": "(512) 555-0100", "type": "cellphone"}],
        },
        vehicles=[{"year": 2016, "make": "RAM", "model": "2500", "vin": "3C6UR5ML5GG359865", "stock": "D9760"}],
    )


@pytest.fixture
def casey(riverside: Dealership) -> Lead:
    return make_lead(
        riverside,
        source_name="Cars.com",
        department="service",
        customer={"first_name": "Casey", "last_name": "Other", "phones": [{"number": "+15125550199"}]},
        vehicles=[{"year": 2020, "make": "Toyota", "model": "RAV4", "search_vehicle": True}],
    )


@pytest.mark.parametrize("typed", ["512-555-0100", "(512) 555 0100", "+15125550100", "5125550100", "512.555.0100"])
def test_phone_in_any_format_finds_the_lead(client_for: Any, bob: User, jordan: Lead, casey: Lead, typed: str) -> None:
    assert listed(client_for(bob), q=typed) == [jordan.pk]


def test_email_finds_the_lead_whatever_its_case(client_for: Any, bob: User, jordan: Lead, casey: Lead) -> None:
    assert listed(client_for(bob), q="JORDAN.sample@example.COM") == [jordan.pk]


@pytest.mark.parametrize("typed", ["jor", "Jordan", "sam", "Jordan Sam", "JORDAN SAMPLE"])
def test_name_prefix_finds_the_lead(client_for: Any, bob: User, jordan: Lead, casey: Lead, typed: str) -> None:
    assert listed(client_for(bob), q=typed) == [jordan.pk]


def test_a_name_that_matches_nobody_says_so(client_for: Any, bob: User, jordan: Lead) -> None:
    response = client_for(bob).get(reverse("lead-list"), {"q": "Zebedee"})
    assert response.context["leads"] == []
    assert "No leads match this search." in response.content.decode()


def test_vin_and_stock_number_find_the_lead(client_for: Any, bob: User, jordan: Lead, casey: Lead) -> None:
    client = client_for(bob)
    assert listed(client, q="3C6UR5ML5GG359865") == [jordan.pk]
    assert listed(client, q="3c6ur5ml5gg359865") == [jordan.pk]
    assert listed(client, q="D9760") == [jordan.pk]
    assert listed(client, q="d9760") == [jordan.pk]


def test_search_never_reaches_beyond_what_the_user_may_see(
    client_for: Any, carol: User, jordan: Lead, casey: Lead
) -> None:
    assert listed(client_for(carol), q="Jordan") == []
    assert listed(client_for(carol), q="512-555-0100") == []


def test_filters_by_status_source_department_and_search_vehicle(
    client_for: Any, bob: User, jordan: Lead, casey: Lead
) -> None:
    client = client_for(bob)
    Lead.objects.filter(pk=jordan.pk).update(status=Lead.Status.SOLD)
    assert listed(client, status="sold") == [jordan.pk]
    assert listed(client, status="open") == [casey.pk]
    assert listed(client, source="Cars.com") == [casey.pk]
    assert listed(client, department="service") == [casey.pk]
    assert listed(client, vehicle="yes") == [casey.pk]
    assert listed(client, vehicle="no") == [jordan.pk]
    assert listed(client, source="CarGurus", status="open") == []


def test_filters_by_assignee_or_unassigned(client_for: Any, bob: User, carol: User, jordan: Lead, casey: Lead) -> None:
    client = client_for(bob)
    assert listed(client, assigned_to="bob@example.com") == [jordan.pk]
    assert listed(client, assigned_to="none") == [casey.pk]
    options = client.get(reverse("lead-list")).content.decode()
    assert '<option value="carol@example.com">Carol Seller</option>' in options
    assert '<option value="none">Unassigned</option>' in options


def test_source_filter_offers_the_sources_of_visible_leads_only(
    client_for: Any, bob: User, jordan: Lead, casey: Lead, hillside: Dealership
) -> None:
    make_lead(hillside, source_name="Hillside Secret Source")
    form = client_for(bob).get(reverse("lead-list")).context["form"]
    offered = [value for value, _ in form.fields["source"].widget.choices]
    assert offered == ["", "CarGurus", "Cars.com"]


def test_a_salesperson_is_offered_the_sources_of_her_own_and_helped_leads_only(
    client_for: Any, riverside: Dealership, carol: User, dave: User
) -> None:
    make_lead(riverside, assigned_to=carol, source_name="Walk-in")
    make_lead(riverside, assigned_to=dave, source_name="TrueCar").collaborators.add(carol)
    make_lead(riverside, assigned_to=dave, source_name="Dave's Own Source")
    make_lead(riverside, source_name="Unassigned Source")
    form = client_for(carol).get(reverse("lead-list")).context["form"]
    offered = [value for value, _ in form.fields["source"].widget.choices]
    assert offered == ["", "TrueCar", "Walk-in"]


def test_a_bad_filter_value_is_reported_and_ignored(client_for: Any, bob: User, jordan: Lead, casey: Lead) -> None:
    response = client_for(bob).get(reverse("lead-list"), {"status": "bogus", "department": "sales", "page": "x"})
    assert response.status_code == 200
    assert [lead.pk for lead in response.context["leads"]] == [jordan.pk]
    assert "Select a valid choice" in response.content.decode()


def test_dealership_filter_appears_for_someone_working_at_several(
    client_for: Any, bob: User, lakeside: Dealership, jordan: Lead
) -> None:
    Membership.objects.create(user=bob, dealership=lakeside, role=Membership.Role.MANAGER)
    lakeside_lead = make_lead(lakeside, customer={"first_name": "Lake", "last_name": "Person"})
    client = client_for(bob)
    page = client.get(reverse("lead-list")).content.decode()
    assert 'id="id_dealership"' in page
    assert listed(client, dealership="lakeside-honda") == [lakeside_lead.pk]
    assert listed(client, dealership="riverside-toyota") == [jordan.pk]


def test_dealership_filter_is_hidden_for_someone_at_one_dealership(client_for: Any, bob: User, jordan: Lead) -> None:
    assert 'id="id_dealership"' not in client_for(bob).get(reverse("lead-list")).content.decode()


def test_pages_of_25_newest_first_keep_the_filters(client_for: Any, riverside: Dealership, bob: User) -> None:
    start = timezone.now() - timedelta(days=1)
    leads = [
        make_lead(
            riverside,
            received_at=start + timedelta(minutes=i),
            customer={"first_name": f"Person{i:02}", "last_name": "Paged"},
        )
        for i in range(30)
    ]
    make_lead(riverside, source_name="Walk-in", customer={"first_name": "Not", "last_name": "Listed"})
    newest_first = [lead.pk for lead in reversed(leads)]
    client = client_for(bob)

    first = client.get(reverse("lead-list"), {"source": "CarGurus"})
    assert [lead.pk for lead in first.context["leads"]] == newest_first[:25]
    body = first.content.decode()
    assert 'href="?source=CarGurus&amp;page=2&amp;after=' in body
    assert "Page 1" in body
    assert 'id="page-previous"' not in body

    second = client.get(reverse("lead-list"), {"source": "CarGurus", "page": 2})
    assert [lead.pk for lead in second.context["leads"]] == newest_first[25:]
    body = second.content.decode()
    assert 'href="?source=CarGurus"' in body
    assert 'id="page-next"' not in body


def test_the_list_costs_the_same_few_queries_for_2_or_25_leads(
    client_for: Any, riverside: Dealership, bob: User
) -> None:
    client = client_for(bob)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("lead-list")).status_code == 200
        return len(captured)

    for i in range(2):
        make_lead(
            riverside, assigned_to=bob, customer={"first_name": f"A{i}", "phones": [{"number": f"+1512555010{i}"}]}
        )
    few = queries()
    for i in range(23):
        make_lead(
            riverside,
            assigned_to=bob,
            customer={"first_name": f"B{i}", "phones": [{"number": f"+151255502{i:02}"}]},
            vehicles=[{"make": "Toyota", "model": "Camry"}],
        )
    assert queries() == few
    # Session, user, the page's time zone, who sees what, the page's ids, then its leads and their
    # vehicles and phones, the menu, the bell, whether the customer simulator is offered: a fixed
    # handful, whatever the number of leads.
    assert few <= 14


def test_a_broad_search_finds_the_same_leads_as_a_narrow_one(
    client_for: Any, riverside: Dealership, bob: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Searches matching many customers are answered another way (see search.MATCH_LIMIT); same answer."""
    jordans = [
        make_lead(
            riverside,
            customer={"first_name": "Jordan", "last_name": f"N{i}", "phones": [{"number": f"+1512555030{i}"}]},
        )
        for i in range(3)
    ]
    make_lead(riverside, customer={"first_name": "Kim", "last_name": "Other"})
    client = client_for(bob)
    narrow = listed(client, q="jordan")
    monkeypatch.setattr("leads.search.MATCH_LIMIT", 1)
    assert listed(client, q="jordan") == narrow == [lead.pk for lead in reversed(jordans)]

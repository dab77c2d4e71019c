"""Searching leads by the customer's name: each role finds exactly the leads it sees whose customer's
first, last or business name starts with every word typed, newest first, however the customer got
that name (a new lead, an edit, a swap with the co-customer, or a lead stored before names were
kept on the lead)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from conftest import make_lead
from dealerships.models import Dealership
from leads import actions
from leads.models import Customer, Lead
from leads.queries import leads_visible_to
from leads.search import _name_matches


def listed(client: Any, q: str) -> list[int]:
    response = client.get(reverse("lead-list"), {"q": q})
    assert response.status_code == 200
    return [lead.pk for lead in response.context["leads"]]


def api_listed(user: User, q: str, client: Any) -> list[int]:
    from accounts.models import ApiToken

    token = ApiToken.issue(user=user, name="test")[1]
    response = client.get("/api/v1/leads", {"q": q}, HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200
    return [item["id"] for item in response.json()["items"]]


def customers_named(user: User, q: str) -> list[int]:
    """What the user should find: the leads they see whose customer (not the lead) is so named."""
    named = Customer.objects.filter(_name_matches(q))
    return list(
        leads_visible_to(user).filter(customer__in=named).order_by("-received_at", "-id").values_list("pk", flat=True)
    )


@pytest.fixture
def named_leads(riverside: Dealership, lakeside: Dealership, hillside: Dealership, carol: User, dave: User) -> None:
    people = [
        ({"first_name": "Maria", "last_name": "Garcia"}, carol),
        ({"first_name": "Gary", "last_name": "Smith"}, dave),
        ({"first_name": "Ann", "last_name": "Gardner"}, None),
        ({"business_name": "Garner Plumbing LLC"}, carol),
        ({"first_name": "John", "last_name": "Smithers"}, carol),
        ({"first_name": "Joe", "last_name": "Brown"}, dave),
    ]
    now = timezone.now()
    for i, (customer, seller) in enumerate(people * 2):
        lead = make_lead(riverside, assigned_to=seller, customer=customer, received_at=now - timedelta(hours=i))
        if i == 7:  # Dave's Gary Smith, on which Carol helps
            actions.add_collaborator(lead=lead, user=carol, actor=carol)
    make_lead(lakeside, customer={"first_name": "Garth", "last_name": "Lake"})
    make_lead(hillside, customer={"first_name": "Gareth", "last_name": "Hill"})


@pytest.mark.parametrize("q", ["gar", "Smi", "smith", "GARY SMI", "maria gar", "plumb", "zz"])
@pytest.mark.parametrize("who", ["alice", "bob", "carol", "dave", "erin", "frank"])
def test_each_role_finds_the_leads_it_sees_of_customers_so_named(
    client_for: Any, named_leads: None, who: str, q: str, request: pytest.FixtureRequest
) -> None:
    user = request.getfixturevalue(who)
    client = client_for(user)
    expected = customers_named(user, q)
    assert listed(client, q) == expected[:25]
    assert api_listed(user, q, client) == expected[:50]


def test_the_seller_finds_their_own_and_the_leads_they_help_on(client_for: Any, named_leads: None, carol: User) -> None:
    found = Lead.objects.filter(pk__in=listed(client_for(carol), "smi"))
    assert sorted((lead.customer.display_name, lead.assigned_to.name) for lead in found) == [  # type: ignore[union-attr]
        ("Gary Smith", "Dave Seller"),
        ("John Smithers", "Carol Seller"),
        ("John Smithers", "Carol Seller"),
    ]


def test_a_renamed_customer_is_found_by_the_new_name_only(client_for: Any, riverside: Dealership, carol: User) -> None:
    lead = make_lead(riverside, assigned_to=carol, customer={"first_name": "Maria", "last_name": "Garcia"})
    other = make_lead(riverside, assigned_to=carol, customer={"first_name": "Ann", "last_name": "Smith"})
    actions.update_customer(
        customer=lead.customer, lead=lead, actor=carol, changes={"first_name": "Marie", "last_name": "Lopez"}
    )
    client = client_for(carol)
    assert listed(client, "garcia") == []
    assert listed(client, "maria") == []
    assert listed(client, "marie lop") == [lead.pk]
    assert listed(client, "smith") == [other.pk]


def test_a_customer_on_several_leads_is_found_on_each_after_a_rename(
    client_for: Any, riverside: Dealership, bob: User
) -> None:
    first = make_lead(riverside, customer={"first_name": "Pat", "last_name": "Garcia", "emails": ["pat@example.com"]})
    again = make_lead(riverside, customer={"first_name": "Pat", "emails": ["pat@example.com"]})
    assert again.customer_id == first.customer_id
    actions.update_customer(customer=first.customer, lead=first, actor=bob, changes={"last_name": "Nguyen"})
    assert listed(client_for(bob), "nguy") == [again.pk, first.pk]


def test_after_a_swap_the_lead_is_found_by_its_new_customers_name(
    client_for: Any, riverside: Dealership, carol: User
) -> None:
    lead = make_lead(
        riverside,
        assigned_to=carol,
        customer={"first_name": "Maria", "last_name": "Garcia"},
        co_customer={"first_name": "Luis", "last_name": "Torres"},
    )
    client = client_for(carol)
    assert (listed(client, "garcia"), listed(client, "torres")) == ([lead.pk], [])
    actions.swap_customers(lead=Lead.objects.get(pk=lead.pk), actor=carol)
    assert (listed(client, "garcia"), listed(client, "torres")) == ([], [lead.pk])


# Leads stored before each lead kept its customer's names ----------------------------------------

BEFORE = ("leads", "0008_lead_dealership_index_carries_assignee_and_customer")


@pytest.fixture
def executor(transactional_db: None) -> Iterator[MigrationExecutor]:
    executor = MigrationExecutor(connection)
    try:
        yield executor
    finally:
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())


def test_leads_stored_before_are_found_by_their_customers_names(
    executor: MigrationExecutor, client_for: Any, riverside: Dealership, bob: User
) -> None:
    executor.migrate([BEFORE])
    apps = executor.loader.project_state([BEFORE]).apps
    Customer0 = apps.get_model("leads", "Customer")
    Lead0 = apps.get_model("leads", "Lead")
    ids = []
    for first, last, business in [("Maria", "Garcia", ""), ("", "", "Garner Plumbing LLC"), ("Joe", "Brown", "")]:
        customer = Customer0.objects.create(
            organization_id=riverside.organization_id, first_name=first, last_name=last, business_name=business
        )
        lead = Lead0.objects.create(dealership_id=riverside.pk, customer=customer, source_name="CarGurus")
        ids.append(lead.pk)

    executor.loader.build_graph()
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())  # through KEPT to today's schema

    client = client_for(bob)
    assert listed(client, "gar") == [ids[1], ids[0]]
    assert listed(client, "brown joe") == [ids[2]]

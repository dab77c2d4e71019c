"""Who sees what on the lead screens.

Every route of leads/urls.py is walked: a lead the user may not see answers 404 to GET and POST
alike (its existence leaks nothing), a lead they may see answers (200, or 405 for a POST-only
route, which proves the lead was found first), and an anonymous visitor is sent to log in.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.shortcuts import resolve_url
from django.test import Client
from django.urls import URLPattern, reverse

from accounts.models import User
from conftest import make_lead
from dealerships.models import Dealership
from leads import actions
from leads import urls as lead_urls
from leads.models import Lead

ROUTES: list[URLPattern] = [p for p in lead_urls.urlpatterns if isinstance(p, URLPattern)]
LEAD_ROUTES = [p for p in ROUTES if "lead_id" in p.pattern.converters]
OTHER_ROUTES = [p for p in ROUTES if p not in LEAD_ROUTES]


def url_of(route: URLPattern, lead: Lead) -> str:
    """The route's URL for `lead`, naming the lead's own vehicle, trade or collaborator where needed."""
    converters = route.pattern.converters
    kwargs: dict[str, Any] = {"lead_id": lead.pk}
    if "vehicle_id" in converters:
        kwargs["vehicle_id"] = lead.vehicles.first().pk  # type: ignore[union-attr]
    if "trade_id" in converters:
        kwargs["trade_id"] = lead.trades.first().pk  # type: ignore[union-attr]
    if "user_id" in converters:
        kwargs["user_id"] = lead.collaborators.first().pk  # type: ignore[union-attr]
    return reverse(route.name, kwargs=kwargs)


def furnished_lead(dealership: Dealership, *, assigned_to: User, collaborator: User) -> Lead:
    """A lead with something behind every route: a vehicle, a trade, a collaborator, a co-customer."""
    lead = make_lead(
        dealership,
        assigned_to=assigned_to,
        customer={"first_name": "Quinn", "last_name": "Buyer", "phones": [{"number": "+15125550177"}]},
        co_customer={"first_name": "Robin", "last_name": "Buyer"},
        vehicles=[{"year": 2022, "make": "Toyota", "model": "Camry", "stock": "T100"}],
        trades=[{"year": 2012, "make": "Honda", "model": "Civic"}],
    )
    actions.add_collaborator(lead=lead, user=collaborator, actor=assigned_to)
    return lead


@pytest.fixture
def daves_lead(riverside: Dealership, dave: User, alice: User) -> Lead:
    return furnished_lead(riverside, assigned_to=dave, collaborator=alice)


@pytest.fixture
def carols_own_lead(riverside: Dealership, carol: User, dave: User) -> Lead:
    return furnished_lead(riverside, assigned_to=carol, collaborator=dave)


@pytest.fixture
def lakeside_lead(lakeside: Dealership, erin: User) -> Lead:
    return furnished_lead(lakeside, assigned_to=erin, collaborator=erin)


def assert_hidden(client: Client, lead: Lead) -> None:
    for route in LEAD_ROUTES:
        url = url_of(route, lead)
        assert client.get(url).status_code == 404, f"GET {route.name}"
        assert client.post(url, {}).status_code == 404, f"POST {route.name}"


def assert_reachable(client: Client, lead: Lead) -> None:
    for route in LEAD_ROUTES:
        status = client.get(url_of(route, lead)).status_code
        assert status in (200, 405), f"GET {route.name} answered {status}"


def test_every_lead_route_is_checked(daves_lead: Lead) -> None:
    names = {route.name for route in LEAD_ROUTES}
    assert {"lead-detail", "lead-status", "lead-vehicle-remove", "lead-trade-remove"} <= names
    assert len(LEAD_ROUTES) >= 20


def test_salesperson_gets_404_on_every_route_of_a_colleagues_lead(
    client_for: Any, carol: User, daves_lead: Lead
) -> None:
    assert_hidden(client_for(carol), daves_lead)


def test_salesperson_reaches_every_route_of_her_own_lead(client_for: Any, carol: User, carols_own_lead: Lead) -> None:
    assert_reachable(client_for(carol), carols_own_lead)


def test_salesperson_reaches_a_lead_she_collaborates_on(
    client_for: Any, riverside: Dealership, carol: User, dave: User
) -> None:
    lead = furnished_lead(riverside, assigned_to=dave, collaborator=carol)
    assert_reachable(client_for(carol), lead)


def test_manager_and_admin_reach_every_lead_of_their_dealership(
    client_for: Any, alice: User, bob: User, carols_own_lead: Lead, daves_lead: Lead
) -> None:
    for user in (alice, bob):
        assert_reachable(client_for(user), carols_own_lead)
        assert_reachable(client_for(user), daves_lead)


def test_admin_of_another_rooftop_in_the_group_gets_404(client_for: Any, erin: User, daves_lead: Lead) -> None:
    assert_hidden(client_for(erin), daves_lead)


def test_riverside_staff_get_404_on_a_lakeside_lead(
    client_for: Any, alice: User, bob: User, carol: User, lakeside_lead: Lead
) -> None:
    for user in (alice, bob, carol):
        assert_hidden(client_for(user), lakeside_lead)


def test_user_of_another_organisation_gets_404(client_for: Any, frank: User, daves_lead: Lead) -> None:
    assert_hidden(client_for(frank), daves_lead)


def test_anonymous_visitor_is_sent_to_log_in_from_every_route(daves_lead: Lead) -> None:
    client = Client()
    login = resolve_url(settings.LOGIN_URL)
    urls = [url_of(route, daves_lead) for route in LEAD_ROUTES] + [reverse(route.name) for route in OTHER_ROUTES]
    for url in urls:
        for response in (client.get(url), client.post(url, {})):
            assert response.status_code == 302, url
            assert response["Location"].startswith(login), url


def test_a_vehicle_trade_or_collaborator_of_another_lead_answers_404(
    client_for: Any, carol: User, carols_own_lead: Lead, daves_lead: Lead
) -> None:
    client = client_for(carol)
    foreign = {
        "lead-vehicle-preferred": {"vehicle_id": daves_lead.vehicles.get().pk},
        "lead-vehicle-remove": {"vehicle_id": daves_lead.vehicles.get().pk},
        "lead-trade-remove": {"trade_id": daves_lead.trades.get().pk},
        "lead-collaborator-remove": {"user_id": daves_lead.collaborators.get().pk},
    }
    for name, kwargs in foreign.items():
        url = reverse(name, kwargs={"lead_id": carols_own_lead.pk, **kwargs})
        assert client.post(url).status_code == 404, name
    assert daves_lead.vehicles.count() == 1
    assert daves_lead.trades.count() == 1


def test_lists_and_dashboard_show_only_visible_leads(
    client_for: Any, carol: User, erin: User, carols_own_lead: Lead, daves_lead: Lead, lakeside_lead: Lead
) -> None:
    carols_list = client_for(carol).get(reverse("lead-list"))
    assert [lead.pk for lead in carols_list.context["leads"]] == [carols_own_lead.pk]
    erins_list = client_for(erin).get(reverse("lead-list"))
    assert [lead.pk for lead in erins_list.context["leads"]] == [lakeside_lead.pk]
    erins_dashboard = client_for(erin).get(reverse("dashboard"))
    assert erins_dashboard.context["my_leads"] == [lakeside_lead]
    assert "Quinn Buyer" in erins_dashboard.content.decode()
    assert erins_dashboard.context["counts"]["mine"] == 1


def test_customer_search_of_a_new_lead_never_shows_another_organisations_customers(
    client_for: Any, carol: User, frank: User, hillside: Dealership
) -> None:
    make_lead(
        hillside, customer={"first_name": "Hidden", "last_name": "Person", "phones": [{"number": "+15125550188"}]}
    )
    for q in ("Hidden", "512-555-0188"):
        response = client_for(carol).get(reverse("lead-new-customer-search"), {"customer_q": q})
        assert response.context["customer_results"] == []
        assert "Hidden Person" not in response.content.decode()
    found = client_for(frank).get(reverse("lead-new-customer-search"), {"customer_q": "Hidden"})
    assert [c.display_name for c in found.context["customer_results"]] == ["Hidden Person"]

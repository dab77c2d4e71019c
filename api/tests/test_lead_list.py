"""GET /api/v1/leads: each persona sees exactly their leads; filters; cursor pagination."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from conftest import make_lead
from leads import actions
from leads.models import Lead


def ids(response):
    assert response.status_code == 200, response.content
    return [lead["id"] for lead in response.json()["items"]]


@pytest.fixture
def leads(carols_lead, daves_lead, unassigned_lead, lakeside_lead, hillside_lead):
    return {
        "carol": carols_lead,
        "dave": daves_lead,
        "none": unassigned_lead,
        "lake": lakeside_lead,
        "hill": hillside_lead,
    }


def test_a_salesperson_sees_only_her_own_leads(api_for, carol, leads):
    assert ids(api_for(carol).get("/leads")) == [leads["carol"].pk]


def test_a_salesperson_also_sees_leads_she_collaborates_on(api_for, carol, bob, leads):
    actions.add_collaborator(lead=leads["dave"], user=carol, actor=bob)

    assert set(ids(api_for(carol).get("/leads"))) == {leads["carol"].pk, leads["dave"].pk}


def test_a_manager_sees_every_lead_of_his_dealership_and_no_other(api_for, bob, leads):
    assert set(ids(api_for(bob).get("/leads"))) == {leads["carol"].pk, leads["dave"].pk, leads["none"].pk}


def test_an_admin_of_another_rooftop_in_the_group_sees_only_her_rooftop(api_for, erin, leads):
    assert ids(api_for(erin).get("/leads")) == [leads["lake"].pk]


def test_someone_from_another_organisation_sees_nothing_of_riverside(api_for, frank, leads):
    assert ids(api_for(frank).get("/leads")) == [leads["hill"].pk]


def test_the_list_is_newest_first(api_for, bob, riverside):
    with time_machine.travel(datetime(2026, 3, 16, 15, 0, tzinfo=UTC), tick=False):
        older = make_lead(riverside)
    with time_machine.travel(datetime(2026, 3, 16, 16, 0, tzinfo=UTC), tick=False):
        newer = make_lead(riverside)

    assert ids(api_for(bob).get("/leads")) == [newer.pk, older.pk]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"status": "working"}, {"carol"}),
        ({"status": "new"}, {"dave", "none"}),
        ({"assigned_to": "dave@example.com"}, {"dave"}),
        ({"assigned_to": "DAVE@example.com"}, {"dave"}),
        ({"assigned_to": "none"}, {"none"}),
        ({"source": "Cars.com"}, {"dave"}),
        ({"q": "Morgan"}, {"dave"}),
        ({"q": "morgan@example.com"}, {"dave"}),
        ({"q": "(512) 555-0177"}, {"none"}),
        ({"q": "555-0177"}, {"none"}),
        ({"q": "5550177"}, {"none"}),
        ({"q": "0177"}, {"none"}),
        ({"q": "3C6UR5ML5GG359865"}, {"carol"}),
        ({"has_search_vehicle": "true"}, {"dave"}),
        ({"has_search_vehicle": "false"}, {"carol", "none"}),
        ({"department": "service"}, {"none"}),
        ({"department": "sales"}, {"carol", "dave"}),
        ({"dealership": "riverside-toyota"}, {"carol", "dave", "none"}),
        ({"status": "new", "department": "sales"}, {"dave"}),
    ],
)
def test_filters_narrow_the_list(api_for, bob, leads, params, expected):
    actions.set_status(lead=leads["carol"], status=Lead.Status.WORKING, actor=bob)
    actions.add_vehicle(lead=leads["dave"], actor=bob, data={"year": 2024, "make": "Toyota", "model": "Tacoma"})

    found = set(ids(api_for(bob).get("/leads", params)))

    assert found == {leads[name].pk for name in expected}


def test_filtering_on_a_dealership_the_caller_does_not_work_at_is_404(api_for, bob, leads):
    for slug in ("lakeside-honda", "hillside-ford", "no-such-dealer"):
        response = api_for(bob).get("/leads", {"dealership": slug})
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"


@pytest.mark.parametrize(
    "params",
    [
        {"status": "pending"},
        {"department": "parts"},
        {"has_search_vehicle": "maybe"},
        {"limit": "0"},
        {"limit": "201"},
        {"limit": "ten"},
        {"cursor": "garbage!"},
    ],
)
def test_bad_filter_values_are_refused_with_422_naming_the_parameter(api_for, bob, leads, params):
    response = api_for(bob).get("/leads", params)

    assert response.status_code == 422
    assert response.json()["error"]["fields"][0]["field"] == next(iter(params))


@pytest.mark.parametrize(
    "decoded",
    [
        "0001-01-01T00:00:00+05:00|1",
        "9999-12-31T23:59:59-05:00|1",
        "2026-03-16T15:00:00|1",
        "2026-03-16T15:00:00+00:00|0",
        "2026-03-16T15:00:00+00:00|99999999999999999999",
        "2026-03-16T15:00:00+00:00",
        "|",
        "\x00|\x00",
    ],
)
def test_a_forged_cursor_is_refused_with_422(api_for, bob, leads, decoded):
    cursor = base64.urlsafe_b64encode(decoded.encode()).decode()

    response = api_for(bob).get("/leads", {"cursor": cursor})

    assert response.status_code == 422
    assert response.json()["error"]["fields"][0]["field"] == "cursor"


def test_pages_follow_next_links_through_every_lead_once_in_order(api_for, bob, riverside):
    # Three leads share one arrival time, so the order must fall back to the id.
    made = []
    for minute in (0, 0, 0, 5, 9, 12, 20):
        with time_machine.travel(datetime(2026, 3, 16, 15, minute, tzinfo=UTC), tick=False):
            made.append(make_lead(riverside))
    expected = [lead.pk for lead in sorted(made, key=lambda lead: (lead.received_at, lead.pk), reverse=True)]
    client = api_for(bob)

    seen, pages, url = [], 0, "/leads?limit=3&department=sales"
    while url:
        page = client.get(url).json()
        assert len(page["items"]) <= 3
        seen += [lead["id"] for lead in page["items"]]
        url, pages = page["next"], pages + 1

    assert seen == expected
    assert pages == 3


def test_the_next_link_keeps_the_filters_and_is_absent_on_the_last_page(api_for, bob, settings, riverside):
    for _ in range(3):
        make_lead(riverside, source_name="Edmunds")

    first = api_for(bob).get("/leads", {"limit": 2, "source": "Edmunds"}).json()

    assert first["next"].startswith(f"{settings.BASE_URL}/api/v1/leads?")
    assert "source=Edmunds" in first["next"]
    last = api_for(bob).get(first["next"]).json()
    assert len(last["items"]) == 1
    assert last["next"] is None


def test_the_default_page_is_50_leads(api_for, bob, riverside):
    now = datetime(2026, 3, 16, 15, 0, tzinfo=UTC)
    for i in range(51):
        with time_machine.travel(now + timedelta(seconds=i), tick=False):
            make_lead(riverside)

    page = api_for(bob).get("/leads").json()

    assert len(page["items"]) == 50
    assert page["next"] is not None


def test_the_list_costs_the_same_number_of_queries_for_3_leads_as_for_12(api_for, bob, carol, riverside):
    client = api_for(bob)
    client.get("/leads")  # the token's first use writes last_used_at; not part of the list's cost

    def queries_for_list():
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/leads").status_code == 200
        return len(captured.captured_queries)

    def add_leads(count):
        for _ in range(count):
            lead = make_lead(
                riverside,
                assigned_to=carol,
                co_customer={"first_name": "Co", "emails": [f"co{Lead.objects.count()}@example.com"]},
                vehicles=[{"make": "Toyota"}, {"make": "Lexus"}],
                trades=[{"make": "Honda"}],
            )
            lead.collaborators.add(bob)

    add_leads(3)
    few = queries_for_list()
    add_leads(9)
    many = queries_for_list()

    assert few == many

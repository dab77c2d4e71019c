"""Garbage in never gets a 500: every POST route, every query parameter, any body at all.

The routes come from the OpenAPI document, so a route added later is fuzzed without anyone
remembering to add it here.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api.tests.conftest import is_error
from api.urls import api
from conversations.models import Message
from leads.models import Activity, Customer, Lead

FUZZ = settings(
    max_examples=150,
    deadline=None,
    database=None,  # no .hypothesis/ folder in the tree
    # The personas and the lead are made once per test; every example must leave them unchanged.
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

FIELD_NAMES = [
    "dealership",
    "customer",
    "co_customer",
    "source",
    "source_ref",
    "department",
    "vehicles",
    "trades",
    "comments",
    "assigned_to",
    "crm_salesperson",
    "kind",
    "note",
    "first_name",
    "last_name",
    "business_name",
    "emails",
    "phones",
    "number",
    "raw",
    "type",
    "address",
    "street",
    "city",
    "country",
    "id",
    "interest",
    "condition",
    "year",
    "make",
    "model",
    "vin",
    "stock",
    "price",
    "odometer",
    "preferred",
    "search_vehicle",
    "name",
    "channel",
    "body",
    "subject",
    "template",
    "media",
    "phone",
]
QUERY_NAMES = [
    "status",
    "assigned_to",
    "source",
    "q",
    "has_search_vehicle",
    "dealership",
    "department",
    "limit",
    "cursor",
]

scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30)
    | st.text(max_size=400)
    | st.sampled_from(["", "\x00", "riverside-toyota", "carol@example.com", "call", "1e400", "-1", "NaN", "2016"])
)
json_values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.sampled_from(FIELD_NAMES) | st.text(max_size=8), inner, max_size=5)
    ),
    max_leaves=15,
)

VALID = {
    "/api/v1/leads": {
        "dealership": "riverside-toyota",
        "customer": {"first_name": "Fuzz", "emails": ["fuzz@example.com"], "phones": [{"number": "512 555 0111"}]},
        "source": "Walk-in",
        "vehicles": [{"year": 2020, "make": "Toyota", "price": "100.00"}],
        "trades": [{"make": "Honda", "odometer": 10}],
        "assigned_to": "carol@example.com",
        "crm_salesperson": "4711",
    },
    "/api/v1/leads/{lead_id}/contacts": {"kind": "call", "note": "Left a message"},
    "/api/v1/leads/{lead_id}/assign": {"user": "dave@example.com", "note": "Covering for Carol"},
    "/api/v1/leads/{lead_id}/messages": {"channel": "sms", "body": "Hi", "media": ["https://example.com/p.jpg"]},
    "/api/v1/conversations": {
        "dealership": "riverside-toyota",
        "phone": "512 555 0112",
        "body": "Hi",
        "first_name": "Fuzz",
    },
}


@st.composite
def mutated(draw: Any, valid: Any) -> Any:
    """A valid body with one value somewhere inside replaced, removed or joined by a stranger."""
    body = json.loads(json.dumps(valid))
    containers = []

    def walk(node: Any) -> None:
        if isinstance(node, dict | list):
            containers.append(node)
            for child in node.values() if isinstance(node, dict) else node:
                walk(child)

    walk(body)
    node = draw(st.sampled_from(containers))
    keys = list(node) if isinstance(node, dict) else list(range(len(node)))
    action = draw(st.sampled_from(["replace", "delete", "add"]))
    if action == "add" or not keys:
        if isinstance(node, dict):
            node[draw(st.sampled_from(FIELD_NAMES) | st.text(max_size=8))] = draw(json_values)
        else:
            node.append(draw(json_values))
    elif action == "delete":
        del node[draw(st.sampled_from(keys))]
    else:
        node[draw(st.sampled_from(keys))] = draw(json_values)
    return body


def bodies_for(template: str) -> st.SearchStrategy[bytes]:
    as_json = st.one_of(json_values, mutated(VALID.get(template, {}))).map(lambda v: json.dumps(v).encode())
    return st.one_of(
        as_json,
        as_json,
        st.binary(max_size=300),
        st.text(max_size=200).map(str.encode),
        st.sampled_from([b"", b"{", b"[1,", b'{"a": NaN}', b'{"a": Infinity}', b"\xff\xfe\x00", b"[" * 5000, b"null"]),
    )


def post_routes() -> list[str]:
    paths = api.get_openapi_schema(path_prefix="/api/v1/")["paths"]
    return sorted(path for path, methods in paths.items() if "post" in methods)


def fill(template: str, lead: Lead) -> str:
    return (
        template.replace("{lead_id}", str(lead.pk))
        .replace("{slug}", lead.dealership.slug)
        .replace("{id}", str(lead.pk))
    )


def footprint() -> tuple[int, int, int, int]:
    return Lead.objects.count(), Customer.objects.count(), Activity.objects.count(), Message.objects.count()


@pytest.fixture
def callers(api_for, bob, carol, dave, carols_lead):
    # Riverside texts from its leads number, so messages and invitations can be accepted too.
    carols_lead.dealership.leads_phone = "+15125550199"
    carols_lead.dealership.save()
    return api_for(bob)


def test_there_are_post_routes_to_fuzz(db):
    assert {"/api/v1/leads", "/api/v1/leads/{lead_id}/contacts"} <= set(post_routes())


@pytest.mark.parametrize("template", sorted(VALID))
def test_the_valid_bodies_this_fuzzer_starts_from_are_accepted(callers, carols_lead, template):
    response = callers.client.post(fill(template, carols_lead), VALID[template], content_type="application/json")

    assert response.status_code in (200, 201, 202), response.content


@pytest.mark.parametrize("template", post_routes())
def test_garbage_posted_to_a_route_gets_a_4xx_in_the_error_shape_and_changes_nothing(callers, carols_lead, template):
    url = fill(template, carols_lead)

    @FUZZ
    @given(
        body=bodies_for(template),
        content_type=st.sampled_from(["application/json", "text/plain", "application/x-www-form-urlencoded"]),
    )
    def check(body: bytes, content_type: str) -> None:
        before = footprint()
        response = callers.client.post(url, body, content_type=content_type)
        assert response.status_code < 500, (body, response.content)
        if response.status_code >= 400:
            assert is_error(response.json()), response.content
            assert footprint() == before

    check()


def test_garbage_query_parameters_get_200_or_a_4xx_in_the_error_shape(callers):
    @FUZZ
    @given(
        params=st.dictionaries(st.sampled_from(QUERY_NAMES) | st.text(max_size=5), st.text(max_size=300), max_size=5)
    )
    def check(params: dict[str, str]) -> None:
        response = callers.get("/leads", params)
        assert response.status_code < 500, (params, response.content)
        body = response.json()
        assert set(body) == {"items", "next"} if response.status_code == 200 else is_error(body)

    check()


@pytest.mark.parametrize(
    "path", ["/api/v1/leads/abc", "/api/v1/leads/-1/activity", "/api/v1/leads/1/contacts/", "/api/v1/nowhere"]
)
def test_unknown_paths_answer_in_the_error_shape(callers, path):
    response = callers.client.get(path)

    assert 400 <= response.status_code < 500
    assert is_error(response.json())


def test_a_method_a_route_does_not_have_is_405_in_the_error_shape(callers, carols_lead):
    for method in ("put", "patch", "delete"):
        response = getattr(callers.client, method)(f"/api/v1/leads/{carols_lead.pk}")
        assert response.status_code == 405
        assert response.json()["error"]["code"] == "method_not_allowed"
        assert "GET" in response["Allow"]

"""Who may call the API: bearer tokens, revocation, deactivated users and token scopes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.test import Client, RequestFactory
from django.utils import timezone

from accounts.models import ApiToken
from api.auth import BearerToken, require_scope
from api.errors import ApiError
from api.tests.conftest import ApiClient, is_error

NOON = datetime(2026, 3, 16, 17, 0, tzinfo=UTC)


def test_a_call_without_a_token_gets_401_in_the_error_shape_not_a_login_redirect(carols_lead):
    response = Client().get("/api/v1/leads")

    assert response.status_code == 401
    assert is_error(response.json())
    assert response.json()["error"]["code"] == "unauthorized"
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_a_browser_session_alone_does_not_open_the_api(client_for, carol, carols_lead):
    response = client_for(carol).get("/api/v1/leads")

    assert response.status_code == 401


@pytest.mark.parametrize(
    "header",
    [
        "Bearer",
        "Bearer ",
        "Bearer fc_not-a-real-token",
        "Basic Y2Fyb2w6cGFzc3dvcmQ=",
        "fc_no_scheme",
        "Bearer " + "x" * 5000,
    ],
)
def test_a_malformed_or_unknown_token_gets_401(carols_lead, header):
    response = Client(headers={"Authorization": header}).get("/api/v1/leads")

    assert response.status_code == 401
    assert is_error(response.json())


def test_a_revoked_token_gets_401(carol, carols_lead):
    token, raw = ApiToken.issue(user=carol)
    token.revoked_at = timezone.now()
    token.save()

    response = ApiClient(raw).get("/leads")

    assert response.status_code == 401
    assert "revoked" in response.json()["error"]["message"]


def test_a_deactivated_users_token_stops_working_at_once(carol, carols_lead):
    _, raw = ApiToken.issue(user=carol)
    client = ApiClient(raw)
    assert client.get("/leads").status_code == 200

    carol.is_active = False
    carol.save()

    response = client.get("/leads")
    assert response.status_code == 401
    assert "deactivated" in response.json()["error"]["message"]


def test_a_valid_token_reads_as_its_user(api_for, carol, carols_lead):
    response = api_for(carol).get("/leads")

    assert response.status_code == 200
    assert [lead["id"] for lead in response.json()["items"]] == [carols_lead.pk]


def test_last_used_at_is_written_at_most_once_a_minute(carol, carols_lead):
    token, raw = ApiToken.issue(user=carol)
    client = ApiClient(raw)

    with time_machine.travel(NOON, tick=False):
        client.get("/leads")
    token.refresh_from_db()
    assert token.last_used_at == NOON

    with time_machine.travel(NOON + timedelta(seconds=50), tick=False):
        client.get("/leads")
    token.refresh_from_db()
    assert token.last_used_at == NOON

    with time_machine.travel(NOON + timedelta(seconds=61), tick=False):
        client.get("/leads")
    token.refresh_from_db()
    assert token.last_used_at == NOON + timedelta(seconds=61)


def test_an_intake_token_may_not_read_or_write_leads(api_for, carol, carols_lead):
    client = api_for(carol, ApiToken.Scope.INTAKE)

    responses = [
        client.get("/leads"),
        client.get(f"/leads/{carols_lead.pk}"),
        client.get(f"/leads/{carols_lead.pk}/activity"),
        client.post(f"/leads/{carols_lead.pk}/contacts", {"kind": "call"}),
        client.post("/leads", {"dealership": "riverside-toyota", "customer": {"first_name": "A"}, "source": "X"}),
    ]

    assert [r.status_code for r in responses] == [403] * 5
    assert {r.json()["error"]["code"] for r in responses} == {"forbidden_scope"}
    carols_lead.refresh_from_db()
    assert carols_lead.first_response_at is None


def test_intake_routes_accept_intake_and_full_tokens_but_full_routes_only_full_ones(carol):
    intake, _ = ApiToken.issue(user=carol, scope=ApiToken.Scope.INTAKE)
    full, _ = ApiToken.issue(user=carol, scope=ApiToken.Scope.FULL)

    require_scope(intake, ApiToken.Scope.INTAKE)
    require_scope(full, ApiToken.Scope.INTAKE)
    require_scope(full, ApiToken.Scope.FULL)
    with pytest.raises(ApiError) as refused:
        require_scope(intake, ApiToken.Scope.FULL)
    assert (refused.value.status, refused.value.code) == (403, "forbidden_scope")


def test_the_intake_authenticator_lets_an_intake_token_through_as_its_user(carol):
    _, raw = ApiToken.issue(user=carol, scope=ApiToken.Scope.INTAKE)
    request = RequestFactory().post("/api/v1/dealerships/riverside-toyota/adf", HTTP_AUTHORIZATION=f"Bearer {raw}")

    token = BearerToken(scope=ApiToken.Scope.INTAKE)(request)

    assert token.user == carol
    assert request.user == carol

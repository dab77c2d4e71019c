"""API test helpers: a client that sends a persona's bearer token, and a few leads to look at."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from accounts.models import ApiToken, User
from conftest import make_lead
from dealerships.models import Dealership
from leads.models import Lead


class ApiClient:
    """Calls /api/v1/ with `Authorization: Bearer <token>`, JSON bodies and CSRF checks on,
    as a real integration would (it has no CSRF cookie)."""

    def __init__(self, raw_token: str | None) -> None:
        headers = {"Authorization": f"Bearer {raw_token}"} if raw_token else {}
        self.client = Client(headers=headers, enforce_csrf_checks=True)

    def get(self, path: str, params: dict[str, Any] | None = None) -> Any:
        return self.client.get(api_url(path), params or {})

    def post(self, path: str, body: Any = None, *, raw: bytes | None = None) -> Any:
        return self.client.post(api_url(path), raw if raw is not None else body, content_type="application/json")


def api_url(path: str) -> str:
    """`/leads` → `/api/v1/leads`; absolute `next` links are made relative to the test server."""
    if path.startswith("http"):
        return "/" + path.split("/", 3)[3]
    return path if path.startswith("/api/") else f"/api/v1{path}"


def is_error(body: Any) -> bool:
    """True for exactly `{"error": {"code": str, "message": str, ...}}`."""
    if not isinstance(body, dict) or set(body) != {"error"} or not isinstance(body["error"], dict):
        return False
    error = body["error"]
    return isinstance(error.get("code"), str) and isinstance(error.get("message"), str) and bool(error["message"])


@pytest.fixture
def api_for(db: None) -> Any:
    def make(user: User, scope: str = ApiToken.Scope.FULL) -> ApiClient:
        _, raw = ApiToken.issue(user=user, scope=scope)
        return ApiClient(raw)

    return make


@pytest.fixture
def daves_lead(riverside: Dealership, dave: User) -> Lead:
    return make_lead(
        riverside,
        assigned_to=dave,
        customer={"first_name": "Morgan", "last_name": "Lee", "emails": ["morgan@example.com"]},
        source_name="Cars.com",
    )


@pytest.fixture
def unassigned_lead(riverside: Dealership) -> Lead:
    return make_lead(
        riverside,
        customer={"first_name": "Pat", "last_name": "Unclaimed", "phones": [{"number": "512-555-0177"}]},
        source_name="Website",
        department="service",
    )


@pytest.fixture
def lakeside_lead(lakeside: Dealership) -> Lead:
    return make_lead(lakeside, customer={"first_name": "Lake", "last_name": "Customer"}, source_name="AutoTrader")


@pytest.fixture
def hillside_lead(hillside: Dealership, frank: User) -> Lead:
    return make_lead(hillside, assigned_to=frank, customer={"first_name": "Hill", "last_name": "Customer"})

"""`GET /api/v1/customers/{id}/consent` over real HTTP: the ledger oldest first and the state now,
for people who may see one of the customer's leads; 404 (never 403) for everyone else."""

from __future__ import annotations

from datetime import timedelta

import pytest
import requests

from accounts.models import ApiToken
from conftest import make_lead
from conversations.consent import record_consent
from conversations.inbound import receive_text
from escalations.tests.support import at, chicago

pytestmark = pytest.mark.django_db(transaction=True)
MONDAY_1042 = chicago(2026, 3, 16, 10, 42)


@pytest.fixture
def lead(texting, carol):
    with at(MONDAY_1042 - timedelta(hours=1)):
        return make_lead(texting, assigned_to=carol)


def get(live_server, user, path):
    _, token = ApiToken.issue(user=user, scope=ApiToken.Scope.FULL)
    return requests.get(f"{live_server.url}/api/v1{path}", headers={"Authorization": f"Bearer {token}"}, timeout=10)


def test_the_ledger_lists_every_change_oldest_first_with_the_state_now(live_server, lead, carol, bob):
    with at(MONDAY_1042):
        receive_text(to_number="+15125550199", from_number="+15125550100", body="Stop.", provider_id="SM1")
    with at(MONDAY_1042 + timedelta(days=1)):
        record_consent(
            customer=lead.customer,
            channel="sms",
            state="opted_in",
            source="staff",
            text="opted in by phone on 17 Mar",
            actor=bob,
            lead=lead,
        )
    with at(MONDAY_1042 + timedelta(days=2)):
        record_consent(customer=lead.customer, channel="email", state="opted_out", source="api", text="", actor=bob)

    answer = get(live_server, carol, f"/customers/{lead.customer.pk}/consent")

    assert answer.status_code == 200
    assert answer.json() == {
        "now": {"sms": "opted_in", "email": "opted_out", "messenger": "unknown"},
        "ledger": [
            {
                "at": "2026-03-16T15:42:00+00:00",
                "channel": "sms",
                "state": "opted_out",
                "source": "keyword",
                "text": "Stop.",
            },
            {
                "at": "2026-03-17T15:42:00+00:00",
                "channel": "sms",
                "state": "opted_in",
                "source": "staff",
                "text": "opted in by phone on 17 Mar",
            },
            {"at": "2026-03-18T15:42:00+00:00", "channel": "email", "state": "opted_out", "source": "api", "text": ""},
        ],
    }


def test_a_customer_nobody_asked_yet_is_unknown_everywhere(live_server, lead, carol):
    answer = get(live_server, carol, f"/customers/{lead.customer.pk}/consent")
    assert answer.json() == {"now": {"sms": "unknown", "email": "unknown", "messenger": "unknown"}, "ledger": []}


@pytest.mark.parametrize("who", ["dave", "frank", "erin"])
def test_people_who_see_none_of_the_customers_leads_get_404(live_server, lead, who, request):
    user = request.getfixturevalue(who)
    answer = get(live_server, user, f"/customers/{lead.customer.pk}/consent")
    assert answer.status_code == 404
    assert answer.json()["error"]["code"] == "not_found"


@pytest.mark.parametrize("customer_id", ["999999", "0", str(2**63)])
def test_a_customer_that_does_not_exist_is_404(live_server, lead, carol, customer_id):
    answer = get(live_server, carol, f"/customers/{customer_id}/consent")
    assert answer.status_code == 404
    assert answer.json()["error"]["code"] == "not_found"


def test_the_consent_route_needs_a_token(live_server, lead):
    answer = requests.get(f"{live_server.url}/api/v1/customers/{lead.customer.pk}/consent", timeout=10)
    assert answer.status_code == 401


def test_the_answer_matches_the_documented_schema(live_server, lead, carol):
    from conversations.consent_api import ConsentOut

    with at(MONDAY_1042):
        receive_text(to_number="+15125550199", from_number="+15125550100", body="STOP", provider_id="SM1")
    body = get(live_server, carol, f"/customers/{lead.customer.pk}/consent").json()

    assert ConsentOut.model_validate(body).model_dump(mode="json") == body
    document = requests.get(f"{live_server.url}/api/v1/openapi.json", timeout=10).json()
    assert "get" in document["paths"]["/api/v1/customers/{customer_id}/consent"]

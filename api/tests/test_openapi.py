"""The OpenAPI description: public, valid JSON, listing every route, and true to what routes answer."""

from __future__ import annotations

import json

from django.test import Client

from api.schemas import LeadOut
from api.serializers import lead_to_dict, with_lead_details
from conversations.actions import send_message
from conversations.api import MessageOut, message_to_dict
from conversations.models import Message
from leads.models import Lead

ROUTES = {
    "/api/v1/leads": {"get", "post"},
    "/api/v1/leads/{lead_id}": {"get"},
    "/api/v1/leads/{lead_id}/activity": {"get"},
    "/api/v1/leads/{lead_id}/contacts": {"post"},
    "/api/v1/leads/{lead_id}/messages": {"get", "post"},
    "/api/v1/conversations": {"post"},
}


def test_openapi_json_is_public_valid_json_listing_every_route():
    response = Client().get("/api/v1/openapi.json")

    assert response.status_code == 200
    document = json.loads(response.content)
    assert document["openapi"].startswith("3.")
    listed = {path: set(methods) for path, methods in document["paths"].items()}
    for path, methods in ROUTES.items():
        assert methods <= listed.get(path, set()), path


def test_every_route_is_documented_with_bearer_auth_and_the_error_shape():
    document = Client().get("/api/v1/openapi.json").json()

    schemes = document["components"]["securitySchemes"]
    assert [s["scheme"] for s in schemes.values()] == ["bearer"]
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            assert operation.get("security"), f"{method} {path} has no security"
            assert "404" in operation["responses"], f"{method} {path} documents no errors"


def test_the_docs_page_is_served_without_a_login(db):
    response = Client().get("/api/v1/docs")

    assert response.status_code == 200
    assert b"openapi.json" in response.content


def test_a_serialised_lead_matches_the_documented_schema(carols_lead, bob):
    carols_lead.collaborators.add(bob)
    lead = with_lead_details(Lead.objects.filter(pk=carols_lead.pk)).get()
    as_json = json.loads(json.dumps(lead_to_dict(lead)))

    documented = LeadOut.model_validate(as_json).model_dump(mode="json", exclude_unset=True)

    assert documented == as_json


def test_a_serialised_message_matches_the_documented_schema(carols_lead, carol):
    carols_lead.dealership.leads_phone = "+15125550199"
    carols_lead.dealership.save()
    sent = send_message(lead=carols_lead, channel="sms", body="Hi", media=["https://example.com/p.jpg"], actor=carol)
    Message.objects.filter(pk=sent.pk).update(status=Message.Status.FAILED, last_error="Unreachable handset")
    as_json = json.loads(json.dumps(message_to_dict(Message.objects.get(pk=sent.pk))))

    documented = MessageOut.model_validate(as_json).model_dump(mode="json", by_alias=True)

    assert documented == as_json
    assert as_json["error"] == "Unreachable handset"


def test_the_message_schema_names_its_fields_as_the_api_answers_them():
    document = Client().get("/api/v1/openapi.json").json()

    message = document["components"]["schemas"]["MessageOut"]
    assert set(message["properties"]) == set(message["required"])
    assert "from" in message["properties"]
    assert set(message["properties"]["status"]["enum"]) == set(Message.Status.values)

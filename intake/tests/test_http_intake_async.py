"""POST /api/v1/dealerships/{slug}/adf with `Prefer: respond-async`: answered 202 once the body
is stored and read, the lead taken in by the worker; without the header, 201 with the lead."""

from __future__ import annotations

from django.test import Client

from intake.models import InboundEmail
from intake.tasks import sweep_inbound
from intake.tests.conftest import adf
from intake.tests.test_http_intake import URL, post
from leads.models import Lead


def post_async(token: str, body: str, prefer: str = "respond-async"):
    headers = {"Authorization": f"Bearer {token}", "Prefer": prefer}
    return Client(headers=headers, enforce_csrf_checks=True).post(URL, body, content_type="application/xml")


def test_asking_to_respond_async_answers_202_with_the_stored_message_and_the_worker_makes_the_lead(alice, intake_token):
    response = post_async(intake_token(alice, "full"), adf())

    assert response.status_code == 202
    assert response["Preference-Applied"] == "respond-async"
    inbound = InboundEmail.objects.get()
    assert response.json() == {"inbound": {"id": inbound.pk, "status": "received"}, "leads": []}
    assert not Lead.objects.exists()  # not yet: the worker takes it in

    assert sweep_inbound() == 1

    inbound.refresh_from_db()
    assert inbound.status == InboundEmail.Status.PROCESSED
    [lead] = inbound.leads.all()
    assert lead.assigned_to is not None
    assert lead.source_ref == "CG-100001"


def test_respond_async_among_other_preferences_is_understood(alice, intake_token):
    response = post_async(intake_token(alice), adf(), prefer="return=minimal, respond-async; wait=5")

    assert response.status_code == 202


def test_a_body_with_no_lead_is_refused_at_once_even_when_asked_to_respond_async(alice, intake_token):
    response = post_async(intake_token(alice), "<adf><prospect></prospect></adf>")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_adf"
    assert InboundEmail.objects.get().status == InboundEmail.Status.NO_LEAD
    assert sweep_inbound() == 0


def test_without_the_preference_the_lead_is_answered_201_as_before(alice, intake_token):
    response = post(intake_token(alice, "full"), adf())

    assert response.status_code == 201
    assert response.json()["leads"][0]["id"] == Lead.objects.get().pk

"""POST /api/v1/dealerships/{slug}/adf: a lead provider posts ADF (or a whole email) over HTTP."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.test import Client

from intake.models import InboundEmail
from intake.tests.conftest import adf, lead_email
from leads.models import Lead

URL = "/api/v1/dealerships/riverside-toyota/adf"
FIXTURES = Path(__file__).parent / "fixtures" / "adf"


def post(token: str | None, body: bytes | str, content_type: str = "application/xml", url: str = URL):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return Client(headers=headers, enforce_csrf_checks=True).post(url, body, content_type=content_type)


def test_posting_an_adf_document_makes_a_lead_and_answers_201_with_it(alice, intake_token):
    # A full token whose user may read the lead gets it whole (test_intake_answer_privacy.py).
    response = post(intake_token(alice, "full"), adf())

    assert response.status_code == 201
    [lead] = response.json()["leads"]
    assert lead["dealership"] == "riverside-toyota"
    assert lead["source"] == {"name": "CarGurus", "kind": "third_party"}
    assert lead["source_ref"] == "CG-100001"
    assert lead["customer"]["first_name"] == "Jordan"
    assert lead["customer"]["phones"] == [{"number": "+15125550100", "type": "voice"}]
    assert lead["vehicles"][0]["stock"] == "D9760"
    assert Lead.objects.filter(pk=lead["id"]).exists()
    assert response.json()["outcomes"] == [{"id": lead["id"], "outcome": "created"}]


def test_an_intake_token_is_told_the_new_leads_id_and_nothing_more(alice, intake_token):
    response = post(intake_token(alice), adf())

    assert response.status_code == 201
    [lead] = response.json()["leads"]
    assert lead == {"id": Lead.objects.get().pk, "outcome": "created"}


def test_the_posted_body_is_kept_raw(alice, intake_token):
    body = adf().encode()
    post(intake_token(alice), body)

    inbound = InboundEmail.objects.get()
    assert inbound.raw_bytes == body
    assert inbound.channel == InboundEmail.Channel.HTTP
    assert inbound.status == InboundEmail.Status.PROCESSED


def test_a_resend_of_a_lead_already_held_answers_200_with_that_lead(alice, intake_token):
    token = intake_token(alice)
    first = post(token, adf()).json()["leads"][0]

    again = post(token, adf(status="resend"))

    assert again.status_code == 200
    assert [lead["id"] for lead in again.json()["leads"]] == [first["id"]]
    assert Lead.objects.count() == 1


def test_a_whole_email_can_be_posted(alice, intake_token):
    response = post(intake_token(alice, "full"), lead_email(how="qp"), content_type="message/rfc822")

    assert response.status_code == 201
    assert response.json()["leads"][0]["customer"]["last_name"] == "Sample"


def test_bad_xml_answers_400_invalid_adf_and_the_body_is_still_kept(alice, intake_token):
    body = b"hello, this is not a lead at all"
    response = post(intake_token(alice), body)

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid_adf"
    assert "ADF" in error["message"]
    inbound = InboundEmail.objects.get()
    assert inbound.raw_bytes == body
    assert inbound.status == InboundEmail.Status.NO_LEAD
    assert Lead.objects.count() == 0


def test_an_empty_body_is_refused(alice, intake_token):
    response = post(intake_token(alice), b"")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "empty_body"


def test_without_a_token_the_call_is_refused(riverside):
    response = post(None, adf())

    assert response.status_code == 401
    assert Lead.objects.count() == 0


def test_a_token_of_another_dealerships_user_cannot_post_leads_here(frank, riverside, intake_token):
    response = post(intake_token(frank), adf())

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    assert InboundEmail.objects.count() == 0


def test_an_intake_token_cannot_read_leads(alice, intake_token):
    response = Client(headers={"Authorization": f"Bearer {intake_token(alice)}"}).get("/api/v1/leads")

    assert response.status_code == 403


def test_a_full_token_may_also_post_leads(carol, intake_token):
    response = post(intake_token(carol, scope="full"), adf())

    assert response.status_code == 201


@pytest.mark.parametrize(
    "fixture",
    sorted(p.name for p in FIXTURES.glob("*.xml")),
)
def test_the_answer_is_each_lead_exactly_as_stored(alice, intake_token, fixture):
    token = intake_token(alice, scope="full")
    response = post(token, (FIXTURES / fixture).read_bytes())

    assert response.status_code == 201
    answered = response.json()["leads"]
    assert answered
    reader = Client(headers={"Authorization": f"Bearer {token}"})
    for lead in answered:
        assert lead == reader.get(f"/api/v1/leads/{lead['id']}").json()


def test_what_the_sender_included_without_a_field_of_its_own_is_on_the_lead(alice, carol, intake_token, client_for):
    # A chat transcript and a newsletter choice in the ADF; a note typed above the document.
    body = "Customer asked for a call after 5pm, not before.\n\n" + (FIXTURES / "vendor_specific.xml").read_text()
    [lead] = post(intake_token(alice), body).json()["leads"]

    received = Client(headers={"Authorization": f"Bearer {intake_token(alice, 'full')}"}).get(
        f"/api/v1/leads/{lead['id']}/activity"
    )
    [created] = [entry for entry in received.json() if entry["kind"] == "created"]
    sent = {item["what"]: item["value"] for item in created["also_sent"]}
    assert sent["customer/messages/message[1]/text"] == "Is it available?"
    assert sent["customer/messages/message[2]/text"] == "Yes!"
    assert sent["customer/contact/newsletter"] == "NO"
    assert sent["Text around the ADF"] == "Customer asked for a call after 5pm, not before."

    Lead.objects.filter(pk=lead["id"]).update(assigned_to=carol)
    page = client_for(carol).get(f"/leads/{lead['id']}/").content.decode()
    assert "Also sent (" in page
    assert "Customer asked for a call after 5pm, not before." in page
    assert "Is it available?" in page


def test_a_lead_without_anything_extra_shows_no_also_sent(alice, intake_token):
    [lead] = post(intake_token(alice), adf()).json()["leads"]
    activity = Lead.objects.get(pk=lead["id"]).activities.get(kind="created")
    assert "also_sent" not in activity.data

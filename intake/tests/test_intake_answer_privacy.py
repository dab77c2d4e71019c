"""What HTTP intake answers about the lead a delivery landed on: the lead in full only to a caller
who may read it (a full token whose user sees the lead); to anyone else, its id and what became
of the delivery. Otherwise anyone who knows a customer's phone number could read their lead."""

from __future__ import annotations

import pytest
from django.test import Client

from conftest import make_lead
from intake.tests.conftest import adf
from intake.tests.test_http_intake import post
from leads.models import Lead

PRIVATE = ["jordan.private@example.com", "12 Hidden Lane", "Wants 0% APR, wife must not know", "dave@example.com"]


@pytest.fixture
def daves_lead(riverside, dave) -> Lead:
    """Jordan Sample's open lead, Dave's; the posted ADF names only Jordan's phone number."""
    return make_lead(
        riverside,
        assigned_to=dave,
        comments="Wants 0% APR, wife must not know",
        customer={
            "first_name": "Jordan",
            "last_name": "Sample",
            "emails": ["jordan.private@example.com"],
            "phones": [{"number": "(512) 555-0100", "type": "cellphone"}],
            "address": {"street": ["12 Hidden Lane"], "city": "Austin"},
        },
        vehicles=[{"year": 2019, "make": "Toyota", "model": "Tacoma", "stock": "T123"}],
    )


def knowing_the_phone_number() -> str:
    return adf(lead_id=None, first="J", last="S", email="", phone="512-555-0100")


def assert_nothing_private_in(response) -> None:
    text = response.content.decode()
    for secret in PRIVATE:
        assert secret not in text


def test_an_intake_token_learns_only_the_id_of_a_known_customers_open_lead(alice, daves_lead, intake_token):
    response = post(intake_token(alice), knowing_the_phone_number())

    assert response.status_code == 201
    assert response.json()["leads"] == [{"id": daves_lead.pk, "outcome": "resubmitted"}]
    assert_nothing_private_in(response)


def test_a_salesperson_who_cannot_see_the_open_lead_learns_only_its_id(carol, daves_lead, intake_token):
    token = intake_token(carol, "full")
    reader = Client(headers={"Authorization": f"Bearer {token}"})
    assert reader.get(f"/api/v1/leads/{daves_lead.pk}").status_code == 404

    response = post(token, knowing_the_phone_number())

    assert response.status_code == 201
    assert response.json()["leads"] == [{"id": daves_lead.pk, "outcome": "resubmitted"}]
    assert_nothing_private_in(response)


def test_a_manager_who_may_see_the_open_lead_gets_it_in_full(bob, daves_lead, intake_token):
    token = intake_token(bob, "full")

    response = post(token, knowing_the_phone_number())

    assert response.status_code == 201
    [lead] = response.json()["leads"]
    assert lead["assigned_to"]["email"] == "dave@example.com"
    assert lead["comments"] == "Wants 0% APR, wife must not know"
    assert lead == Client(headers={"Authorization": f"Bearer {token}"}).get(f"/api/v1/leads/{lead['id']}").json()
    assert response.json()["outcomes"] == [{"id": daves_lead.pk, "outcome": "resubmitted"}]


def test_a_new_lead_for_a_known_customer_shows_an_intake_token_nothing_of_that_customer(
    alice, daves_lead, intake_token
):
    Lead.objects.filter(pk=daves_lead.pk).update(status=Lead.Status.SOLD)

    response = post(intake_token(alice), knowing_the_phone_number())

    assert response.status_code == 201
    [answered] = response.json()["leads"]
    assert answered["id"] != daves_lead.pk
    assert answered == {"id": answered["id"], "outcome": "created"}
    assert Lead.objects.get(pk=answered["id"]).customer == daves_lead.customer
    assert_nothing_private_in(response)


def test_a_resend_of_someone_elses_lead_gives_only_its_id(alice, carol, dave, intake_token):
    [first] = post(intake_token(alice, "full"), adf(email="jordan.private@example.com")).json()["leads"]
    Lead.objects.filter(pk=first["id"]).update(assigned_to=dave)

    again = post(intake_token(carol, "full"), adf(status="resend"))

    assert again.status_code == 200
    [held] = again.json()["leads"]
    assert held == {"id": first["id"], "outcome": "resend"}
    assert_nothing_private_in(again)

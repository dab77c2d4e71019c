"""Admins and managers see possible duplicates of their dealership, each with why; a dismissed
pair stays dismissed; the lead page of a customer with a likely twin says so."""

from __future__ import annotations

import pytest
from django.urls import reverse

from customers.tests.conftest import lead_of
from leads.models import CustomerPhone

pytestmark = pytest.mark.django_db


def duplicates_page(client):
    response = client.get(reverse("customer-duplicates"))
    assert response.status_code == 200
    return response.content.decode()


def test_the_list_shows_each_likely_pair_with_its_reasons(first_record, second_record, alice, client_for):
    page = duplicates_page(client_for(alice))

    pair = f'data-pair="{first_record.customer_id}-{second_record.customer_id}"'
    assert pair in page
    assert "Same phone: (512) 555-0142 and 512.555.0142" in page
    assert "Same email: jordan.sample@gmail.com and jordansample+cars@googlemail.com" in page


def test_the_same_name_and_postcode_is_a_likely_pair_but_the_same_name_alone_is_not(riverside, alice, client_for):
    at_78701 = {"postal_code": "78701", "country": "US"}
    lead_of(riverside, {"first_name": "Avery", "last_name": "Quinn", "emails": ["aq@example.com"], "address": at_78701})
    lead_of(riverside, {"first_name": "AVERY", "last_name": "quinn", "address": {"postal_code": "78701-4410"}})
    lead_of(riverside, {"first_name": "Avery", "last_name": "Quinn", "address": {"postal_code": "10001"}})

    page = duplicates_page(client_for(alice))

    assert page.count('class="card duplicate"') == 1
    assert "Same name and postcode: Avery Quinn, 78701 and AVERY quinn, 78701-4410" in page


def test_made_up_numbers_and_addresses_that_are_nobody_suggest_nothing(riverside, alice, client_for):
    for first in ("Sam", "Kim"):
        lead = lead_of(riverside, {"first_name": first, "emails": ["none@none.com"]})
        CustomerPhone.objects.create(customer=lead.customer, number=None, raw="555-1234")

    assert 'id="no-duplicates"' in duplicates_page(client_for(alice))


def test_a_pair_said_to_be_two_people_is_not_suggested_again(first_record, second_record, riverside, bob, client_for):
    client = client_for(bob)
    pair = (riverside.pk, first_record.customer_id, second_record.customer_id)

    response = client.post(reverse("customer-dismiss", args=pair))

    assert response.status_code == 302
    assert 'id="no-duplicates"' in duplicates_page(client)
    assert 'id="twin-notice"' not in client.get(reverse("lead-detail", args=[first_record.pk])).content.decode()


def test_the_lead_page_tells_a_manager_of_a_likely_twin(first_record, second_record, riverside, bob, client_for):
    page = client_for(bob).get(reverse("lead-detail", args=[second_record.pk])).content.decode()

    assert 'id="twin-notice"' in page
    assert f"#{first_record.customer_id}" in page
    compare = reverse("customer-compare", args=[riverside.pk, first_record.customer_id, second_record.customer_id])
    assert compare in page


def test_a_salesperson_sees_no_notice_and_no_list(first_record, second_record, carol, client_for):
    second_record.assigned_to = carol
    second_record.save()
    client = client_for(carol)

    assert 'id="twin-notice"' not in client.get(reverse("lead-detail", args=[second_record.pk])).content.decode()
    assert client.get(reverse("customer-duplicates")).status_code == 404

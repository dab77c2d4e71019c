"""Part of a phone number, as the customer reads it out, finds the lead: list and new-lead search.

The API's `q` is the same search (api/tests/test_lead_list.py)."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from accounts.models import User
from conftest import make_lead
from dealerships.models import Dealership
from leads import actions
from leads.models import Lead


def listed(client: Any, q: str) -> list[int]:
    response = client.get(reverse("lead-list"), {"q": q})
    assert response.status_code == 200
    return [lead.pk for lead in response.context["leads"]]


def customers_found(client: Any, q: str) -> list[int]:
    response = client.get(reverse("lead-new-customer-search"), {"customer_q": q})
    assert response.status_code == 200
    return [customer.pk for customer in response.context["customer_results"] or []]


@pytest.fixture
def pat(riverside: Dealership, dave: User) -> Lead:
    return make_lead(
        riverside,
        assigned_to=dave,
        customer={"first_name": "Pat", "last_name": "Caller", "phones": [{"number": "(512) 555-0142"}]},
    )


@pytest.fixture
def kim(riverside: Dealership, dave: User) -> Lead:
    """Another customer whose number shares the exchange but not the line."""
    return make_lead(
        riverside,
        assigned_to=dave,
        customer={"first_name": "Kim", "last_name": "Other", "phones": [{"number": "(737) 555-0199"}]},
    )


@pytest.mark.parametrize("typed", ["555-0142", "5550142", "0142", "555 0142", "(512) 555-0142", "1 512 555 0142"])
def test_part_of_a_phone_number_finds_the_lead_in_the_list(
    client_for: Any, bob: User, pat: Lead, kim: Lead, typed: str
) -> None:
    assert listed(client_for(bob), typed) == [pat.pk]


def test_the_last_four_digits_find_every_customer_whose_number_ends_so(
    client_for: Any, riverside: Dealership, bob: User, pat: Lead, kim: Lead
) -> None:
    twin = make_lead(riverside, customer={"first_name": "Lee", "phones": [{"number": "(210) 555-0142"}]})
    assert listed(client_for(bob), "0142") == [twin.pk, pat.pk]


def test_digits_from_the_middle_of_a_number_find_nothing_by_phone(
    client_for: Any, bob: User, pat: Lead, kim: Lead
) -> None:
    # The customer reads out the end of the number; "555" would match half the phone book.
    assert listed(client_for(bob), "555") == []
    assert listed(client_for(bob), "2555") == []


def test_a_number_kept_only_as_written_is_found_by_its_digits(
    client_for: Any, riverside: Dealership, bob: User, pat: Lead
) -> None:
    # "555-1234" is no real number, so it is kept as written and matches no customer on intake.
    kept_raw = make_lead(riverside, customer={"first_name": "Robin", "phones": [{"number": "555-1234"}]})
    assert kept_raw.customer.phones.get().number is None
    client = client_for(bob)
    assert listed(client, "555-1234") == [kept_raw.pk]
    assert listed(client, "5551234") == [kept_raw.pk]
    assert listed(client, "1234") == [kept_raw.pk]


def test_an_edited_phone_is_found_by_its_new_digits_and_not_its_old(
    client_for: Any, bob: User, pat: Lead, kim: Lead
) -> None:
    actions.update_customer(
        customer=pat.customer, lead=pat, actor=bob, changes={"phones": [{"number": "(512) 555-0177"}]}
    )
    client = client_for(bob)
    assert listed(client, "0177") == [pat.pk]
    assert listed(client, "0142") == []


def test_part_of_a_phone_number_never_reaches_beyond_what_the_user_may_see(
    client_for: Any, carol: User, dave: User, pat: Lead
) -> None:
    assert listed(client_for(carol), "0142") == []
    assert listed(client_for(dave), "0142") == [pat.pk]


@pytest.mark.parametrize("typed", ["555-0142", "5550142", "0142"])
def test_part_of_a_phone_number_finds_the_past_customer_for_a_new_lead(
    client_for: Any, carol: User, pat: Lead, kim: Lead, typed: str
) -> None:
    assert customers_found(client_for(carol), typed) == [pat.customer_id]


def test_a_number_kept_only_as_written_finds_the_past_customer_for_a_new_lead(
    client_for: Any, riverside: Dealership, carol: User
) -> None:
    kept_raw = make_lead(riverside, customer={"first_name": "Robin", "phones": [{"number": "555-1234"}]})
    assert customers_found(client_for(carol), "555-1234") == [kept_raw.customer_id]


def test_a_number_written_with_its_trunk_prefix_still_finds_the_lead(
    client_for: Any, riverside: Dealership, bob: User
) -> None:
    riverside.country, riverside.subdivision = "GB", ""
    riverside.save()
    lead = make_lead(riverside, customer={"first_name": "Alex", "phones": [{"number": "07911 123456"}]})
    assert lead.customer.phones.get().number == "+447911123456"
    client = client_for(bob)
    assert listed(client, "07911 123456") == [lead.pk]
    assert listed(client, "123456") == [lead.pk]

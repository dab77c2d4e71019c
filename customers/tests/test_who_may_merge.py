"""Only admins and managers of the customers' dealership may see, merge and undo: everyone
else gets 404, as for a lead they may not see, and nothing changes."""

from __future__ import annotations

import pytest
from django.urls import reverse

from customers.actions import merge_customers
from customers.tests.conftest import lead_of
from leads.models import Customer

pytestmark = pytest.mark.django_db


@pytest.fixture
def pair(first_record, second_record, riverside):
    return (riverside.pk, first_record.customer_id, second_record.customer_id)


@pytest.mark.parametrize("who", ["carol", "erin", "frank"])
def test_people_who_do_not_manage_the_dealership_get_404_everywhere(who, pair, riverside, alice, client_for, request):
    merge = merge_customers(
        kept=Customer.objects.get(pk=pair[1]),
        removed=Customer.objects.get(pk=pair[2]),
        dealership=riverside,
        actor=alice,
    )
    client = client_for(request.getfixturevalue(who))
    third = lead_of(riverside, {"first_name": "Jordan", "emails": ["jsample@example.com"]}).customer
    others = (riverside.pk, pair[1], third.pk)  # a pair still there to compare

    assert client.get(reverse("customer-duplicates") + f"?dealership={riverside.pk}").status_code == 404
    assert client.get(reverse("customer-compare", args=others)).status_code == 404
    assert client.post(reverse("customer-compare", args=others), {"keep": pair[1]}).status_code == 404
    assert client.get(reverse("customer-merge", args=[merge.pk])).status_code == 404
    assert client.post(reverse("customer-merge-undo", args=[merge.pk])).status_code == 404
    merge.refresh_from_db()
    assert merge.undone_at is None


def test_a_manager_merges_on_the_comparison_screen_keeping_the_one_they_pick(pair, bob, client_for, second_record):
    client = client_for(bob)
    assert client.get(reverse("customer-compare", args=pair)).status_code == 200

    response = client.post(reverse("customer-compare", args=pair), {"keep": pair[2]})

    assert response.status_code == 302
    assert not Customer.objects.filter(pk=pair[1]).exists()
    page = client.get(response["Location"]).content.decode()
    assert "Customers merged" in page
    assert "Undo this merge" in page


def test_a_merge_without_a_choice_is_refused_and_changes_nothing(pair, bob, client_for):
    response = client_for(bob).post(reverse("customer-compare", args=pair), {"keep": "999999"})

    assert response.status_code == 422
    assert "Choose which customer to keep." in response.content.decode()
    assert Customer.objects.filter(pk__in=pair[1:]).count() == 2


def test_undoing_twice_says_it_was_already_undone(pair, alice, bob, client_for, riverside):
    merge = merge_customers(
        kept=Customer.objects.get(pk=pair[1]),
        removed=Customer.objects.get(pk=pair[2]),
        dealership=riverside,
        actor=alice,
    )
    url = reverse("customer-merge-undo", args=[merge.pk])
    assert client_for(alice).post(url).status_code == 302

    again = client_for(bob).post(url)

    assert again.status_code == 409
    assert "This merge was already undone by Alice Admin" in again.content.decode()
    assert Customer.objects.filter(pk__in=pair[1:]).count() == 2

"""A name typed or sent with a line break in it is kept on one line, at every door, and the
salesperson's alert about it still goes out."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from accounts.models import User
from api.tests.conftest import ApiClient, api_for
from dealerships.models import Dealership
from escalations.tests.conftest import sink
from escalations.tests.support import run_worker_at
from forecourt.testing import SmtpSink
from leads.models import Customer, Lead
from notifications.models import OutboundEmail

# Every way a line can end that an email header refuses: CR, LF, NEL, line and paragraph separators.
BREAKS = ["\r\n", "\n", "\r", "\x85", "\u2028", "\u2029", "\x0b", "\x1c"]

pytestmark = pytest.mark.django_db(transaction=True)
__all__ = ["api_for", "sink"]  # fixtures


@pytest.mark.parametrize("line_break", BREAKS, ids=[repr(b) for b in BREAKS])
def test_a_name_sent_through_the_api_with_a_line_break_is_kept_on_one_line_and_bob_is_alerted(
    api_for: Any, bob: User, sink: SmtpSink, line_break: str
) -> None:
    api: ApiClient = api_for(bob)
    body = {
        "dealership": "riverside-toyota",
        "customer": {
            "first_name": f"Ann{line_break}Marie",
            "last_name": f"Lee{line_break}Smith{line_break}",
            "address": {"street": [f"1 Main{line_break}St"], "city": f"Austin{line_break}"},
        },
        "source": f"Walk{line_break}in",
    }

    response = api.post("/leads", body)

    assert response.status_code == 201, response.content
    assert response.json()["customer"]["first_name"] == "Ann Marie"
    customer = Customer.objects.get()
    assert (customer.first_name, customer.last_name) == ("Ann Marie", "Lee Smith")
    assert (customer.street, customer.city) == (["1 Main St"], "Austin")
    assert Lead.objects.get().source_name == "Walk in"
    # Bob, the manager, is told of a lead nobody was given (after opening time, if it came in before).
    run_worker_at(max(OutboundEmail.objects.values_list("due_at", flat=True)))
    subjects = [str(m["Subject"]) for m in sink.messages]
    assert any("Ann Marie Lee Smith" in s and "Walk in" in s for s in subjects), subjects
    assert OutboundEmail.objects.exclude(status=OutboundEmail.Status.SENT).count() == 0


def test_a_name_typed_with_line_breaks_on_the_lead_page_is_kept_on_one_line(
    client_for: Any, carol: User, carols_lead: Lead
) -> None:
    data = {
        "first_name": "Jordan\u2028Lee",
        "last_name": "Sample\x85",
        "business_name": "Acme\r\nTrucks",
        "city": "Austin\u2029TX",
        "street": "1 Main St\r\nApt\x1b 4",
    }

    response = client_for(carol).post(reverse("lead-customer", kwargs={"lead_id": carols_lead.pk}), data)

    assert response.status_code == 302
    customer = Customer.objects.get(pk=carols_lead.customer_id)
    assert (customer.first_name, customer.last_name, customer.business_name, customer.city) == (
        "Jordan Lee",
        "Sample",
        "Acme Trucks",
        "Austin TX",
    )
    assert customer.street == ["1 Main St", "Apt 4"]


def test_a_new_lead_typed_with_a_line_break_in_the_name_is_kept_on_one_line(
    client_for: Any, riverside: Dealership, carol: User
) -> None:
    fields = {
        "dealership": riverside.pk,
        "department": "sales",
        "source": "Walk-in",
        "first_name": "Pat\u2028Quinn",
        "last_name": "Returning\n",
        "phone": "512 555 0142",
    }

    response = client_for(carol).post(reverse("lead-new"), fields)

    assert response.status_code == 302, response.content
    assert Customer.objects.get().display_name == "Pat Quinn Returning"

"""An allocation link from a new-lead alert dies once the lead's owner changed by any means, and
every link of one alert dies with the first one used; whoever follows a dead link is told who
has the lead since when, and nothing is reallocated."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine

from accounts.models import User
from conftest import make_lead
from distribution.actions import allocate, claim_lead, distribute_lead
from distribution.handover import deactivate, run_handover
from distribution.tests.conftest import OPEN, set_policy
from distribution.tests.test_allocation import alert_links
from leads.models import Activity, Lead
from notifications.models import OutboundEmail

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("team")]

LATER = OPEN + timedelta(minutes=42)  # 10:42 at Riverside


def alert_to(riverside, method: str = "first_available") -> tuple[Lead, dict[str, dict[str, str]]]:
    """A new lead whose alert goes to Alice and Bob; each one's allocation links by name."""
    set_policy(riverside, {"sales": {"method": method, "alert_recipients": ["alice@example.com", "bob@example.com"]}})
    lead = make_lead(riverside, bulk=True)
    distribute_lead(lead=lead)
    emails = OutboundEmail.objects.filter(purpose="new_lead_alert")
    return lead, {email.to[0]: alert_links(email) for email in emails}


def owner(lead: Lead) -> User | None:
    return Lead.objects.select_related("assigned_to").get(pk=lead.pk).assigned_to


def test_a_link_is_void_after_the_lead_was_reassigned_by_hand(riverside, alice, bob, carol, dave, client):
    with time_machine.travel(OPEN, tick=False):
        lead, links = alert_to(riverside, "round_robin")
        first = owner(lead)
        assert first is not None
        other = dave if first == carol else carol
    with time_machine.travel(LATER, tick=False):
        allocate(lead=lead, to=other, actor=alice)
    with time_machine.travel(LATER + timedelta(minutes=5), tick=False):
        seen = client.get(links["bob@example.com"][first.name])
        used = client.post(links["bob@example.com"][first.name])
    assert seen.status_code == used.status_code == 410
    assert f"This lead was already assigned to {other.name} at 10:42".encode() in used.content
    assert owner(lead) == other
    assert lead.activities.filter(kind=Activity.Kind.ASSIGNED).count() == 2


@time_machine.travel(OPEN, tick=False)
def test_a_link_is_void_once_an_offered_lead_was_claimed(riverside, carol, dave, client):
    lead, links = alert_to(riverside)
    claim_lead(lead=lead, user=carol)
    answer = client.post(links["bob@example.com"]["Dave Seller"])
    assert answer.status_code == 410
    assert b"This lead was already assigned to Carol Seller at 10:00" in answer.content
    assert owner(lead) == carol


@time_machine.travel(OPEN, tick=False)
def test_a_link_is_void_once_the_lead_was_handed_on(riverside, alice, carol, client):
    lead, links = alert_to(riverside, "round_robin")
    first = owner(lead)
    assert first is not None
    run_handover(deactivate(user=first, actor=alice, hand_over=True).pk)
    answer = client.post(links["bob@example.com"][first.name])
    assert answer.status_code == 410
    assert owner(lead) != first


def test_every_link_of_one_alert_dies_with_the_first_used(riverside, client):
    with time_machine.travel(LATER, tick=False):
        lead, links = alert_to(riverside)
        assert client.post(links["bob@example.com"]["Dave Seller"]).status_code == 200
    with time_machine.travel(LATER + timedelta(hours=1), tick=False):
        for recipient, name in (("alice@example.com", "Carol Seller"), ("bob@example.com", "Gina Seller")):
            answer = client.post(links[recipient][name])
            assert answer.status_code == 410
            assert b"This lead was already assigned to Dave Seller at 10:42" in answer.content
    assert owner(lead) == User.objects.get(email="dave@example.com")

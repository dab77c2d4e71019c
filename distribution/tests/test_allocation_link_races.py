"""Two links of one new-lead alert followed at the same moment: one allocation, one dead link.
Run on SQLite and PostgreSQL; each thread has its own database connection."""

from __future__ import annotations

from collections import Counter
from functools import partial
from typing import Any

import pytest
import time_machine
from django.test import Client

from accounts.models import Membership, User
from conftest import make_lead
from distribution.actions import allocate, distribute_lead
from distribution.tests.conftest import OPEN, set_policy
from distribution.tests.test_allocation import alert_links
from distribution.tests.test_races import in_threads
from leads.models import Activity, Lead
from notifications.models import OutboundEmail

pytestmark = pytest.mark.django_db(transaction=True)


def follow(links: list[str], index: int) -> Any:
    return Client().post(links[index])


@time_machine.travel(OPEN, tick=True)
def test_two_links_of_one_alert_followed_at_once_allocate_the_lead_once(riverside, alice, bob, carol, dave):
    Membership.objects.filter(user__in=[alice, bob]).update(receives_leads=False)
    set_policy(
        riverside,
        {"sales": {"method": "first_available", "alert_recipients": ["alice@example.com", "bob@example.com"]}},
    )
    for attempt in range(5):  # several rounds, so that the two really meet more than once
        lead = make_lead(
            riverside, bulk=True, customer={"first_name": f"Buyer{attempt}", "emails": [f"b{attempt}@x.example"]}
        )
        distribute_lead(lead=lead)
        emails = {
            e.to[0]: alert_links(e)
            for e in OutboundEmail.objects.filter(purpose="new_lead_alert", subject__contains=f"Buyer{attempt}")
        }
        followed = [emails["alice@example.com"]["Carol Seller"], emails["bob@example.com"]["Dave Seller"]]

        answers = in_threads(2, partial(follow, followed))

        assert Counter(a.status_code for a in answers) == {200: 1, 410: 1}
        winner = [carol, dave][next(i for i, a in enumerate(answers) if a.status_code == 200)]
        assert Lead.objects.get(pk=lead.pk).assigned_to == winner
        assert lead.activities.filter(kind=Activity.Kind.ASSIGNED).count() == 1
        loser = next(a for a in answers if a.status_code == 410)
        assert f"This lead was already assigned to {winner.name}".encode() in loser.content


def allocate_or_follow(lead: Lead, link: str, manager: User, to: User, index: int) -> Any:
    if index == 0:
        return allocate(lead=lead, to=to, actor=manager)
    return Client().post(link)


@time_machine.travel(OPEN, tick=True)
def test_a_link_followed_while_the_lead_is_reassigned_by_hand_never_undoes_the_reassignment(
    riverside, alice, bob, carol, dave
):
    Membership.objects.filter(user__in=[alice, bob]).update(receives_leads=False)
    set_policy(riverside, {"sales": {"method": "first_available", "alert_recipients": ["bob@example.com"]}})
    for attempt in range(5):
        lead = make_lead(
            riverside, bulk=True, customer={"first_name": f"Buyer{attempt}", "emails": [f"b{attempt}@x.example"]}
        )
        distribute_lead(lead=lead)
        email = OutboundEmail.objects.get(purpose="new_lead_alert", subject__contains=f"Buyer{attempt}")
        link = alert_links(email)["Dave Seller"]

        _manual, followed = in_threads(2, partial(allocate_or_follow, lead, link, alice, carol))

        # Whichever came first, the reassignment by hand stands: the link either died or went before it.
        assert Lead.objects.get(pk=lead.pk).assigned_to == carol
        texts = list(lead.activities.filter(kind=Activity.Kind.ASSIGNED).order_by("id").values_list("text", flat=True))
        if followed.status_code == 200:
            assert len(texts) == 2
            assert "from the new-lead alert email" in texts[0]
        else:
            assert followed.status_code == 410
            assert texts == ["Assigned to Carol Seller: allocated by Alice Admin"]

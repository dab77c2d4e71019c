"""The leads list's pages: Next and Previous follow the leads themselves, not a count of rows, so a
lead arriving meanwhile moves no lead to the wrong page, and page 4,000 costs what page 2 does."""

from __future__ import annotations

import html
import re
from datetime import timedelta
from typing import Any

from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from conftest import make_lead
from dealerships.models import Dealership
from leads.models import Lead


def follow(client: Any, body: str, rel: str) -> Any:
    """The page the pager's `rel` ("next" or "prev") link opens."""
    link = re.search(rf'rel="{rel}"[^>]*href="([^"]*)"', body)
    assert link, f"no {rel} link"
    return client.get(reverse("lead-list") + html.unescape(link.group(1)))


def shown(response: Any) -> list[int]:
    assert response.status_code == 200
    return [lead.pk for lead in response.context["leads"]]


def make_paged(riverside: Dealership, n: int) -> list[int]:
    """`n` CarGurus leads, newest first, an hour ago and before."""
    start = timezone.now() - timedelta(hours=1)
    leads = [
        make_lead(
            riverside, received_at=start - timedelta(minutes=i), customer={"first_name": f"P{i}", "last_name": "Paged"}
        )
        for i in range(n)
    ]
    return [lead.pk for lead in leads]


def test_next_and_previous_walk_the_pages_and_keep_the_filters(
    client_for: Any, riverside: Dealership, bob: User
) -> None:
    newest_first = make_paged(riverside, 60)
    make_lead(riverside, source_name="Walk-in", customer={"first_name": "Not", "last_name": "Listed"})
    client = client_for(bob)

    first = client.get(reverse("lead-list"), {"source": "CarGurus"})
    assert shown(first) == newest_first[:25]
    assert 'id="page-previous"' not in first.content.decode()
    second = follow(client, first.content.decode(), "next")
    assert shown(second) == newest_first[25:50]
    assert "Page 2" in second.content.decode()
    third = follow(client, second.content.decode(), "next")
    assert shown(third) == newest_first[50:]
    assert 'id="page-next"' not in third.content.decode()
    back = follow(client, third.content.decode(), "prev")
    assert shown(back) == newest_first[25:50]
    assert "Page 2" in back.content.decode()
    assert shown(follow(client, back.content.decode(), "prev")) == newest_first[:25]


def test_a_lead_arriving_while_paging_moves_no_lead_to_the_wrong_page(
    client_for: Any, riverside: Dealership, bob: User
) -> None:
    newest_first = make_paged(riverside, 30)
    client = client_for(bob)
    first = client.get(reverse("lead-list"))
    make_lead(riverside, customer={"first_name": "Just", "last_name": "Arrived"})

    assert shown(follow(client, first.content.decode(), "next")) == newest_first[25:]


def test_a_page_link_from_before_still_opens_that_page(client_for: Any, riverside: Dealership, bob: User) -> None:
    newest_first = make_paged(riverside, 30)
    assert shown(client_for(bob).get(reverse("lead-list"), {"page": 2})) == newest_first[25:]


def test_a_damaged_page_link_opens_the_first_page(client_for: Any, riverside: Dealership, bob: User) -> None:
    newest_first = make_paged(riverside, 30)
    response = client_for(bob).get(reverse("lead-list"), {"after": "not-a-place", "page": 2})
    assert shown(response) == newest_first[:25]
    assert Lead.objects.count() == 30

"""The dashboard: my open leads, the unassigned ones, and counts that match what is listed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import User
from conftest import make_lead
from dealerships.models import Dealership
from distribution.tests.conftest import set_policy
from leads.models import Lead

# Monday 16 March 2026, 10:00 in Austin (CDT, UTC-5).
NOW = datetime(2026, 3, 16, 15, 0, tzinfo=UTC)


def lead_at(dealership: Dealership, received_at: datetime, **fields: Any) -> Lead:
    n = Lead.objects.count()
    fields.setdefault("customer", {"first_name": f"Customer{n}", "last_name": "Test"})
    return make_lead(dealership, received_at=received_at, **fields)


@pytest.fixture
def floor(riverside: Dealership, lakeside: Dealership, carol: User, dave: User) -> dict[str, Lead]:
    """Riverside's leads this morning, one from late last night (Austin time) and one at Lakeside.

    Both rooftops distribute into a pool, so a lead nobody was named for waits there unassigned,
    its reply clock and default tasks running, until someone claims it."""
    for dealership in (riverside, lakeside):
        set_policy(dealership, {"sales": {"method": "pool"}})
    with time_machine.travel(NOW, tick=False):
        leads = {
            "carol_new": lead_at(riverside, NOW - timedelta(hours=1), assigned_to=carol),
            "carol_working": lead_at(riverside, NOW - timedelta(hours=2), assigned_to=carol),
            # 23:30 in Austin yesterday is already "today" in UTC: it must not count as today.
            "carol_last_night": lead_at(riverside, datetime(2026, 3, 16, 4, 30, tzinfo=UTC), assigned_to=carol),
            "carol_sold": lead_at(riverside, NOW - timedelta(days=3), assigned_to=carol),
            "dave_new": lead_at(riverside, NOW - timedelta(minutes=30), assigned_to=dave),
            "unassigned_old": lead_at(riverside, NOW - timedelta(days=2)),
            "unassigned_new": lead_at(riverside, NOW - timedelta(minutes=5)),
            "unassigned_lost": lead_at(riverside, NOW - timedelta(minutes=10)),
            "lakeside": lead_at(lakeside, NOW - timedelta(minutes=1)),
        }
    Lead.objects.filter(pk=leads["carol_working"].pk).update(status=Lead.Status.WORKING)
    Lead.objects.filter(pk=leads["carol_sold"].pk).update(status=Lead.Status.SOLD)
    Lead.objects.filter(pk=leads["unassigned_lost"].pk).update(status=Lead.Status.LOST, lost_reason="Duplicate")
    return leads


def dashboard(client: Any) -> Any:
    with time_machine.travel(NOW, tick=False):
        response = client.get(reverse("dashboard"))
    assert response.status_code == 200
    return response


def test_salesperson_sees_her_open_leads_newest_first_and_no_unassigned(
    client_for: Any, carol: User, floor: dict[str, Lead]
) -> None:
    response = dashboard(client_for(carol))
    assert response.context["my_leads"] == [floor["carol_new"], floor["carol_working"], floor["carol_last_night"]]
    counts = response.context["counts"]
    assert counts["mine"] == 3
    assert counts["new_today"] == 2
    assert counts["unassigned"] == 0
    assert {status: n for status, _, n in counts["by_status"]} == {"new": 2, "working": 1, "appointment": 0}
    page = response.content.decode()
    assert 'id="unassigned-leads"' not in page
    assert 'id="count-unassigned"' not in page
    assert "1h" in page  # the age of her newest lead


def test_manager_sees_unassigned_open_leads_longest_waiting_first(
    client_for: Any, bob: User, floor: dict[str, Lead]
) -> None:
    response = dashboard(client_for(bob))
    assert response.context["unassigned_leads"] == [floor["unassigned_old"], floor["unassigned_new"]]
    counts = response.context["counts"]
    assert counts["unassigned"] == 2
    assert counts["mine"] == 0
    assert counts["new_today"] == 5  # Riverside leads received since midnight in Austin, whatever their status
    assert {status: n for status, _, n in counts["by_status"]} == {"new": 5, "working": 1, "appointment": 0}
    page = response.content.decode()
    assert '<span class="count-value">2</span><span class="count-label">Unassigned</span>' in page
    assert "No open leads assigned to you." in page
    # Needs attention: the pooled lead of two days ago is overdue, and so is its first default task.
    attention = page[page.index('id="needs-attention"') :]
    assert f'data-lead-id="{floor["unassigned_old"].pk}"' in attention
    assert "CarGurus · unassigned" in attention
    assert "due Mon Mar 16, 9:00 AM · unassigned" in attention


def test_counts_link_to_the_same_leads_on_the_list(
    client_for: Any, bob: User, carol: User, floor: dict[str, Lead]
) -> None:
    client = client_for(bob)
    counts = dashboard(client).context["counts"]
    unassigned = client.get(reverse("lead-list"), {"status": "open", "assigned_to": "none"}).context["leads"]
    assert len(unassigned) == counts["unassigned"]
    for status, _, n in counts["by_status"]:
        assert len(client.get(reverse("lead-list"), {"status": status}).context["leads"]) == n
    carols = client_for(carol)
    mine = carols.get(reverse("lead-list"), {"status": "open", "assigned_to": "carol@example.com"}).context["leads"]
    assert len(mine) == dashboard(carols).context["counts"]["mine"]


def test_admin_of_lakeside_counts_only_lakeside(client_for: Any, erin: User, floor: dict[str, Lead]) -> None:
    response = dashboard(client_for(erin))
    assert response.context["unassigned_leads"] == [floor["lakeside"]]
    assert response.context["counts"]["new_today"] == 1


def test_dashboard_queries_do_not_grow_with_the_number_of_leads(
    client_for: Any, riverside: Dealership, bob: User, carol: User
) -> None:
    client = client_for(bob)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            client.get(reverse("dashboard"))
        return len(captured)

    lead_at(riverside, NOW, assigned_to=bob)
    lead_at(riverside, NOW)
    few = queries()
    for i in range(10):
        lead_at(riverside, NOW - timedelta(minutes=i), assigned_to=bob, vehicles=[{"make": "Toyota", "model": "Camry"}])
        lead_at(riverside, NOW - timedelta(minutes=i), vehicles=[{"make": "Toyota", "model": "Corolla"}])
    assert queries() == few

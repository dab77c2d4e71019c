"""The Follow-ups page lists every open follow-up, not only the dashboard's first twenty: mine, or my
team's for a manager; overdue, later today or upcoming; a page at a time, in the dealership's time."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest

from accounts.models import Membership
from conftest import make_lead
from escalations.tests.support import at, chicago
from followups.models import FollowUp

NOW = chicago(2026, 3, 10, 11, 0)  # a Tuesday morning in Austin


@pytest.fixture
def carols_lead(riverside, carol):
    lead = make_lead(riverside, assigned_to=carol)
    lead.followups.all().delete()  # the default tasks every new lead gets; these tests set their own
    return lead


def titles(page) -> list[str]:
    return [html.unescape(t) for t in re.findall(r"<strong>([^<]*)</strong>", page.content.decode())]


def test_all_43_due_follow_ups_are_listed_a_page_at_a_time_and_the_dashboard_links_there(
    carols_lead, carol, client_for
):
    for n in range(43):
        FollowUp.objects.create(lead=carols_lead, title=f"Call back {n:02}", due_at=NOW - timedelta(hours=n + 1))
    client = client_for(carol)
    with at(NOW):
        dashboard = client.get("/").content.decode()
        first = client.get("/followups/?when=overdue")
        second = client.get("/followups/?when=overdue&page=2")
    assert 'href="/followups/?when=overdue"' in dashboard
    assert "See all 43 follow-ups due" in dashboard
    seen = titles(first) + titles(second)
    assert sorted(seen) == [f"Call back {n:02}" for n in range(43)]
    assert seen[0] == "Call back 42", "the longest overdue first"
    assert "Page 1 of 2" in first.content.decode()


def test_overdue_later_today_and_upcoming_are_split_at_the_dealerships_midnight(carols_lead, carol, client_for):
    FollowUp.objects.create(lead=carols_lead, title="Missed this morning", due_at=chicago(2026, 3, 10, 9, 0))
    FollowUp.objects.create(lead=carols_lead, title="Before closing", due_at=chicago(2026, 3, 10, 23, 30))
    FollowUp.objects.create(lead=carols_lead, title="Tomorrow first thing", due_at=chicago(2026, 3, 11, 0, 30))
    client = client_for(carol)
    with at(NOW):
        assert titles(client.get("/followups/?when=overdue")) == ["Missed this morning"]
        later = client.get("/followups/?when=today")
        assert titles(later) == ["Before closing"]
        assert titles(client.get("/followups/?when=upcoming")) == ["Tomorrow first thing"]
    # 23:30 in Austin is 05:30 the next day in UTC: shown as the dealership reads it.
    assert "due <time" in later.content.decode()
    assert "Tue Mar 10, 11:30 PM" in later.content.decode()


def test_a_salesperson_sees_only_their_own_and_a_manager_also_the_teams(
    riverside, carol, dave, bob, erin, lakeside, client_for
):
    FollowUp.objects.create(lead=make_lead(riverside, assigned_to=carol), title="Carol's call", due_at=NOW)
    FollowUp.objects.create(lead=make_lead(riverside, assigned_to=dave), title="Dave's call", due_at=NOW)
    FollowUp.objects.create(lead=make_lead(lakeside, assigned_to=erin), title="Lakeside call", due_at=NOW)
    FollowUp.objects.exclude(title__endswith="call").delete()  # the default tasks of new leads
    with at(NOW + timedelta(minutes=1)):
        assert titles(client_for(carol).get("/followups/")) == ["Carol's call"]
        assert titles(client_for(carol).get("/followups/?whose=team")) == ["Carol's call"], "no team for a seller"
        assert sorted(titles(client_for(bob).get("/followups/"))) == ["Carol's call", "Dave's call"]
        assert titles(client_for(bob).get("/followups/?whose=mine")) == []


def test_the_overdue_tab_lists_what_the_dashboard_counts_for_someone_who_also_sells_elsewhere(
    riverside, lakeside, bob, carol, client_for
):
    Membership.objects.create(user=bob, dealership=lakeside, role=Membership.Role.SALESPERSON, departments=["sales"])
    FollowUp.objects.create(lead=make_lead(riverside, assigned_to=carol), title="Carol's call", due_at=NOW)
    FollowUp.objects.create(lead=make_lead(lakeside, assigned_to=bob), title="Bob's own call", due_at=NOW)
    FollowUp.objects.exclude(title__endswith="call").delete()  # the default tasks of new leads
    client = client_for(bob)
    with at(NOW + timedelta(minutes=1)):
        dashboard = client.get("/").content.decode()
        listed = titles(client.get("/followups/?when=overdue"))
    assert "See all 2 follow-ups due" in dashboard
    assert sorted(listed) == ["Bob's own call", "Carol's call"]

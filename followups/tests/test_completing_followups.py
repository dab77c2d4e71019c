"""Completing a follow-up needs a comment and offers the next one, so a lead never drops off."""

from __future__ import annotations

import pytest

from conftest import make_lead
from escalations.models import Timer
from escalations.tests.support import at, chicago, local
from followups.actions import complete_followup, create_followup
from followups.models import FollowUp


@pytest.fixture
def task(riverside, carol, carols_quiet_lead):
    with at(chicago(2026, 3, 10, 11, 0)):
        return create_followup(
            lead=carols_quiet_lead, title="Call back about financing", due_at=chicago(2026, 3, 11, 10, 0), actor=carol
        )


def test_lead_page_panel_lists_open_tasks_with_a_completion_form_offering_the_next(task, carol, client_for):
    with at(chicago(2026, 3, 11, 15, 0)):
        page = client_for(carol).get(f"/followups/leads/{task.lead_id}/")
    html = page.content.decode()
    assert "Call back about financing" in html
    assert "What happened?" in html
    assert 'value="Follow up: Call back about financing"' in html
    assert 'value="2026-03-12T15:00"' in html, "next one suggested a day later, in local time"
    assert "Overdue" in html


def test_completing_without_a_comment_is_refused_and_changes_nothing(task, carol, client_for):
    page = client_for(carol).post(
        f"/followups/leads/{task.lead_id}/{task.pk}/complete/", {"comment": " ", "add_next": ""}
    )
    assert page.status_code == 422
    assert "This field is required" in page.content.decode()
    task.refresh_from_db()
    assert task.completed_at is None


def test_completing_with_a_comment_adds_the_next_follow_up(task, carol, client_for):
    with at(chicago(2026, 3, 11, 9, 30)):
        page = client_for(carol).post(
            f"/followups/leads/{task.lead_id}/{task.pk}/complete/",
            {
                "comment": "Sent the finance offer",
                "add_next": "on",
                "next_title": "Ask whether the offer suits",
                "next_due_at": "2026-03-13T10:00",
            },
            HTTP_HX_REQUEST="true",
        )
    assert page.status_code == 200
    task.refresh_from_db()
    assert (task.comment, task.completed_by) == ("Sent the finance offer", carol)
    following = FollowUp.objects.get(completed_at__isnull=True)
    assert (following.title, local(following.due_at)) == ("Ask whether the offer suits", "Fri 2026-03-13 10:00 CDT")
    assert "Ask whether the offer suits" in page.content.decode()
    texts = list(task.lead.activities.filter(kind="followup").values_list("text", flat=True))
    assert "Follow-up done: Call back about financing — Sent the finance offer" in texts


def test_completing_twice_is_refused(task, carol, dave):
    complete_followup(followup=task, actor=carol, comment="Done")
    with pytest.raises(ValueError, match="already completed"):
        complete_followup(followup=task, actor=dave, comment="Me too")


def test_completing_cancels_the_chase(task, carol):
    complete_followup(followup=task, actor=carol, comment="Spoke to them")
    assert Timer.objects.filter(followup=task, cancelled_at__isnull=True).count() == 0


def test_adding_a_follow_up_needs_a_title_and_a_due_time(riverside, carol, carols_lead, client_for):
    before = list(FollowUp.objects.values_list("pk", flat=True))  # the lead's default tasks
    page = client_for(carol).post(f"/followups/leads/{carols_lead.pk}/add/", {"title": "", "due_at": "tomorrow"})
    assert page.status_code == 422
    assert "Enter a date and time like" in page.content.decode()
    assert list(FollowUp.objects.values_list("pk", flat=True)) == before


def test_a_follow_up_is_added_in_the_dealerships_local_time(riverside, carol, carols_lead, client_for):
    page = client_for(carol).post(
        f"/followups/leads/{carols_lead.pk}/add/", {"title": "Bring the trade-in papers", "due_at": "2026-03-12T16:30"}
    )
    assert page.status_code == 302
    assert local(FollowUp.objects.get(title="Bring the trade-in papers").due_at) == "Thu 2026-03-12 16:30 CDT"


def test_follow_ups_of_a_lead_one_may_not_see_are_not_found(riverside, carol, dave, frank, client_for):
    lead = make_lead(riverside, assigned_to=dave)
    for user in (carol, frank):
        assert client_for(user).get(f"/followups/leads/{lead.pk}/").status_code == 404
        assert client_for(user).post(f"/followups/leads/{lead.pk}/add/", {"title": "x"}).status_code == 404

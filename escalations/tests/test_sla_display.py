"""The lead's `sla` object (CONTRACT §4), its countdown badge, and the needs-attention queue."""

from __future__ import annotations

from conftest import make_lead
from escalations.actions import start_clock, stop_clock
from escalations.queries import needs_attention, sla_dict
from escalations.tests.support import at, chicago
from followups.actions import create_followup


def clocked(dealership, when, **fields):
    with at(when):
        lead = make_lead(dealership, **fields)
        start_clock(lead=lead)
    lead.refresh_from_db()
    return lead


def test_sla_object_shows_due_times_in_utc_and_the_state(riverside, carol):
    lead = clocked(riverside, chicago(2026, 3, 10, 10, 0), assigned_to=carol)
    with at(chicago(2026, 3, 10, 10, 5)):
        assert sla_dict(lead) == {
            "stage1_due_at": "2026-03-10T15:30:00+00:00",
            "reminder_at": "2026-03-10T15:20:00+00:00",
            "stage2_due_at": "2026-03-10T16:30:00+00:00",
            "state": "running",
        }
    with at(chicago(2026, 3, 10, 10, 31)):
        assert sla_dict(lead)["state"] == "stage1", "overdue shows even before the worker has run"
    with at(chicago(2026, 3, 10, 11, 31)):
        assert sla_dict(lead)["state"] == "stage2"


def test_sla_object_after_the_first_reply_is_met(riverside, carol):
    lead = clocked(riverside, chicago(2026, 3, 10, 10, 0), assigned_to=carol)
    stop_clock(lead=lead, at=chicago(2026, 3, 10, 10, 4))
    lead.refresh_from_db()
    with at(chicago(2026, 3, 10, 12, 0)):
        assert sla_dict(lead)["state"] == "met"
    assert lead.first_response_at == chicago(2026, 3, 10, 10, 4)


def test_a_lead_without_a_clock_is_none(riverside):
    lead = make_lead(riverside, bulk=True)  # a bulk import starts no clock
    assert sla_dict(lead) == {"stage1_due_at": None, "reminder_at": None, "stage2_due_at": None, "state": "none"}


def test_badge_counts_down_then_says_overdue(riverside, carol, client_for):
    lead = clocked(riverside, chicago(2026, 3, 10, 10, 0), assigned_to=carol)
    client = client_for(carol)
    with at(chicago(2026, 3, 10, 10, 18)):
        html = client.get(f"/escalations/leads/{lead.pk}/sla/").content.decode()
    assert "Reply within 12 min" in html
    assert "Tue Mar 10, 10:30 AM" in html, "due time in the dealership's time"
    with at(chicago(2026, 3, 10, 11, 45)):
        html = client.get(f"/escalations/leads/{lead.pk}/sla/").content.decode()
    assert "Overdue by 1 h 15 min · manager alerted" in html


def test_badge_of_an_answered_lead_says_how_fast(riverside, carol, client_for):
    lead = clocked(riverside, chicago(2026, 3, 10, 10, 0), assigned_to=carol)
    stop_clock(lead=lead, at=chicago(2026, 3, 10, 10, 4))
    assert "Answered in 4 min" in client_for(carol).get(f"/escalations/leads/{lead.pk}/sla/").content.decode()


def test_badge_of_a_lead_one_may_not_see_is_not_found(riverside, dave, frank, client_for):
    lead = clocked(riverside, chicago(2026, 3, 10, 10, 0), assigned_to=dave)
    assert client_for(frank).get(f"/escalations/leads/{lead.pk}/sla/").status_code == 404


def test_needs_attention_counts_overdue_soon_due_and_due_follow_ups(riverside, carol, dave, bob):
    late = clocked(riverside, chicago(2026, 3, 10, 9, 0), assigned_to=carol)
    soon = clocked(riverside, chicago(2026, 3, 10, 9, 50), assigned_to=carol)
    clocked(riverside, chicago(2026, 3, 10, 9, 0), assigned_to=dave)
    answered = clocked(riverside, chicago(2026, 3, 10, 9, 0), assigned_to=carol)
    stop_clock(lead=answered, at=chicago(2026, 3, 10, 9, 5))
    create_followup(lead=answered, title="Call back", due_at=chicago(2026, 3, 10, 9, 45), actor=carol)

    now = chicago(2026, 3, 10, 10, 0)
    mine = needs_attention(carol, now)
    assert ([x.pk for x in mine.overdue], [x.pk for x in mine.soon]) == ([late.pk], [soon.pk])
    assert (mine.overdue_count, mine.soon_count, mine.followups_count) == (1, 1, 1)
    everyone = needs_attention(bob, now)
    assert (everyone.overdue_count, everyone.soon_count, everyone.followups_count) == (2, 1, 1)


def test_needs_attention_page_shows_the_queue_only_to_those_who_may_see_it(riverside, carol, frank, client_for):
    clocked(riverside, chicago(2026, 3, 10, 9, 0), assigned_to=carol)
    with at(chicago(2026, 3, 10, 10, 0)):
        mine = client_for(carol).get("/escalations/attention/").content.decode()
        theirs = client_for(frank).get("/escalations/attention/").content.decode()
    assert 'id="attention-overdue">1<' in mine
    assert 'id="attention-overdue">0<' in theirs


def test_the_partials_render_inside_any_page(riverside, carol, rf):
    """What the lead page, dashboard and top bar include: badge, follow-ups, needs attention, bell."""
    from django.middleware.csrf import get_token
    from django.template import RequestContext, Template

    lead = clocked(riverside, chicago(2026, 3, 10, 10, 0), assigned_to=carol)
    create_followup(lead=lead, title="Call back", due_at=chicago(2026, 3, 11, 10, 0), actor=carol)
    request = rf.get("/")
    request.user = carol
    get_token(request)
    page = Template(
        "{% load escalations_ui followups_ui notifications_ui %}"
        "{% notification_bell %}{% needs_attention %}{% lead_sla lead %}{% followups_panel lead %}"
    )
    with at(chicago(2026, 3, 10, 10, 10)):
        html = page.render(RequestContext(request, {"lead": lead}))
    assert 'id="notification-bell"' in html
    assert 'id="needs-attention"' in html
    assert "Reply within 20 min" in html
    assert "Call back" in html
    assert 'name="csrfmiddlewaretoken"' in html


def test_an_unassigned_lead_shows_in_needs_attention_and_on_its_page(riverside, bob, client_for):
    # Waiting unassigned (in a pool, or distribution failed): taken in without distribution, and
    # its clock started by hand; a follow-up for whoever will work it is already due.
    lead = clocked(riverside, chicago(2026, 3, 10, 9, 0), bulk=True)
    create_followup(lead=lead, title="Call back", due_at=chicago(2026, 3, 10, 9, 45), actor=bob)
    client = client_for(bob)
    with at(chicago(2026, 3, 10, 10, 0)):
        dashboard = client.get("/")
        attention = client.get("/escalations/attention/")
        page = client.get(f"/leads/{lead.pk}/")
    assert (dashboard.status_code, attention.status_code, page.status_code) == (200, 200, 200)
    html = attention.content.decode()
    assert 'id="attention-overdue">1<' in html
    assert "CarGurus · unassigned" in html
    assert "due Tue Mar 10, 9:45 AM · unassigned" in html
    assert 'id="needs-attention"' in dashboard.content.decode()
    assert "Call back" in page.content.decode()
    assert "whoever works the lead" in page.content.decode()

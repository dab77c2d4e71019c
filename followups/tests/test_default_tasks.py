"""Every new lead gets the default tasks of its category; admins edit the defaults."""

from __future__ import annotations

from conftest import make_lead
from escalations.tests.support import at, chicago, local
from followups.actions import create_default_tasks, default_tasks, set_default_tasks
from followups.models import DefaultTask, FollowUp


def tasks_of(lead):
    return [(f.title, local(f.due_at), f.category) for f in FollowUp.objects.filter(lead=lead).order_by("due_at")]


def test_third_party_lead_gets_the_third_party_defaults_moved_into_opening_hours(riverside):
    with at(chicago(2026, 3, 13, 18, 0)):  # Friday evening
        lead = make_lead(riverside, source_name="CarGurus")
        create_default_tasks(lead=lead)
    assert tasks_of(lead) == [
        # 24 h later is Saturday 18:00, after closing: the task is due when Monday opens.
        ("Second contact: call or text again", "Mon 2026-03-16 09:00 CDT", "third_party"),
        ("Ask for an appointment", "Mon 2026-03-16 18:00 CDT", "third_party"),
    ]


def test_lead_entered_by_hand_gets_the_manual_defaults(riverside, carol):
    with at(chicago(2026, 3, 10, 11, 0)):
        lead = make_lead(riverside, source_name="Walk-in", source_kind="walk_in", assigned_to=carol)
        create_default_tasks(lead=lead, actor=carol)
    assert tasks_of(lead) == [("Thank the customer for their visit", "Wed 2026-03-11 11:00 CDT", "manual")]


def test_sold_lead_gets_the_sold_defaults_counted_from_the_sale(riverside, carol):
    with at(chicago(2026, 3, 2, 10, 0)):
        lead = make_lead(riverside, assigned_to=carol)
    with at(chicago(2026, 3, 10, 15, 0)):
        create_default_tasks(lead=lead, category="sold", actor=carol)
    assert tasks_of(lead) == [
        ("Thank-you call after delivery", "Thu 2026-03-12 15:00 CDT", "sold"),
        ("Check in: first service", "Thu 2026-04-09 15:00 CDT", "sold"),
    ]


def test_default_tasks_are_made_once_per_category(riverside):
    with at(chicago(2026, 3, 10, 11, 0)):
        lead = make_lead(riverside)
        create_default_tasks(lead=lead)
        assert create_default_tasks(lead=lead) == []
    assert FollowUp.objects.filter(lead=lead).count() == 2


def test_imported_leads_get_no_tasks(riverside):
    lead = make_lead(riverside, source_kind="import")
    assert create_default_tasks(lead=lead) == []


def test_edited_defaults_apply_to_the_next_lead(riverside, alice):
    set_default_tasks(
        dealership=riverside,
        category="third_party",
        rows=[{"title": "Send the walkaround video", "due_after_hours": 2}],
        actor=alice,
    )
    with at(chicago(2026, 3, 10, 11, 0)):
        lead = make_lead(riverside)
        create_default_tasks(lead=lead)
    assert tasks_of(lead) == [("Send the walkaround video", "Tue 2026-03-10 13:00 CDT", "third_party")]
    assert [t.title for t in default_tasks(riverside) if t.category == "sold"] == [
        "Thank-you call after delivery",
        "Check in: first service",
    ], "other categories keep their defaults"


def test_removing_every_default_keeps_them_removed(riverside, alice):
    set_default_tasks(dealership=riverside, category="third_party", rows=[], actor=alice)
    lead = make_lead(riverside)
    assert create_default_tasks(lead=lead) == []
    assert DefaultTask.objects.filter(dealership=riverside, category="third_party").count() == 0


def test_settings_screen_shows_and_saves_the_defaults(riverside, alice, client_for):
    client = client_for(alice)
    page = client.get(f"/followups/settings/{riverside.slug}/")
    assert page.status_code == 200
    assert "24 Second contact: call or text again" in page.content.decode()

    saved = client.post(
        f"/followups/settings/{riverside.slug}/", {"category": "manual", "tasks": "4 Text a thank-you\n48 Call back"}
    )
    assert saved.status_code == 302
    assert [(t.title, t.due_after_hours) for t in default_tasks(riverside) if t.category == "manual"] == [
        ("Text a thank-you", 4),
        ("Call back", 48),
    ]


def test_settings_screen_refuses_a_bad_line_and_changes_nothing(riverside, alice, client_for):
    client = client_for(alice)
    page = client.post(f"/followups/settings/{riverside.slug}/", {"category": "manual", "tasks": "soon Call back"})
    assert page.status_code == 422
    assert "Line 1: write the hours" in page.content.decode()
    assert [t.title for t in default_tasks(riverside) if t.category == "manual"] == [
        "Thank the customer for their visit"
    ]


def test_only_the_dealerships_admins_see_its_settings(riverside, lakeside, bob, carol, erin, client_for):
    for user in (bob, carol, erin):
        assert client_for(user).get(f"/followups/settings/{riverside.slug}/").status_code == 404

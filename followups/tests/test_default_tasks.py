"""Every new lead gets the default tasks of its category, counted from when its first reply is
due (Riverside: 30 working minutes after arrival); admins edit the defaults."""

from __future__ import annotations

from conftest import make_lead
from escalations.models import Timer
from escalations.tests.support import at, chicago, local
from followups.actions import create_default_tasks, create_followup, default_tasks, set_default_tasks
from followups.models import DefaultTask, FollowUp
from leads.actions import set_status


def tasks_of(lead, category=None):
    tasks = FollowUp.objects.filter(lead=lead).order_by("due_at")
    if category:
        tasks = tasks.filter(category=category)
    return [(f.title, local(f.due_at), f.category) for f in tasks]


def test_third_party_lead_gets_the_third_party_defaults_moved_into_opening_hours(riverside):
    with at(chicago(2026, 3, 13, 18, 0)):  # Friday evening; the first reply is due at 18:30
        lead = make_lead(riverside, source_name="CarGurus")
    assert tasks_of(lead) == [
        # 24 h after 18:30 is Saturday 18:30, after closing: the task is due when Monday opens.
        ("Second contact: call or text again", "Mon 2026-03-16 09:00 CDT", "third_party"),
        ("Ask for an appointment", "Mon 2026-03-16 18:30 CDT", "third_party"),
    ]


def test_second_contact_of_a_weekend_lead_comes_a_day_after_its_first_reply_is_due(riverside):
    # Saturday 16:50: the first reply is due Monday 09:20 (10 minutes Saturday, 20 Monday).
    # Counted from arrival, "a day later" would land on Monday 09:00, before the first reply.
    with at(chicago(2026, 3, 14, 16, 50)):
        lead = make_lead(riverside)
    assert tasks_of(lead) == [
        ("Second contact: call or text again", "Tue 2026-03-17 09:20 CDT", "third_party"),
        ("Ask for an appointment", "Thu 2026-03-19 09:20 CDT", "third_party"),
    ]


def test_lead_entered_by_hand_gets_the_manual_defaults(riverside, carol):
    with at(chicago(2026, 3, 10, 11, 0)):
        lead = make_lead(riverside, source_name="Walk-in", source_kind="walk_in", assigned_to=carol)
    assert tasks_of(lead) == [("Thank the customer for their visit", "Wed 2026-03-11 11:30 CDT", "manual")]


def test_a_lead_without_a_reply_deadline_counts_from_its_arrival(riverside):
    riverside.escalation = {"stage1_minutes": 0}
    riverside.save()
    with at(chicago(2026, 3, 10, 11, 0)):
        lead = make_lead(riverside)
    assert [due for _, due, _ in tasks_of(lead)] == ["Wed 2026-03-11 11:00 CDT", "Fri 2026-03-13 11:00 CDT"]


def test_a_task_due_at_once_is_left_to_the_reply_clock(riverside, alice):
    set_default_tasks(
        dealership=riverside,
        category="third_party",
        rows=[{"title": "Call the customer", "due_after_hours": 0}, {"title": "Call again", "due_after_hours": 24}],
        actor=alice,
    )
    with at(chicago(2026, 3, 10, 11, 0)):
        clocked = make_lead(riverside)
    # The clock reminds, tells the salesperson and then the supervisor about the first reply.
    assert tasks_of(clocked) == [("Call again", "Wed 2026-03-11 11:30 CDT", "third_party")]

    riverside.escalation = {"stage1_minutes": 0}
    riverside.save()
    with at(chicago(2026, 3, 10, 11, 0)):
        unclocked = make_lead(riverside, customer={"first_name": "Sam", "emails": ["sam@example.com"]})
    assert tasks_of(unclocked) == [
        ("Call the customer", "Tue 2026-03-10 11:00 CDT", "third_party"),
        ("Call again", "Wed 2026-03-11 11:00 CDT", "third_party"),
    ]


def test_sold_lead_gets_the_sold_defaults_counted_from_the_sale(riverside, carol):
    with at(chicago(2026, 3, 2, 10, 0)):
        lead = make_lead(riverside, assigned_to=carol)
    with at(chicago(2026, 3, 10, 15, 0)):
        set_status(lead=lead, status="sold", actor=carol)
    assert tasks_of(lead, "sold") == [
        ("Thank-you call after delivery", "Thu 2026-03-12 15:00 CDT", "sold"),
        ("Check in: first service", "Thu 2026-04-09 15:00 CDT", "sold"),
    ]
    with at(chicago(2026, 3, 11, 9, 0)):
        assert create_default_tasks(lead=lead, category="sold", actor=carol) == []
    assert FollowUp.objects.filter(lead=lead, category="sold").count() == 2


def test_a_sale_closes_the_new_lead_defaults_but_not_tasks_added_by_hand(riverside, carol):
    with at(chicago(2026, 3, 2, 10, 0)):
        lead = make_lead(riverside, assigned_to=carol)
        by_hand = create_followup(lead=lead, title="Order the floor mats", due_at=chicago(2026, 3, 12, 10), actor=carol)
    with at(chicago(2026, 3, 10, 15, 0)):
        set_status(lead=lead, status="sold", actor=carol)
    open_titles = [t.title for t in FollowUp.objects.filter(lead=lead, completed_at__isnull=True)]
    assert open_titles == ["Order the floor mats", "Thank-you call after delivery", "Check in: first service"]
    closed = FollowUp.objects.filter(lead=lead, category="third_party")
    assert {(t.comment, t.completed_by) for t in closed} == {("Closed: the lead was sold.", carol)}
    assert not Timer.objects.filter(followup__in=closed, cancelled_at__isnull=True, fired_at__isnull=True).exists()
    assert Timer.objects.filter(followup=by_hand, cancelled_at__isnull=True).exists()
    assert lead.activities.filter(
        text="Follow-ups closed by the sale: Second contact: call or text again, Ask for an appointment"
    ).exists()


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
    assert tasks_of(lead) == [("Send the walkaround video", "Tue 2026-03-10 13:30 CDT", "third_party")]
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

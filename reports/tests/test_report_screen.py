"""The Reports screen: the same numbers as the API, the leads behind every figure, SLA, funnel
and activity counted from what happened, and nothing a user may not see."""

from __future__ import annotations

import csv
import io

import pytest
import time_machine

from appointments.actions import book_appointment, mark_appointment
from conftest import make_lead
from conversations.actions import send_message
from conversations.models import Conversation, Message
from followups.actions import create_followup
from leads.actions import log_contact, set_status
from reports.tests.conftest import answered_lead, local

WEEK = {"period": "custom", "from": "2026-11-30", "to": "2026-12-06"}


@pytest.fixture
def week(riverside, carol, dave):
    answered_lead(riverside, arrived="2026-12-01 10:00", replied="2026-12-01 10:02", by=carol)
    answered_lead(riverside, arrived="2026-12-01 21:00", replied="2026-12-02 09:10", by=carol, source_name="Cars.com")
    answered_lead(riverside, arrived="2026-12-03 11:00", replied=None, by=dave, source_name="Cars.com")


def csv_of(client, table: str, **params) -> list[dict[str, str]]:
    response = client.get(f"/reports/{table}.csv", {**WEEK, **params})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(response.content.decode())))


def test_the_screen_the_csv_and_the_api_show_the_same_numbers(week, bob, client_for, api_for):
    page = client_for(bob).get("/reports/", WEEK)
    lines = {line["Email"]: line for line in csv_of(client_for(bob), "speed")}
    api = api_for(bob).get("/reports/speed-to-lead", {"from": "2026-11-30", "to": "2026-12-06"}).json()["rows"]

    assert page.status_code == 200
    speed = page.context["report"].tables["speed"]
    for row in api:
        line = lines[row["key"]]
        assert float(line["Median reply (working min)"] or "nan") == pytest.approx(
            row["median_working_minutes"] if row["median_working_minutes"] is not None else float("nan"), nan_ok=True
        )
        assert int(line["Never answered"]) == row["never"]
        assert next(r for r in speed.rows if r["key"] == row["key"])["leads"] == row["leads"]
    assert lines["carol@example.com"]["Median reply (working min)"] == "6.0"  # of 2 and 10
    assert lines["dave@example.com"]["Answered (%)"] == "0.0"


def test_a_figure_opens_exactly_the_leads_behind_it(week, bob, riverside, client_for):
    page = client_for(bob).get(
        "/reports/leads/", {**WEEK, "figure": "never", "group": "salesperson", "key": "dave@example.com"}
    )

    assert page.status_code == 200
    assert [lead.assigned_to.email for lead in page.context["page"].object_list] == ["dave@example.com"]
    assert "Never answered · Dave Seller" in page.content.decode()


def test_a_salesperson_sees_only_their_own_figures_and_leads(week, carol, client_for):
    client = client_for(carol)

    assert [line["Email"] for line in csv_of(client, "speed")] == ["carol@example.com"]
    behind = client.get(
        "/reports/leads/", {**WEEK, "figure": "never", "group": "salesperson", "key": "dave@example.com"}
    )
    assert behind.context["page"].paginator.count == 0


def test_another_dealerships_people_see_none_of_it(week, erin, riverside, client_for):
    assert csv_of(client_for(erin), "speed") == []
    assert client_for(erin).get("/reports/", {**WEEK, "dealership": "riverside-toyota"}).status_code == 404


def test_a_bad_period_is_explained_and_last_week_shown_instead(week, bob, client_for):
    page = client_for(bob).get("/reports/", {"period": "custom", "from": "2026-12-06", "to": "2026-12-01"})

    assert page.status_code == 200
    assert "The period ends (2026-12-01) before it starts (2026-12-06). Showing last week instead." in (
        page.content.decode()
    )
    assert page.context["asked"].period_name == "last_week"


def test_an_unknown_figure_is_a_bad_request(week, bob, client_for):
    assert client_for(bob).get("/reports/leads/", {**WEEK, "figure": "weather"}).status_code == 400
    assert client_for(bob).get("/reports/nothing.csv", WEEK).status_code == 404


def test_the_funnel_counts_appointments_kept_and_lost_reasons(riverside, carol, bob, client_for):
    sold = answered_lead(riverside, arrived="2026-12-01 10:00", replied="2026-12-01 10:05", by=carol)
    set_status(lead=sold, status="appointment", actor=carol)  # booked before appointments were kept
    set_status(lead=sold, status="sold", actor=carol)
    booked = answered_lead(riverside, arrived="2026-12-01 11:00", replied="2026-12-01 11:05", by=carol)
    with time_machine.travel(local("2026-12-01 11:10"), tick=False):
        visit = book_appointment(dealership=riverside, actor=carol, lead=booked, starts_at=local("2026-12-01 15:00"))
    with time_machine.travel(local("2026-12-01 16:00"), tick=False):
        mark_appointment(appointment=visit, outcome="kept", actor=carol)
    lost = answered_lead(riverside, arrived="2026-12-02 10:00", replied=None, by=carol, source_name="Cars.com")
    set_status(lead=lost, status="lost", actor=carol, lost_reason="Bought elsewhere")
    answered_lead(riverside, arrived="2026-12-02 11:00", replied=None, by=carol, source_name="Cars.com")

    funnel = {line["Source"]: line for line in csv_of(client_for(bob), "funnel-source")}
    reasons = csv_of(client_for(bob), "lost-reasons")

    cargurus = funnel["CarGurus"]
    assert [cargurus[k] for k in ("Leads", "Worked", "Appointment", "Sold", "Conversion (%)")] == [
        "2", "2", "2", "1", "50.0"
    ]  # fmt: skip
    assert (cargurus["Kept"], cargurus["Show rate (%)"]) == ("1", "50.0")
    assert [funnel["Cars.com"][k] for k in ("Leads", "Worked", "Lost")] == ["2", "1", "1"]
    assert reasons == [{"Reason": "Bought elsewhere", "Leads": "1"}]


def test_activity_counts_what_people_sent_per_day_not_automated_messages(texting, carol, dave, bob, client_for):
    lead = make_lead(texting, assigned_to=carol, bulk=True, received_at=local("2026-12-01 10:00"))
    with time_machine.travel(local("2026-12-01 10:01"), tick=False):
        send_message(lead=lead, channel="sms", body="Thanks, we got it.", actor=None, automated=True)
    with time_machine.travel(local("2026-12-01 10:05"), tick=False):
        send_message(lead=lead, channel="sms", body="Hi, Carol here.", actor=carol)
        log_contact(lead=lead, kind="visit", note="Came by", actor=carol)
    with time_machine.travel(local("2026-12-02 22:30"), tick=False):  # 04:30 UTC on the 3rd
        send_message(lead=lead, channel="sms", body="Still interested?", actor=carol)
    # An email as the email channel will store it: it counts as soon as such rows exist.
    Message.objects.create(
        conversation=Conversation.objects.get(lead=lead),
        channel="email",
        direction="out",
        status="sent",
        sent_by=carol,
        created_at=local("2026-12-02 09:00"),
    )

    daily = csv_of(client_for(bob), "activity-daily")
    totals = csv_of(client_for(bob), "activity")

    assert [(d["Day"], d["Texts"], d["Emails"], d["Logged contacts"]) for d in daily] == [
        ("2026-12-01", "1", "0", "1"),
        ("2026-12-02", "1", "1", "0"),
    ]
    assert (totals[0]["Email"], totals[0]["Texts"], totals[0]["Per day"]) == ("carol@example.com", "2", "0.6")
    assert [line["Email"] for line in csv_of(client_for(carol), "activity")] == ["carol@example.com"]
    assert csv_of(client_for(dave), "activity") == []  # a salesperson sees only their own


def test_overdue_follow_ups_are_counted_for_whoever_must_do_them(riverside, carol, dave, bob, client_for):
    carols = answered_lead(riverside, arrived="2026-12-01 10:00", replied=None, by=carol)
    create_followup(lead=carols, title="Call back", due_at=local("2026-12-02 10:00"), actor=bob)
    create_followup(lead=carols, title="Send quote", due_at=local("2026-12-02 11:00"), actor=bob, assignee=dave)
    create_followup(lead=carols, title="Later", due_at=local("2026-12-20 11:00"), actor=bob)

    with time_machine.travel(local("2026-12-03 12:00"), tick=False):
        overdue = csv_of(client_for(bob), "followups-overdue")

    assert {line["Email"]: line["Overdue"] for line in overdue} == {"carol@example.com": "1", "dave@example.com": "1"}

"""Speed to lead over a week, through the API, with figures worked out by hand.

The week is Monday 30 November to Sunday 6 December 2026 at Riverside (America/Chicago).
"""

from __future__ import annotations

from datetime import date

import pytest
import time_machine

from api.tests.conftest import is_error
from conftest import make_lead
from conversations.actions import send_message
from reports.models import ReplyTime
from reports.period import Period
from reports.queries import GROUPINGS, report_dealerships, report_leads
from reports.speed import speed_to_lead, total
from reports.summed import speed_figures
from reports.tests.conftest import answered_lead, local

WEEK = {"from": "2026-11-30", "to": "2026-12-06"}


@pytest.fixture
def week(riverside, carol, dave, lakeside, erin):
    # Carol: replies after 2, 10 and 40 working minutes; one lost lead and one open lead never answered.
    answered_lead(riverside, arrived="2026-12-01 10:00", replied="2026-12-01 10:02", by=carol, channel="sms")
    answered_lead(riverside, arrived="2026-12-01 21:00", replied="2026-12-02 09:10", by=carol, channel="call")
    answered_lead(riverside, arrived="2026-12-05 16:40", replied="2026-12-07 09:20", by=carol, channel="sms")
    lost = answered_lead(riverside, arrived="2026-12-02 11:00", replied=None, by=carol, source_name="Cars.com")
    lost.status = "lost"
    lost.save()
    answered_lead(riverside, arrived="2026-12-04 11:00", replied=None, by=carol, source_name="Cars.com")
    # Dave: one reply, 5 working minutes (arrived Saturday 12:28, lunch until 13:30, answered 13:33).
    answered_lead(riverside, arrived="2026-12-05 12:28", replied="2026-12-05 13:33", by=dave, channel="email")
    # Outside the week in Chicago though inside it in UTC (Sunday 29 Nov 23:30 is 05:30 UTC on the 30th).
    answered_lead(riverside, arrived="2026-11-29 23:30", replied="2026-11-30 09:00", by=dave)
    answered_lead(riverside, arrived="2026-12-07 00:30", replied="2026-12-07 09:00", by=dave)
    # Another rooftop of the group: Erin's, unseen by Riverside's people.
    answered_lead(lakeside, arrived="2026-12-01 10:00", replied="2026-12-01 10:01")


def rows_for(client, **params) -> dict:
    response = client.get("/reports/speed-to-lead", {**WEEK, **params})
    assert response.status_code == 200, response.content
    return {row["key"]: row for row in response.json()["rows"]}


def test_a_manager_sees_each_salespersons_first_reply_in_working_minutes(week, bob, api_for):
    rows = rows_for(api_for(bob), dealership="riverside-toyota", by="salesperson")

    assert set(rows) == {"carol@example.com", "dave@example.com"}
    carol = rows["carol@example.com"]
    assert carol["label"] == "Carol Seller"
    assert (carol["leads"], carol["answered"], carol["never"], carol["waiting"]) == (5, 3, 2, 1)
    assert carol["median_working_minutes"] == 10
    assert carol["p90_working_minutes"] == 34  # 10 + 0.8 * (40 - 10)
    assert (carol["within_5"], carol["within_30"]) == (1, 2)
    assert carol["median_clock_minutes"] == 730  # 21:00 to 09:10 next day
    assert carol["channels"] == {"sms": 2, "call": 1}
    dave = rows["dave@example.com"]
    assert (dave["leads"], dave["answered"], dave["median_working_minutes"], dave["within_5"]) == (1, 1, 5, 1)
    assert dave["median_clock_minutes"] == 65
    assert dave["channels"] == {"email": 1}


def test_figures_by_source_and_by_dealership(week, alice, api_for):
    by_source = rows_for(api_for(alice), by="source")
    by_dealership = rows_for(api_for(alice), by="dealership")

    assert {key: row["leads"] for key, row in by_source.items()} == {"CarGurus": 4, "Cars.com": 2}
    assert by_source["Cars.com"]["never"] == 2
    assert list(by_dealership) == ["riverside-toyota"]
    assert by_dealership["riverside-toyota"]["leads"] == 6
    assert by_dealership["riverside-toyota"]["median_working_minutes"] == 7.5  # of 2, 5, 10, 40


def test_a_salesperson_sees_only_their_own_figures(week, carol, api_for):
    rows = rows_for(api_for(carol), by="salesperson")

    assert list(rows) == ["carol@example.com"]
    assert rows["carol@example.com"]["leads"] == 5


def test_leads_of_another_dealership_never_count(week, erin, frank, api_for):
    assert rows_for(api_for(erin), by="dealership")["lakeside-honda"]["leads"] == 1
    assert rows_for(api_for(frank), by="dealership") == {}
    response = api_for(erin).get("/reports/speed-to-lead", {**WEEK, "dealership": "riverside-toyota"})
    assert response.status_code == 404
    assert is_error(response.json())


def test_an_automated_text_is_not_a_reply(texting, carol, bob, api_for):
    lead = make_lead(texting, assigned_to=carol, bulk=True, received_at=local("2026-12-01 10:00"))
    with time_machine.travel(local("2026-12-01 10:01"), tick=False):
        send_message(lead=lead, channel="sms", body="Thanks, we got your request.", actor=None, automated=True)
    with time_machine.travel(local("2026-12-01 10:04"), tick=False):
        send_message(lead=lead, channel="sms", body="Hi, Carol here.", actor=carol)

    row = rows_for(api_for(bob), by="salesperson")["carol@example.com"]

    assert (row["answered"], row["median_working_minutes"], row["channels"]) == (1, 4, {"sms": 1})


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"by": "colour"}, 'by: "colour" is not one of salesperson, source, dealership, department'),
        ({"from": "2026-13-01"}, 'from: "2026-13-01" is not a date (YYYY-MM-DD)'),
        ({"to": ""}, "to: give a date as YYYY-MM-DD"),
        ({"from": "2026-12-06", "to": "2026-12-01"}, "to: the period ends (2026-12-01) before it starts (2026-12-06)"),
    ],
)
def test_bad_parameters_are_refused_with_the_parameter_named(week, bob, api_for, params, message):
    response = api_for(bob).get("/reports/speed-to-lead", {**WEEK, **params})

    assert response.status_code == 422
    assert response.json()["error"]["message"] == message


@pytest.mark.parametrize("by", list(GROUPINGS))
def test_the_database_adds_up_the_same_figures_as_python(week, alice, by):
    dealerships = report_dealerships(alice)
    leads = report_leads(alice, dealerships, Period(date(2026, 11, 30), date(2026, 12, 6)))

    rows, everything = speed_figures(leads, dealerships, by)

    one_by_one = speed_to_lead(leads, dealerships, by)
    assert [row.as_json() for row in rows] == [row.as_json() for row in one_by_one]
    assert everything.as_json() == total(one_by_one).as_json()
    assert (everything.leads, everything.answered, everything.median_working_minutes) == (6, 4, 7.5)


def test_a_lead_answered_before_reports_existed_is_measured_on_the_fly(week, bob, api_for):
    before = rows_for(api_for(bob), by="salesperson")
    ReplyTime.objects.filter(lead__assigned_to__email="carol@example.com", working_minutes__gt=30).delete()

    after = rows_for(api_for(bob), by="salesperson")

    assert after == before
    assert after["carol@example.com"]["p90_working_minutes"] == 34

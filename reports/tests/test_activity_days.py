"""Activity: days that are over are counted once and read from those counts; today is live."""

from __future__ import annotations

import csv
import io

import time_machine

from conftest import make_lead
from conversations.actions import send_message
from leads.actions import log_contact
from reports.models import ActivityDayCounted
from reports.tests.conftest import local

TWO_DAYS = {"period": "custom", "from": "2026-12-01", "to": "2026-12-02"}


def texts_per_day(client) -> list[tuple[str, str, str]]:
    response = client.get("/reports/activity-daily.csv", TWO_DAYS)
    assert response.status_code == 200
    return [
        (row["Day"], row["Texts"], row["Logged contacts"])
        for row in csv.DictReader(io.StringIO(response.content.decode()))
    ]


def test_yesterday_is_counted_once_and_todays_texts_show_at_once(texting, carol, bob, client_for):
    lead = make_lead(texting, assigned_to=carol, bulk=True, received_at=local("2026-12-01 10:00"))
    with time_machine.travel(local("2026-12-01 23:59"), tick=False):
        send_message(lead=lead, channel="sms", body="Hi, Carol here.", actor=carol)
    with time_machine.travel(local("2026-12-02 00:30"), tick=False):
        # Half an hour after midnight the first is still counted live, as today is.
        assert texts_per_day(client_for(bob)) == [("2026-12-01", "1", "0")]
        assert not ActivityDayCounted.objects.exists()

    with time_machine.travel(local("2026-12-02 10:00"), tick=False):
        send_message(lead=lead, channel="sms", body="Still interested?", actor=carol)
        assert texts_per_day(client_for(bob)) == [("2026-12-01", "1", "0"), ("2026-12-02", "1", "0")]
        send_message(lead=lead, channel="sms", body="We have it in blue.", actor=carol)
        log_contact(lead=lead, kind="visit", note="Came by", actor=carol)
        assert texts_per_day(client_for(bob)) == [("2026-12-01", "1", "0"), ("2026-12-02", "2", "1")]
    assert [(c.day.isoformat(), c.timezone) for c in ActivityDayCounted.objects.all()] == [
        ("2026-12-01", "America/Chicago")
    ]

    with time_machine.travel(local("2026-12-03 09:00"), tick=False):
        # Both days are over now: counted once, the same figures, for the manager and for Carol.
        assert texts_per_day(client_for(bob)) == [("2026-12-01", "1", "0"), ("2026-12-02", "2", "1")]
        assert texts_per_day(client_for(carol)) == [("2026-12-01", "1", "0"), ("2026-12-02", "2", "1")]
    assert ActivityDayCounted.objects.count() == 2


def test_a_day_is_counted_again_in_the_new_zone_when_the_dealership_moves_zone(texting, carol, bob, client_for):
    lead = make_lead(texting, assigned_to=carol, bulk=True, received_at=local("2026-12-01 10:00"))
    with time_machine.travel(local("2026-12-01 23:30"), tick=False):  # 00:30 on the 2nd in New York
        send_message(lead=lead, channel="sms", body="Hi, Carol here.", actor=carol)
    assert texts_per_day(client_for(bob)) == [("2026-12-01", "1", "0")]

    texting.timezone = "America/New_York"
    texting.save()

    assert texts_per_day(client_for(bob)) == [("2026-12-02", "1", "0")]

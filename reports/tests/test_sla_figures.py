"""SLA figures: stage 1 and 2 breaches and reminders, counted from the escalation timers that
really fired (the worker run in this process under travelled clocks)."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
import time_machine

from conftest import make_lead
from escalations.tests.support import run_worker_at
from leads.actions import log_contact
from reports.tests.conftest import local

pytestmark = pytest.mark.django_db(transaction=True)

WEEK = {"period": "custom", "from": "2026-11-30", "to": "2026-12-06"}


def csv_of(client, table: str) -> list[dict[str, str]]:
    response = client.get(f"/reports/{table}.csv", WEEK)
    return list(csv.DictReader(io.StringIO(response.content.decode())))


def test_missed_deadlines_and_reminders_are_counted_per_salesperson(riverside, carol, dave, bob, client_for, sink):
    arrived = local("2026-12-01 10:00")
    with time_machine.travel(arrived, tick=False):
        late = make_lead(riverside, assigned_to=carol)
        very_late = make_lead(riverside, assigned_to=carol)
        quick = make_lead(riverside, assigned_to=dave)
    with time_machine.travel(arrived + timedelta(minutes=5), tick=False):
        log_contact(lead=quick, kind="call", note="", actor=dave)
    run_worker_at(arrived + timedelta(minutes=25))  # reminders, 10 minutes before stage 1
    run_worker_at(arrived + timedelta(minutes=31))  # stage 1
    with time_machine.travel(arrived + timedelta(minutes=40), tick=False):
        log_contact(lead=late, kind="call", note="", actor=carol)
    run_worker_at(arrived + timedelta(minutes=92))  # stage 2 for the lead still unanswered

    lines = {line["Email"]: line for line in csv_of(client_for(bob), "sla-salesperson")}

    carol_line = lines["carol@example.com"]
    assert (carol_line["Overdue (stage 1)"], carol_line["Supervisor told (stage 2)"]) == ("2", "1")
    assert carol_line["Reminders sent"] == "2"
    assert (lines["dave@example.com"]["Overdue (stage 1)"], lines["dave@example.com"]["Reminders sent"]) == ("0", "0")
    stage2 = client_for(bob).get(
        "/reports/leads/", {**WEEK, "figure": "stage2", "group": "salesperson", "key": "carol@example.com"}
    )
    assert [lead.pk for lead in stage2.context["page"].object_list] == [very_late.pk]

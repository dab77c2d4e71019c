"""The weekly summary email: opt-in, made once a week on Monday morning by the worker, read off
a real SMTP server."""

from __future__ import annotations

import pytest

from escalations.tests.support import at, run_worker_at
from reports.models import WeeklySummarySent
from reports.tests.conftest import answered_lead, local

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def last_week(riverside, carol, dave):
    answered_lead(riverside, arrived="2026-12-01 21:00", replied="2026-12-02 09:05", by=carol)
    answered_lead(riverside, arrived="2026-12-03 11:00", replied=None, by=dave)


def test_a_manager_who_asked_gets_last_weeks_summary_once_on_monday_morning(last_week, bob, alice, client_for, sink):
    with at(local("2026-12-04 10:00")):  # asked on the Friday before
        response = client_for(bob).post("/reports/weekly-summary/", {"on": "1"})
    assert response.status_code == 302

    run_worker_at(local("2026-12-07 06:59"))
    assert sink.messages == []
    run_worker_at(local("2026-12-07 07:01"))
    run_worker_at(local("2026-12-07 07:02"))
    run_worker_at(local("2026-12-09 12:00"))

    [email] = sink.wait_for(1)
    assert email["To"] == "bob@example.com"  # Alice did not ask for it
    assert email["Subject"] == "Weekly summary: Mon Nov 30 to Sun Dec 6, 2026"
    assert email["Auto-Submitted"] == "auto-generated"
    text = email.get_body(("plain",)).get_content()
    assert "Carol Seller: 5.0, 1 leads, 0 never" in text
    assert "Dave Seller: —, 1 leads, 1 never" in text
    assert "/reports/?period=last_week" in text
    assert WeeklySummarySent.objects.count() == 1


def test_the_next_week_brings_the_next_summary_and_stopping_stops_it(last_week, bob, client_for, sink):
    with at(local("2026-12-04 10:00")):
        client_for(bob).post("/reports/weekly-summary/", {"on": "1"})
    run_worker_at(local("2026-12-07 08:00"))
    run_worker_at(local("2026-12-14 08:00"))
    with at(local("2026-12-15 10:00")):
        client_for(bob).post("/reports/weekly-summary/", {"on": "0"})
    run_worker_at(local("2026-12-21 08:00"))

    emails = sink.wait_for(2)
    assert [e["Subject"] for e in emails] == [
        "Weekly summary: Mon Nov 30 to Sun Dec 6, 2026",
        "Weekly summary: Mon Dec 7 to Sun Dec 13, 2026",
    ]


def test_a_salesperson_cannot_ask_for_it(carol, client_for):
    assert client_for(carol).post("/reports/weekly-summary/", {"on": "1"}).status_code == 403

"""A reply and the worker meeting at the deadline: whichever commits first wins (PostgreSQL,
where they really run at once; SQLite lets one writer in at a time)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, transaction

from conftest import make_lead
from escalations.actions import start_clock, stop_clock
from escalations.firing import sweep_timers
from escalations.models import LeadSla, Timer
from escalations.tests.support import at, chicago, mail_summary, run_worker_at

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def postgres_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL")


def test_a_reply_committing_while_the_worker_runs_keeps_its_timers(postgres_only, riverside, carol, bob, sink):
    with at(chicago(2026, 3, 10, 10, 0)):
        lead = make_lead(riverside, assigned_to=carol)
        start_clock(lead=lead)
    replied, release = threading.Event(), threading.Event()

    def reply() -> None:
        try:
            with transaction.atomic():
                stop_clock(lead=lead, at=chicago(2026, 3, 10, 10, 29, 59))
                replied.set()
                release.wait(20)
        finally:
            connection.close()

    with at(chicago(2026, 3, 10, 11, 0)):  # a worker that was behind: reminder and stage 1 are due
        replier = threading.Thread(target=reply)
        replier.start()
        assert replied.wait(20)
        assert sweep_timers() == 0, "the worker skips timers a reply is cancelling, without waiting"
        release.set()
        replier.join(20)

    run_worker_at(chicago(2026, 3, 10, 12, 0))
    assert sink.messages == []
    assert Timer.objects.filter(lead=lead, fired_at__isnull=False).count() == 0
    assert LeadSla.objects.get(lead=lead).state == LeadSla.State.MET


def test_a_reply_after_the_worker_fired_leaves_those_timers_fired(postgres_only, riverside, carol, bob, sink):
    with at(chicago(2026, 3, 10, 10, 0)):
        lead = make_lead(riverside, assigned_to=carol)
        start_clock(lead=lead)
    run_worker_at(chicago(2026, 3, 10, 10, 30))
    with at(chicago(2026, 3, 10, 10, 30, 1)):
        stop_clock(lead=lead, at=chicago(2026, 3, 10, 10, 30, 1))
    run_worker_at(chicago(2026, 3, 10, 12, 0))
    assert mail_summary(sink.messages) == [("carol@example.com", "Reminder"), ("carol@example.com", "Overdue")]

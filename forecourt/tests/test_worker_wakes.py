"""An idle worker wakes the moment work is committed (PostgreSQL LISTEN/NOTIFY, a bell file on
SQLite), not on its next poll; a rolled-back transaction never wakes it; it still stops on SIGTERM."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from subprocess import Popen

import psycopg
import pytest
from django.db import transaction

from forecourt.lib.wake import CHANNEL, FILE_LIMIT_BYTES, FileBell, NoBell, PostgresBell, bell_for_worker, wake_worker
from forecourt.testing import FakeTwilio, Output, ThrowawayPostgres, start_manage, wait_until
from notifications.actions import queue_text
from notifications.models import OutboundText

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


@pytest.fixture
def twilio() -> Iterator[FakeTwilio]:
    server = FakeTwilio().start()
    yield server
    server.stop()


def idle_worker(twilio: FakeTwilio) -> tuple[Popen[bytes], Output]:
    """A worker with an hour between polls: only being woken gets anything out while a test waits."""
    worker = start_manage(
        "runworker",
        "--interval",
        "3600",
        LOG_LEVEL="DEBUG",
        SMS_PROVIDER="twilio",
        TWILIO_API_BASE=twilio.base,
        TWILIO_ACCOUNT_SID="AC0123456789",
        TWILIO_AUTH_TOKEN="secret-token",
    )
    output = Output(worker.stderr)
    if not wait_until(lambda: "idle, waiting for work" in output, 60):
        worker.kill()  # left running, it would take the work of the tests after this one
        worker.wait()
        pytest.fail(f"the worker never went idle:\n{output}")
    return worker, output


@pytest.mark.real_clock
def test_an_idle_worker_sends_an_alert_committed_while_it_waits_and_still_stops_on_sigterm(twilio):
    worker, output = idle_worker(twilio)
    try:
        with transaction.atomic():
            text = queue_text(to="+15125550123", from_number="+15125550199", body="New lead: Jordan", purpose="alert")

        assert wait_until(lambda: twilio.requests, 30), f"the idle worker was not woken:\n{output}"
        sent = OutboundText.objects.filter(pk=text.pk, status=OutboundText.Status.SENT)
        assert wait_until(sent.exists, 30), f"the provider's answer was not recorded:\n{output}"
        assert [r["form"]["Body"] for r in twilio.requests] == [["New lead: Jordan"]]
    finally:
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(timeout=20) == 0
    assert "stopped" in output


@pytest.mark.real_clock
def test_a_text_whose_provider_answers_after_the_worker_went_idle_is_recorded_as_sent_at_once():
    # The sweep hands texts to the provider and goes on; the answer comes once nothing else is due.
    twilio = FakeTwilio(answer_after=1.0).start()
    worker, output = idle_worker(twilio)
    try:
        with transaction.atomic():
            text = queue_text(
                to="+15125550123",
                from_number="+15125550199",
                body="New lead: Jordan",
                purpose="alert",
                wake_worker=False,
            )
            wake_worker()  # as a batch of leads wakes it: the sweep, not a queued task, sends the text

        sent = OutboundText.objects.filter(pk=text.pk, status=OutboundText.Status.SENT)
        assert wait_until(sent.exists, 30), f"the provider's answer was not recorded:\n{output}"
        assert len(twilio.requests) == 1
    finally:
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(timeout=20) == 0
        twilio.stop()


def test_the_bell_rings_when_work_commits_and_not_when_it_rolls_back():
    bell = bell_for_worker()
    assert isinstance(bell, PostgresBell | FileBell)
    try:
        bell.mark()  # listening from here on, as the worker is before each pass
        with transaction.atomic():
            wake_worker()
            transaction.set_rollback(True)  # the transaction that queued work fails
        assert not bell.wait(0.3, lambda: True)

        with transaction.atomic():
            wake_worker()
            assert not bell.wait(0.3, lambda: True), "rang before the commit"
        assert bell.wait(30, lambda: True)
    finally:
        bell.close()


@pytest.fixture
def own_postgres() -> Iterator[ThrowawayPostgres]:
    if reason := ThrowawayPostgres.missing():
        pytest.skip(reason)
    server = ThrowawayPostgres.create()
    yield server
    server.destroy()


def ring(server: ThrowawayPostgres, *, commit: bool) -> None:
    """What `wake_worker` does on PostgreSQL, from a web process's connection."""
    with psycopg.connect(
        host="127.0.0.1", port=server.port, user="postgres", dbname=server.database
    ) as web:  # a transaction, committed or rolled back on leaving
        web.execute("SELECT pg_notify(%s, '')", [CHANNEL])
        if not commit:
            web.rollback()


def test_the_postgresql_bell_rings_on_commit_only_and_listens_again_after_a_database_restart(own_postgres):
    bell = PostgresBell({"host": "127.0.0.1", "port": own_postgres.port, "user": "postgres", "dbname": "forecourt"})
    try:
        bell.mark()
        ring(own_postgres, commit=False)
        assert not bell.wait(0.3, lambda: True)
        ring(own_postgres, commit=True)
        assert bell.wait(30, lambda: True)

        own_postgres.stop()  # every connection is cut, the worker's listening one too
        assert not bell.wait(0.3, lambda: True)
        bell.mark()  # the next pass, while the database is still away
        assert not bell.wait(0.3, lambda: True)
        own_postgres.start()

        bell.mark()  # the first pass once it is back
        ring(own_postgres, commit=True)
        assert bell.wait(30, lambda: True)
    finally:
        bell.close()


def test_the_sqlite_bell_file_is_emptied_once_large_and_still_rings(tmp_path):
    path = tmp_path / "forecourt.sqlite3-wake"
    path.write_bytes(b"\n" * (FILE_LIMIT_BYTES + 1))
    bell = FileBell(path)

    bell.mark()

    assert path.stat().st_size == 0
    assert not bell.wait(0.1, lambda: True)
    with path.open("ab") as ring:
        ring.write(b"\n")
    assert bell.wait(30, lambda: True)


def test_without_a_bell_the_worker_waits_its_interval_but_stops_at_once():
    bell = NoBell()
    bell.mark()
    assert bell.wait(0.1, lambda: True) is False
    assert bell.wait(3600, lambda: False) is False  # told to stop: returns at once
    bell.close()

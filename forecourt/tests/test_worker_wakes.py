"""An idle worker wakes the moment work is committed (PostgreSQL LISTEN/NOTIFY, a bell file on
SQLite), not on its next poll; a rolled-back transaction never wakes it; it still stops on SIGTERM."""

from __future__ import annotations

import signal
from collections.abc import Iterator

import pytest
from django.db import connection, transaction

from forecourt.lib.wake import FILE_LIMIT_BYTES, FileBell, NoBell, PostgresBell, bell_for_worker, wake_worker
from forecourt.testing import FakeTwilio, Output, start_manage, wait_until
from notifications.actions import queue_text
from notifications.models import OutboundText

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


@pytest.fixture
def twilio() -> Iterator[FakeTwilio]:
    server = FakeTwilio().start()
    yield server
    server.stop()


def test_an_idle_worker_sends_an_alert_committed_while_it_waits_and_still_stops_on_sigterm(twilio):
    # An hour between polls: only being woken can get the alert out while the test waits.
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
    try:
        assert wait_until(lambda: "idle, waiting for work" in output, 60), str(output)

        with transaction.atomic():
            text = queue_text(to="+15125550123", from_number="+15125550199", body="New lead: Jordan", purpose="alert")

        assert wait_until(lambda: twilio.requests, 30), f"the idle worker was not woken:\n{output}"
        text.refresh_from_db()
        assert text.status == OutboundText.Status.SENT
        assert [r["form"]["Body"] for r in twilio.requests] == [["New lead: Jordan"]]
    finally:
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(timeout=20) == 0
    assert "stopped" in output


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


def test_a_worker_whose_listening_connection_was_cut_listens_again():
    if connection.vendor != "postgresql":
        pytest.skip("LISTEN/NOTIFY is PostgreSQL's; SQLite's bell is a file")
    bell = PostgresBell()
    try:
        bell.mark()
        with connection.cursor() as cursor:  # as a database restart or an administrator would
            cursor.execute("SELECT pg_terminate_backend(%s)", [bell.connection.info.backend_pid])
        assert not bell.wait(0.5, lambda: True)

        bell.mark()
        wake_worker()
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

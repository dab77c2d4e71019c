"""The worker: jobs survive a killed worker, run once, and the worker stops cleanly."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from forecourt.testing import SmtpSink, run_manage, start_manage, wait_until
from forecourt.worker import Worker
from notifications.actions import queue_email
from notifications.models import OutboundEmail

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


@pytest.fixture
def sink() -> Iterator[SmtpSink]:
    server = SmtpSink(hang_first=True).start()
    yield server
    server.stop()


def test_email_of_a_worker_killed_mid_send_is_sent_once_after_the_lease_expires(sink, settings):
    email = queue_email(to=["carol@example.com"], subject="Your password", body="Hello", purpose="test")
    worker = start_manage("runworker", SMTP_URL=sink.url, FORECOURT_JOB_LEASE_SECONDS="60")
    try:
        assert sink.hanging.wait(30), "the worker never started sending"
    finally:
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait()

    settings.SMTP_URL = sink.url
    Worker().run_once()
    assert sink.messages == [], "a job still held by its (dead) worker must not be taken over early"

    with time_machine.travel(timezone.now() + timedelta(seconds=61)):
        Worker().run_once()
        Worker().run_once()
    assert [m["Subject"] for m in sink.messages] == ["Your password"]
    email.refresh_from_db()
    assert email.status == OutboundEmail.Status.SENT
    assert sink.messages[0]["Message-ID"] == email.message_id


def test_runworker_once_sends_what_is_due_and_exits(settings):
    sink = SmtpSink().start()
    try:
        queue_email(to=["bob@example.com"], subject="Due now", body="x", purpose="test")
        result = run_manage("runworker", "--once", SMTP_URL=sink.url)
        assert result.returncode == 0, result.stderr
        assert [m["Subject"] for m in sink.messages] == ["Due now"]
        assert run_manage("runworker", "--once", SMTP_URL=sink.url).returncode == 0
        assert len(sink.messages) == 1
    finally:
        sink.stop()


def test_failed_delivery_is_retried_later_with_backoff(settings):
    settings.SMTP_URL = "smtp://127.0.0.1:9"  # nothing listens on the discard port
    email = queue_email(to=["bob@example.com"], subject="Retry me", body="x", purpose="test")
    Worker().run_once()
    email.refresh_from_db()
    assert email.status == OutboundEmail.Status.PENDING
    assert email.attempts == 1
    assert email.due_at > timezone.now()
    assert email.last_error

    sink = SmtpSink().start()
    try:
        settings.SMTP_URL = sink.url
        Worker().run_once()
        assert sink.messages == [], "not due again before its back-off"
        with time_machine.travel(email.due_at + timedelta(seconds=1)):
            Worker().run_once()
        assert [m["Subject"] for m in sink.messages] == ["Retry me"]
    finally:
        sink.stop()


def test_runworker_stops_cleanly_on_sigterm():
    worker = start_manage("runworker", "--interval", "0.2")
    assert wait_until(lambda: worker.poll() is None, 2)
    assert wait_until(lambda: b"started" in (worker.stderr.peek() if worker.stderr else b""), 20)  # type: ignore[attr-defined]
    worker.send_signal(signal.SIGTERM)
    assert worker.wait(timeout=20) == 0

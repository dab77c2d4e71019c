"""The worker: jobs survive a killed worker, run once, and the worker stops cleanly."""

from __future__ import annotations

import asyncio
import os
import signal
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.db import connections, transaction
from django.utils import timezone

from forecourt.lib import batch
from forecourt.testing import FakeTwilio, Output, SmtpSink, run_manage, start_manage, wait_until
from forecourt.worker import Worker
from notifications.actions import queue_email, queue_text
from notifications.models import OutboundEmail, OutboundText

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


@pytest.fixture
def sink() -> Iterator[SmtpSink]:
    server = SmtpSink(hang_first=True).start()
    yield server
    server.stop()


@pytest.mark.real_clock
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


@pytest.mark.real_clock
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
    output = Output(worker.stderr)
    assert wait_until(lambda: "started" in output, 30), str(output)
    worker.send_signal(signal.SIGTERM)
    assert worker.wait(timeout=20) == 0


class SlowSink(SmtpSink):
    """A mail server that takes `seconds` over each message and notes when it has it; while
    `go_on` is clear, it takes none after the first, however slow or fast the machine."""

    def __init__(self, seconds: float = 0.25) -> None:
        super().__init__()
        self.seconds = seconds
        self.first = threading.Event()
        self.go_on = threading.Event()
        self.go_on.set()
        self.received_at: list[float] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.first.set()
        if self.received_at:
            await asyncio.to_thread(self.go_on.wait, 30)
        await asyncio.sleep(self.seconds)
        self.received_at.append(time.monotonic())
        return await super().handle_DATA(server, session, envelope)


def test_a_text_queued_while_the_worker_sends_many_emails_goes_out_before_they_are_all_sent(settings):
    """A burst's first leads alert their owners by email and text; the texts of the leads taken in
    meanwhile reach the phones between those emails, not after the last of them."""
    sink, twilio = SlowSink(), FakeTwilio().start()
    sink.go_on.clear()  # the second email waits for the text to be queued
    sink.start()
    settings.SMTP_URL = sink.url
    settings.SMS_PROVIDER, settings.TWILIO_API_BASE = "twilio", twilio.base
    settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN = "AC0123456789", "secret-token"
    with transaction.atomic(), batch.scope(many=True):  # queued as a batch of leads queues its alerts
        for n in range(10):
            queue_email(to=[f"seller{n}@example.com"], subject=f"New lead {n}", body="x", purpose="alert")
        batch.end()

    def text_once_sending_starts() -> None:
        try:
            assert sink.first.wait(30)
            queue_text(to="+15125550123", from_number="+15125550199", body="New lead: Jordan", purpose="alert")
        finally:
            sink.go_on.set()
            connections.close_all()

    meanwhile = threading.Thread(target=text_once_sending_starts)
    meanwhile.start()
    try:
        Worker().run_once()
        meanwhile.join(30)
        assert len(sink.messages) == 10, "every email still goes in the same pass"
        assert [r["form"]["Body"] for r in twilio.requests] == [["New lead: Jordan"]]  # type: ignore[index]
        assert OutboundText.objects.get().status == OutboundText.Status.SENT
        texted_at = twilio.requests[0]["at"]
        assert isinstance(texted_at, float)
        assert texted_at < sink.received_at[-1], "the text waited for every email"
    finally:
        sink.stop()
        twilio.stop()


def test_emails_waiting_behind_a_slow_mail_server_are_left_to_their_lease_and_sent_once(settings):
    """Emails are claimed twenty at a time; one whose lease has run half out before its turn (the
    mail server took long over the ones before) is not sent then, since another worker may take
    it as the lease ends: it goes once, in a later sweep."""
    sink = SlowSink(seconds=2.5)
    sink.start()
    settings.SMTP_URL, settings.JOB_LEASE_SECONDS = sink.url, 4
    with transaction.atomic(), batch.scope(many=True):
        emails = [
            queue_email(to=[f"seller{n}@example.com"], subject=f"New lead {n}", body="x", purpose="alert")
            for n in range(3)
        ]
        batch.end()
    try:
        Worker().run_once()
        assert [m["Subject"] for m in sink.messages] == ["New lead 0"]
        later = OutboundEmail.objects.filter(status=OutboundEmail.Status.PENDING).order_by("pk")
        assert [email.subject for email in later] == ["New lead 1", "New lead 2"]

        with time_machine.travel(timezone.now() + timedelta(seconds=5)):
            settings.JOB_LEASE_SECONDS = 60
            Worker().run_once()
        assert sorted(m["Subject"] for m in sink.messages) == ["New lead 0", "New lead 1", "New lead 2"]
        assert {email.status for email in OutboundEmail.objects.filter(pk__in=[e.pk for e in emails])} == {"sent"}
    finally:
        sink.stop()

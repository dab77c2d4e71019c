"""A row that can never be sent does not stop the worker: it is failed with its reason, and
the worker process goes on sending everything else."""

from __future__ import annotations

import signal
from collections.abc import Iterator

import pytest

from forecourt.testing import SmtpSink, start_manage, wait_until
from notifications.actions import queue_email
from notifications.models import OutboundEmail

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow, pytest.mark.real_clock]


@pytest.fixture
def sink() -> Iterator[SmtpSink]:
    server = SmtpSink().start()
    yield server
    server.stop()


def subjects(sink: SmtpSink) -> set[str]:
    return {str(m["Subject"]) for m in sink.messages}


def test_a_worker_process_fails_the_row_it_cannot_send_and_keeps_sending_the_others(sink: SmtpSink) -> None:
    queue_email(to=["carol@example.com"], subject="Before", body="x", purpose="test")
    poison = queue_email(to=["dave@example.com\r\nBcc: x@example.net"], subject="Poison", body="x", purpose="test")
    queue_email(to=["bob@example.com"], subject="Alongside", body="x", purpose="test")
    # A short lease: were the row left pending, the worker's sweep would take it up again at once.
    worker = start_manage("runworker", "--interval", "0.2", SMTP_URL=sink.url, FORECOURT_JOB_LEASE_SECONDS="1")
    try:
        assert wait_until(lambda: {"Before", "Alongside"} <= subjects(sink), 30), subjects(sink)

        def poison_failed() -> bool:
            poison.refresh_from_db()
            return poison.status == OutboundEmail.Status.FAILED

        assert wait_until(poison_failed, 30), (poison.status, poison.last_error)
        assert poison.last_error

        # Past the lease of the poison row, new work still goes out from the same process.
        queue_email(to=["carol@example.com"], subject="Later", body="x", purpose="test")
        assert wait_until(lambda: "Later" in subjects(sink), 30), subjects(sink)
        assert worker.poll() is None, "the worker process ended"
        assert "Poison" not in subjects(sink)
    finally:
        if worker.poll() is None:
            worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=20)

"""`manage.py smtpd --processes N`: several processes share the port; one that dies is replaced;
SIGTERM stops them all."""

from __future__ import annotations

import os
import signal
import smtplib
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from forecourt.testing import run_manage, start_manage, wait_until
from intake.models import InboundEmail
from intake.tests.conftest import adf, free_port, intake_address, lead_email, port_open
from leads.models import Lead

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def children_of(pid: int) -> set[int]:
    """Live (not zombie) processes whose parent is `pid`."""
    found = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[0] != "Z" and int(fields[1]) == pid:
            found.add(int(entry.name))
    return found


def alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def terminate(server: subprocess.Popen[bytes]) -> tuple[bytes, bytes]:
    server.send_signal(signal.SIGTERM)
    return server.communicate(timeout=30)


def assert_stopped_cleanly(server: subprocess.Popen[bytes], port: int, out: bytes, err: bytes) -> None:
    assert server.returncode == 0, err.decode()[-2000:]
    assert b"SMTP intake stopped" in out
    assert not port_open(port)


def send_lead(port: int, n: int) -> None:
    document = adf(first=f"Buyer{n}", email=f"buyer{n}@example.com", phone=f"512-555-{n:04d}", lead_id=f"CG-9{n:05d}")
    with smtplib.SMTP("127.0.0.1", port, timeout=20) as client:
        client.sendmail("leads@cargurus.com", [intake_address()], lead_email(document, message_id=f"<lead-{n}@x>"))


def processed(count: int) -> bool:
    return InboundEmail.objects.filter(status=InboundEmail.Status.PROCESSED).count() >= count


def test_several_processes_share_the_port_replace_a_dead_one_and_stop_together(riverside, alice):
    port = free_port()
    server = start_manage("smtpd", "--host", "127.0.0.1", "--port", str(port), "--processes", "2")
    try:
        assert wait_until(lambda: len(children_of(server.pid)) == 2 and port_open(port), timeout=30), (
            server.poll(),
            children_of(server.pid),
        )
        first = children_of(server.pid)

        with ThreadPoolExecutor(max_workers=6) as senders:
            list(senders.map(lambda n: send_lead(port, n), range(6)))
        assert wait_until(lambda: processed(6), timeout=30)
        assert Lead.objects.count() == 6

        dead = min(first)
        os.kill(dead, signal.SIGKILL)
        assert wait_until(lambda: len(children_of(server.pid) - first) == 1, timeout=30), children_of(server.pid)
        assert dead not in children_of(server.pid)
        for n in range(6, 10):  # whichever process takes them
            send_lead(port, n)
        assert wait_until(lambda: processed(10), timeout=30)
        assert Lead.objects.count() == 10
        serving = children_of(server.pid)
    finally:
        out, err = terminate(server)

    assert_stopped_cleanly(server, port, out, err)
    assert not any(alive(pid) for pid in serving)
    # The log holds a line for each message stored, not the SMTP library's ten for each session.
    assert err.count(b"stored message from leads@cargurus.com as inbound") == 10, err.decode()[-2000:]
    assert b"rcpt to:" not in err.lower()
    assert b"Peer:" not in err


def test_processes_must_be_at_least_one(db):
    done = run_manage("smtpd", "--port", str(free_port()), "--processes", "0")
    assert done.returncode == 1
    assert "--processes must be at least 1" in done.stderr


@pytest.mark.parametrize("processes", ["1", "2"])
def test_sigterm_as_soon_as_the_port_opens_still_stops_cleanly(db, processes):
    port = free_port()
    server = start_manage("smtpd", "--host", "127.0.0.1", "--port", str(port), "--processes", processes)
    try:
        deadline = time.monotonic() + 30
        while not port_open(port) and server.poll() is None and time.monotonic() < deadline:
            time.sleep(0.002)  # SIGTERM the moment it listens, before it has answered anyone
    finally:
        out, err = terminate(server)

    assert_stopped_cleanly(server, port, out, err)

"""`make run` on an empty database: demo loaded, web, worker and smtpd up on the ports asked for,
emailed links leading to that web port, and all three gone after one SIGTERM."""

from __future__ import annotations

import os
import re
import signal
import smtplib
import socket
import subprocess
import urllib.request
from pathlib import Path

import pytest
import requests

from forecourt.testing import SmtpSink, free_port, wait_until

BASE_DIR = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.slow


def _listening(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def _ask_for_a_password_reset(base_url: str, email: str) -> None:
    with requests.Session() as browser:
        form = browser.get(f"{base_url}/accounts/password/reset/", timeout=10)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text)
        assert token, form.text
        sent = browser.post(
            form.url,
            data={"csrfmiddlewaretoken": token.group(1), "email": email},
            headers={"Referer": form.url},
            timeout=10,
        )
        assert sent.status_code == 200, sent.text


def test_make_run_serves_the_demo_on_the_ports_asked_for_and_stops_on_sigterm(tmp_path):
    web_port, smtp_port = free_port(), free_port()
    outbox = SmtpSink().start()
    excluded = ("DATABASE_URL", "MAKEFLAGS", "MAKELEVEL", "FORECOURT_BASE_URL", "FORECOURT_WEB_PORT")
    env = {k: v for k, v in os.environ.items() if k not in excluded}
    env.update(
        PORT=str(web_port), SMTP_PORT=str(smtp_port), FORECOURT_VAR_DIR=str(tmp_path / "var"), SMTP_URL=outbox.url
    )
    make = subprocess.Popen(
        ["make", "--no-print-directory", "run"],
        cwd=BASE_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    output = b""
    try:
        assert wait_until(lambda: (_listening(web_port) and _listening(smtp_port)) or make.poll() is not None, 180)
        assert make.poll() is None, "make run exited early"
        with urllib.request.urlopen(f"http://127.0.0.1:{web_port}/accounts/login/", timeout=10) as page:
            assert page.status == 200
            assert b"Log in" in page.read()
        with smtplib.SMTP("127.0.0.1", smtp_port, timeout=10) as smtp:
            assert smtp.noop()[0] == 250

        # No FORECOURT_BASE_URL: emailed links lead to the port the server was started on.
        _ask_for_a_password_reset(f"http://127.0.0.1:{web_port}", "admin@demo.forecourt.test")
        resets = wait_until(lambda: [m for m in outbox.messages if "password" in m["Subject"]], 60)
        assert resets, "the worker sends the password reset email"
        assert f"http://127.0.0.1:{web_port}/accounts/password/reset/" in resets[0].get_content()
        # The demo's own alerts (new leads up for grabs) were written by other processes: same port.
        ports = {port for m in outbox.messages for port in re.findall(r"http://127\.0\.0\.1:(\d+)/", m.get_content())}
        assert ports == {str(web_port)}
    finally:
        outbox.stop()
        os.kill(make.pid, signal.SIGTERM)
        try:
            output, _ = make.communicate(timeout=60)
        finally:
            if make.poll() is None:
                os.killpg(make.pid, signal.SIGKILL)
    text = output.decode(errors="replace")
    assert "admin@demo.forecourt.test" in text, "the demo logins are printed"
    assert wait_until(lambda: not _listening(web_port) and not _listening(smtp_port), 20), text[-2000:]
    stray = subprocess.run(["pgrep", "-f", f"127.0.0.1:{web_port}"], capture_output=True, text=True, check=False)
    assert stray.stdout.strip() == "", "no web process outlives make run"

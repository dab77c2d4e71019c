"""A database restart takes nothing down: the worker and smtpd wait for it and carry on, and the
web answers 503 with Retry-After meanwhile (lead providers and integrations retry), never 500.

Each test runs Forecourt's real processes against a PostgreSQL server of its own (a throwaway
cluster on a free port), which it stops and starts again.
"""

from __future__ import annotations

import http.cookiejar
import json
import re
import signal
import smtplib
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from conftest import PASSWORD
from forecourt.testing import (
    BASE_DIR,
    Output,
    SmtpSink,
    ThrowawayPostgres,
    free_port,
    manage_env,
    run_manage,
    wait_until,
)
from intake.tests.conftest import adf, lead_email

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(bool(ThrowawayPostgres.missing()), reason=ThrowawayPostgres.missing() or "-"),
]

SEED = """
from accounts.models import ApiToken, Membership
from conftest import make_dealership, make_user
from dealerships.models import Organization
riverside = make_dealership(Organization.objects.create(name="River Auto Group"), "riverside-toyota",
                            "Riverside Toyota", "America/Chicago", subdivision="TX")
bob = make_user("bob@example.com", "Bob Manager", riverside, Membership.Role.MANAGER)
print(ApiToken.issue(user=bob, scope=ApiToken.Scope.FULL)[1])
"""


@dataclass
class Database:
    server: ThrowawayPostgres
    token: str

    def env(self, **extra: str) -> dict[str, str]:
        # Connections kept between requests, as in production: the ones a restart cuts must be noticed.
        return {"DATABASE_URL": self.server.url, "CONN_MAX_AGE": "60", **extra}

    def shell(self, code: str) -> str:
        result = run_manage("shell", "-c", code, DATABASE_URL=self.server.url)
        assert result.returncode == 0, result.stderr
        return result.stdout


@pytest.fixture(scope="module")
def database() -> Iterator[Database]:
    server = ThrowawayPostgres.create()
    try:
        migrated = run_manage("migrate", "--noinput", "-v0", timeout=120, DATABASE_URL=server.url)
        assert migrated.returncode == 0, migrated.stderr
        seeded = run_manage("shell", "-c", SEED, DATABASE_URL=server.url)
        assert seeded.returncode == 0, seeded.stderr
        yield Database(server, seeded.stdout.strip().splitlines()[-1])
    finally:
        server.destroy()


@dataclass
class Process:
    popen: subprocess.Popen[bytes]
    out: Output
    err: Output

    def alive(self) -> bool:
        return self.popen.poll() is None

    def stop(self) -> None:
        if self.alive():
            self.popen.send_signal(signal.SIGTERM)
        try:
            self.popen.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.popen.kill()
            self.popen.wait()


@pytest.fixture
def start(database: Database) -> Iterator[Any]:
    started: list[Process] = []

    def run(*command: str, **env: str) -> Process:
        popen = subprocess.Popen(
            [*command],
            cwd=BASE_DIR,
            env=manage_env(**database.env(**env)),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        process = Process(popen, Output(popen.stdout), Output(popen.stderr))
        started.append(process)
        return process

    yield run
    for process in started:
        process.stop()


def restart(database: Database, while_away: Any = None) -> None:
    """Stop the database as a crash would, run `while_away`, then start it again."""
    database.server.stop()
    try:
        if while_away is not None:
            while_away()
    finally:
        database.server.start()


def test_the_worker_waits_for_a_restarted_database_and_then_sends_what_is_due(database: Database, start: Any) -> None:
    sink = SmtpSink().start()
    try:
        worker = start(sys.executable, "manage.py", "runworker", "--interval", "0.2", SMTP_URL=sink.url)
        assert wait_until(lambda: "started" in worker.err, 30), str(worker.err)

        def away() -> None:
            assert wait_until(lambda: "database is unavailable" in worker.err or not worker.alive(), 20), str(
                worker.err
            )
            assert worker.alive(), f"the worker ended while the database was away:\n{worker.err}"

        restart(database, away)
        database.shell(
            "from notifications.actions import queue_email\n"
            "queue_email(to=['bob@example.com'], subject='After the restart', body='x', purpose='test')"
        )
        assert wait_until(lambda: len(sink.messages) == 1, 30), str(worker.err)
        assert str(sink.messages[0]["Subject"]) == "After the restart"
        assert wait_until(lambda: "database is back" in worker.err, 30), str(worker.err)
        assert worker.alive()
    finally:
        sink.stop()


def send_lead(port: int, subject: str) -> tuple[int, str]:
    """Hand a lead email to smtpd: its answer to DATA (or to RCPT, if that refused it)."""
    try:
        with smtplib.SMTP("127.0.0.1", port, timeout=10) as client:
            client.sendmail(
                "leads@cargurus.com", ["riverside-toyota@leads.forecourt.localhost"], lead_email(subject=subject)
            )
            return 250, "accepted"
    except smtplib.SMTPRecipientsRefused as exc:
        code, message = next(iter(exc.recipients.values()))
        return code, str(message)
    except smtplib.SMTPResponseException as exc:
        return exc.smtp_code, str(exc.smtp_error)


def test_smtp_intake_asks_senders_to_retry_while_the_database_is_away_and_takes_mail_again_after(
    database: Database, start: Any
) -> None:
    port = free_port()
    smtpd = start(sys.executable, "manage.py", "smtpd", "--port", str(port))
    assert wait_until(lambda: "listening" in smtpd.out or not smtpd.alive(), 30), str(smtpd.err)
    assert send_lead(port, "Before") == (250, "accepted")

    answers: list[tuple[int, str]] = []
    restart(database, lambda: answers.append(send_lead(port, "While away")))

    code, message = answers[0]
    assert 400 <= code < 500, f"a sender must be told to try again later, not {code} {message}"
    assert wait_until(lambda: send_lead(port, "After") == (250, "accepted"), 20), str(smtpd.err)
    assert smtpd.alive()


def call(port: int, method: str, path: str, token: str, body: bytes | None = None) -> tuple[int, dict[str, str], Any]:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}",
        data=body,
        method=method,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/xml"},
    )
    try:
        with urllib.request.urlopen(request, timeout=15) as response:
            return response.status, dict(response.headers), json.loads(response.read() or b"null")
    except urllib.error.HTTPError as exc:
        raw = exc.read()
        try:
            parsed = json.loads(raw)
        except ValueError:
            parsed = raw.decode(errors="replace")[-2000:]
        return exc.code, dict(exc.headers), parsed
    except (urllib.error.URLError, ConnectionError):
        return 0, {}, "no answer"  # the server is not listening yet


def test_http_intake_and_the_api_answer_503_with_retry_after_while_the_database_is_away(
    database: Database, start: Any
) -> None:
    port = free_port()
    web = start(
        str(BASE_DIR / ".venv/bin/gunicorn"),
        "forecourt.wsgi",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        "1",
        "--threads",
        "2",
        "--worker-class",
        "gthread",
        "--graceful-timeout",
        "2",
    )
    intake = "/api/v1/dealerships/riverside-toyota/adf"
    assert wait_until(lambda: call(port, "POST", intake, database.token, adf(lead_id="WEB-1").encode())[0], 30)
    assert call(port, "GET", "/api/v1/leads", database.token)[0] == 200

    answers: list[tuple[int, dict[str, str], Any]] = []

    def away() -> None:
        answers.append(call(port, "POST", intake, database.token, adf(lead_id="WEB-2", first="Sam").encode()))
        answers.append(call(port, "GET", "/api/v1/leads", database.token))

    restart(database, away)

    for status, headers, body in answers:
        assert status == 503, body
        assert int(headers["Retry-After"]) > 0
        assert body["error"]["code"] == "unavailable", body
    assert wait_until(
        lambda: call(port, "POST", intake, database.token, adf(lead_id="WEB-3", first="Lee").encode())[0] == 201, 20
    )
    assert call(port, "GET", "/api/v1/leads", database.token)[0] == 200
    assert web.alive()


def logged_in_browser(port: int) -> urllib.request.OpenerDirector:
    """Bob, logged in: an opener that keeps his session cookie."""
    browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    page = browser.open(f"http://127.0.0.1:{port}/accounts/login/", timeout=15).read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert token, page
    form = {"csrfmiddlewaretoken": token.group(1), "email": "bob@example.com", "password": PASSWORD}
    browser.open(f"http://127.0.0.1:{port}/accounts/login/", urllib.parse.urlencode(form).encode(), timeout=15)
    return browser


def page_status(browser: urllib.request.OpenerDirector, url: str) -> tuple[int, str, str]:
    try:
        with browser.open(url, timeout=15) as response:
            return response.status, response.headers.get("Retry-After", ""), response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers.get("Retry-After", ""), exc.read().decode(errors="replace")


def test_a_salesperson_sees_back_in_a_moment_while_the_database_is_away(database: Database, start: Any) -> None:
    port = free_port()
    web = start(
        str(BASE_DIR / ".venv/bin/gunicorn"),
        "forecourt.wsgi",
        "--bind",
        f"127.0.0.1:{port}",
        "--threads",
        "2",
        "--graceful-timeout",
        "2",
    )
    assert wait_until(lambda: call(port, "GET", "/api/v1/leads", database.token)[0] == 200, 30), str(web.err)
    browser = logged_in_browser(port)
    home = f"http://127.0.0.1:{port}/"
    assert page_status(browser, home)[0] == 200

    answers: list[tuple[int, str, str]] = []
    restart(database, lambda: answers.append(page_status(browser, home)))

    status, retry_after, page = answers[0]
    assert (status, retry_after) == (503, "10"), page[-2000:]
    assert "Back in a moment" in page
    assert wait_until(lambda: page_status(browser, home)[0] == 200, 20)

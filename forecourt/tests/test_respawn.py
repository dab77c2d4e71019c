"""Under `make run`, a process that dies is started again and the others keep serving."""

from __future__ import annotations

import os
import signal
import smtplib
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from forecourt.testing import BASE_DIR, Output, free_port, manage_env, wait_until

pytestmark = pytest.mark.slow


def supervised(*command: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "forecourt.lib.respawn", "--name", "test", "--", *command],
        cwd=BASE_DIR,
        stderr=subprocess.PIPE,
    )


def starts(path: Path) -> int:
    return len(path.read_text().splitlines()) if path.exists() else 0


def test_a_process_that_ends_is_started_again_and_stopping_the_supervisor_stops_it(tmp_path: Path) -> None:
    log = tmp_path / "log"
    # Dies at once on its first start; from the second start on it runs until SIGTERM, and says so.
    script = f"""
import signal, sys, time
log = open({str(log)!r}, "a")
signal.signal(signal.SIGTERM, lambda *a: (log.write("stopped\\n"), log.flush(), sys.exit(0)))
log.write("started\\n"); log.flush()
if sum(1 for line in open({str(log)!r}) if line == "started\\n") == 1:
    sys.exit(3)
while True:
    time.sleep(0.1)
"""
    supervisor = supervised(sys.executable, "-c", script)
    messages = Output(supervisor.stderr)
    try:
        assert wait_until(lambda: starts(log) == 2, 20), str(messages)
        assert "ended (exit code 3); starting it again" in messages
        supervisor.send_signal(signal.SIGTERM)
        assert supervisor.wait(timeout=20) == 0
        assert log.read_text().splitlines() == ["started", "started", "stopped"]
    finally:
        if supervisor.poll() is None:
            supervisor.kill()
            supervisor.wait()


def processes(command: list[str], marker: str) -> list[int]:
    """Ids of the running processes whose arguments (after the program) start with `command` and
    whose environment holds `marker`: this test's own, not another run's."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            argv = (entry / "cmdline").read_bytes().decode(errors="replace").split("\0")
            environment = (entry / "environ").read_bytes().decode(errors="replace").split("\0")
        except OSError:  # it ended, or is not ours to read
            continue
        if argv[1 : 1 + len(command)] == command and marker in environment:
            found.append(int(entry.name))
    return found


def answers_http(port: int) -> bool:
    try:
        urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/leads", timeout=5)
    except urllib.error.HTTPError as exc:
        return exc.code == 401  # up, and asking for a token
    except (urllib.error.URLError, OSError):
        return False
    return True


def answers_smtp(port: int) -> bool:
    try:
        with smtplib.SMTP("127.0.0.1", port, timeout=5) as client:
            return client.noop()[0] == 250
    except (smtplib.SMTPException, OSError):
        return False


@pytest.mark.django_db(transaction=True)
def test_under_make_run_a_killed_worker_comes_back_while_web_and_smtp_keep_serving() -> None:
    web_port, smtp_port = free_port(), free_port()
    env = manage_env(FORECOURT_WEB_PORT=str(web_port), FORECOURT_SMTP_PORT=str(smtp_port))
    honcho = subprocess.Popen(
        [str(BASE_DIR / ".venv/bin/honcho"), "start", "--no-prefix", "-f", "Procfile"],
        cwd=BASE_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    output = Output(honcho.stdout)
    try:
        assert wait_until(lambda: answers_http(web_port) and answers_smtp(smtp_port), 60), str(output)
        marker = f"FORECOURT_WEB_PORT={web_port}"
        workers = wait_until(lambda: processes(["manage.py", "runworker"], marker), 30)
        assert len(workers) == 1, str(output)
        os.kill(workers[0], signal.SIGKILL)

        replaced = wait_until(lambda: [p for p in processes(["manage.py", "runworker"], marker) if p != workers[0]], 30)
        assert replaced, f"no worker was started again:\n{output}"
        assert answers_http(web_port), f"the web stopped with the worker:\n{output}"
        assert answers_smtp(smtp_port), f"SMTP intake stopped with the worker:\n{output}"
        assert honcho.poll() is None
    finally:
        honcho.send_signal(signal.SIGTERM)
        try:
            honcho.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(honcho.pid, signal.SIGKILL)
            honcho.wait()

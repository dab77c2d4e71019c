"""How long one SMTP intake session waits on the server: EHLO and two NOOPs, 200 times.

Each command is one round trip on loopback; a server that answers without delay takes well under
a millisecond for all three. A listener whose sessions lack TCP_NODELAY waits for the client's
delayed ACK (~40 ms on Linux) in EHLO, whose answer goes out in two writes.

    .venv/bin/python bench/smtp_session.py

Uses a throwaway SQLite database in a temporary folder; nothing is stored (no mail is sent).
"""

from __future__ import annotations

import os
import smtplib
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import BASE_DIR, free_port, load_average, percentile

SESSIONS = 200


def main() -> None:
    python = str(BASE_DIR / ".venv" / "bin" / "python")
    with tempfile.TemporaryDirectory() as folder:
        env = {**os.environ, "DATABASE_URL": f"sqlite:///{folder}/bench.sqlite3", "LOG_LEVEL": "WARNING"}
        subprocess.run([python, "manage.py", "migrate", "-v", "0"], cwd=BASE_DIR, env=env, check=True)
        port = free_port()
        server = subprocess.Popen([python, "manage.py", "smtpd", "--port", str(port)], cwd=BASE_DIR, env=env)
        try:
            _wait_for(port)
            took = [_session(port) for _ in range(SESSIONS)]
        finally:
            server.terminate()
            server.wait()
    print(f"SMTP session (EHLO + 2 NOOP), {SESSIONS} sessions, {load_average()}")
    print(f"  p50 {percentile(took, 50):.2f} ms  p99 {percentile(took, 99):.2f} ms  max {max(took):.2f} ms")


def _wait_for(port: int) -> None:
    for _ in range(300):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit("smtpd did not start")


def _session(port: int) -> float:
    client = smtplib.SMTP("127.0.0.1", port)
    started = time.perf_counter()
    client.ehlo()
    client.noop()
    client.noop()
    took = (time.perf_counter() - started) * 1000
    client.quit()
    return took


if __name__ == "__main__":
    main()

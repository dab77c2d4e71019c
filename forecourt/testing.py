"""Real servers for tests: an SMTP server on loopback that keeps what it receives, and helpers
to run Forecourt's own commands as separate processes against the test database."""

from __future__ import annotations

import email
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.policy import default as default_policy
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from django.db import connection

BASE_DIR = Path(__file__).resolve().parent.parent


@dataclass
class SmtpSink:
    """An SMTP server on 127.0.0.1 that stores every message it accepts.

    `stall` (seconds) makes it wait before answering DATA, to catch a worker mid-send.
    """

    stall: float = 0.0
    messages: list[EmailMessage] = field(default_factory=list)
    controller: Controller | None = None

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.stall:
            import asyncio

            await asyncio.sleep(self.stall)
        message = email.message_from_bytes(envelope.content, policy=default_policy)
        self.messages.append(message)
        return "250 OK"

    def start(self) -> SmtpSink:
        self.controller = Controller(self, hostname="127.0.0.1", port=0)
        self.controller.start()
        return self

    def stop(self) -> None:
        if self.controller:
            self.controller.stop()

    @property
    def port(self) -> int:
        assert self.controller is not None
        return int(self.controller.server.sockets[0].getsockname()[1])  # type: ignore[union-attr]

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def wait_for(self, count: int, timeout: float = 10.0) -> list[EmailMessage]:
        return wait_until(lambda: len(self.messages) >= count, timeout) and self.messages


def wait_until(condition: Callable[[], Any], timeout: float = 10.0) -> Any:
    """Poll `condition` until it is truthy; its last value is returned (falsy on timeout)."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value or time.monotonic() > deadline:
            return value
        threading.Event().wait(0.05)


def test_database_url() -> str:
    """A DATABASE_URL that points a child process at the database this test run uses."""
    s = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{s['NAME']}"
    auth = s["USER"] + (f":{s['PASSWORD']}" if s.get("PASSWORD") else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def manage_env(**extra: str) -> dict[str, str]:
    env = {**os.environ, "DATABASE_URL": test_database_url(), "DJANGO_SETTINGS_MODULE": "forecourt.settings"}
    env.update(extra)
    return env


def start_manage(*args: str, **env: str) -> subprocess.Popen[bytes]:
    """Start `manage.py <args>` as its own process on the test database."""
    return subprocess.Popen(
        [sys.executable, str(BASE_DIR / "manage.py"), *args],
        cwd=BASE_DIR,
        env=manage_env(**env),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def run_manage(*args: str, timeout: float = 60, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(BASE_DIR / "manage.py"), *args],
        cwd=BASE_DIR,
        env=manage_env(**env),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )

"""The real web server for end-to-end tests: gunicorn on a free loopback port, on the test database."""

from __future__ import annotations

import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from forecourt.testing import free_port, manage_env, wait_until

BASE_DIR = Path(__file__).resolve().parent.parent


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2):  # noqa: S310 - loopback only
            return True
    except OSError:
        return False


@contextmanager
def gunicorn(**env: str) -> Iterator[str]:
    """Serve Forecourt with gunicorn; yields its base URL and stops it afterwards."""
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    process = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "forecourt.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
            "--threads",
            "4",
            "--worker-class",
            "gthread",
        ],
        cwd=BASE_DIR,
        env=manage_env(FORECOURT_BASE_URL=base_url, **env),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        if not wait_until(lambda: _answers(f"{base_url}/accounts/login/") or process.poll() is not None, 30):
            raise RuntimeError("gunicorn did not start")
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited: {process.stderr.read().decode() if process.stderr else ''}")
        yield base_url
    finally:
        process.terminate()
        process.wait(timeout=20)

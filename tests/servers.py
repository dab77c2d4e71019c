"""The real web server for end-to-end tests: gunicorn on a free loopback port, on the test database."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from forecourt.testing import free_port, manage_env, wait_until

BASE_DIR = Path(__file__).resolve().parent.parent


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2):  # noqa: S310 - loopback only
            return True
    except OSError:
        return False


def _start(port: int, options: list[str], env: dict[str, str], stderr: IO[bytes] | int) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
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
            *options,
        ],
        cwd=BASE_DIR,
        env=manage_env(FORECOURT_BASE_URL=f"http://127.0.0.1:{port}", **env),
        stdout=subprocess.DEVNULL,
        stderr=stderr,
    )


def _wait_for(process: subprocess.Popen[bytes], base_url: str, errors: IO[bytes] | None) -> None:
    if not wait_until(lambda: _answers(f"{base_url}/accounts/login/") or process.poll() is not None, 30):
        raise RuntimeError("gunicorn did not start")
    if process.poll() is not None:
        if errors is not None:
            errors.seek(0)
        raise RuntimeError(f"gunicorn exited: {errors.read().decode() if errors else ''}")


@contextmanager
def gunicorn(**env: str) -> Iterator[str]:
    """Serve Forecourt with gunicorn; yields its base URL and stops it afterwards."""
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    process = _start(port, [], env, subprocess.PIPE)
    try:
        _wait_for(process, base_url, process.stderr)
        yield base_url
    finally:
        process.terminate()
        process.wait(timeout=20)


class ReusedGunicorn:
    """gunicorn that loads Forecourt once (`--preload`) and serves each test from a worker process
    of its own: `new_worker()` stops the worker, which first finishes every request it was
    answering, and gunicorn forks a fresh one from the loaded app at once. A test so gets a server
    process nothing earlier ran in, without the second or so a start of gunicorn and Django costs."""

    def __init__(self) -> None:
        port = free_port()
        self.base_url = f"http://127.0.0.1:{port}"
        # A file, not a pipe: nobody reads while tests run, and a full pipe would stop the server.
        self.errors = tempfile.TemporaryFile()  # noqa: SIM115 - closed by stop()
        self.process = _start(port, ["--preload"], {}, self.errors)
        try:
            _wait_for(self.process, self.base_url, self.errors)
        except BaseException:
            self.stop()
            raise

    def _workers(self) -> set[int]:
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return {int(pid) for pid in children.read_text().split()}

    def new_worker(self) -> None:
        """Stop the worker once it has answered what it was asked, and wait for a fresh one to answer."""
        old = self._workers()
        for pid in old:
            os.kill(pid, signal.SIGTERM)
        # gunicorn collects an ended worker and forks the next one straight away.
        if not wait_until(lambda: self._workers().isdisjoint(old) or self.process.poll() is not None, 40):
            raise RuntimeError("gunicorn's worker did not stop")
        _wait_for(self.process, self.base_url, self.errors)

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=20)
        self.errors.close()

"""Helpers shared by the benchmarks: the machine they ran on, percentiles, a real web server.

Kept free of Django imports at module level so a benchmark can import it before `django.setup()`.
"""

from __future__ import annotations

import math
import os
import platform
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.error import URLError
from urllib.request import urlopen

BASE_DIR = Path(__file__).resolve().parent.parent


def setup_django() -> None:
    """Make the project importable and configure Django from the environment (DATABASE_URL)."""
    if str(BASE_DIR) not in sys.path:
        sys.path.insert(0, str(BASE_DIR))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "forecourt.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()


def machine() -> str:
    """One line: OS, Python, CPUs, memory, and the database server's version (Django must be set up)."""
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SHOW server_version")
            database = f"PostgreSQL {cursor.fetchone()[0]}"
        else:
            cursor.execute("SELECT sqlite_version()")
            database = f"SQLite {cursor.fetchone()[0]}"
    memory = ""
    try:
        pages = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        memory = f", {pages / 2**30:.0f} GiB RAM"
    except (ValueError, OSError):  # pragma: no cover - not every platform tells
        pass
    return (
        f"{platform.platform()}, Python {platform.python_version()}, "
        f"{os.cpu_count()} CPUs ({platform.processor() or platform.machine()}){memory}, {database}"
    )


def load_average() -> str:
    """The 1, 5 and 15-minute load averages: figures taken on a busy machine are not comparable."""
    try:
        return "load average " + " ".join(f"{n:.2f}" for n in os.getloadavg())
    except OSError:  # pragma: no cover - not every platform tells
        return "load average unknown"


def prepare_database(name: str) -> str:
    """Drop and create the bench database with psql, then migrate it."""
    for sql in (f'DROP DATABASE IF EXISTS "{name}"', f'CREATE DATABASE "{name}"'):
        subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-q", "-c", sql], check=True, capture_output=True)
    url = f"postgres://postgres@127.0.0.1:5432/{name}"
    env = {**os.environ, "DATABASE_URL": url, "LOG_LEVEL": "WARNING"}
    subprocess.run(
        [str(BASE_DIR / ".venv" / "bin" / "python"), "manage.py", "migrate", "-v", "0"],
        cwd=BASE_DIR,
        env=env,
        check=True,
    )
    return url


def percentile(values: Sequence[float], p: float) -> float:
    """The p-th percentile (0-100) of `values`, nearest-rank: always one of the measured values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def gunicorn(
    database_url: str, *, workers: int = 2, threads: int = 4, env: dict[str, str] | None = None
) -> Iterator[str]:
    """A real gunicorn (gthread, as in the Procfile) on a free loopback port; yields its base URL.

    Runs with DEBUG off, as in production: DEBUG on keeps every SQL query in memory and changes
    timings. The server is stopped (SIGTERM, then SIGKILL) when the block ends.
    """
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    server_env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DEBUG": "0",
        "SECRET_KEY": os.environ.get("SECRET_KEY", "bench-only-secret-key-not-for-production-0123456789"),
        "FORECOURT_BASE_URL": base_url,
        "LOG_LEVEL": "WARNING",
        **(env or {}),
    }
    command = [
        str(BASE_DIR / ".venv" / "bin" / "gunicorn"),
        "forecourt.wsgi",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--threads",
        str(threads),
        "--worker-class",
        "gthread",
        "--graceful-timeout",
        "5",
        "--log-level",
        "warning",
    ]
    process = subprocess.Popen(command, cwd=BASE_DIR, env=server_env)
    try:
        _wait_until_up(f"{base_url}/accounts/login/", process)
        yield base_url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_until_up(url: str, process: subprocess.Popen[bytes], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with status {process.returncode} before answering")
        try:
            with urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except (URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.2)
    raise RuntimeError(f"gunicorn did not answer {url} within {timeout:.0f} s")


def cpu_seconds(pids: Sequence[int]) -> dict[int, float]:
    """CPU time (user + system) each live process of `pids` has used so far, from /proc (Linux)."""
    ticks = os.sysconf("SC_CLK_TCK")
    used = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:  # gone, or not Linux
            continue
        used[pid] = (int(fields[11]) + int(fields[12])) / ticks
    return used


def machine_ticks() -> tuple[int, int]:
    """(busy, total) clock ticks of all CPUs since boot, from /proc/stat (Linux; (0, 0) elsewhere)."""
    try:
        fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except (OSError, ValueError):
        return 0, 0
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    return sum(fields[:8]) - idle, sum(fields[:8])


def busy_share(before: tuple[int, int], after: tuple[int, int]) -> str:
    """How busy all CPUs were between two `machine_ticks()`, as "87%"."""
    busy, total = after[0] - before[0], after[1] - before[1]
    return f"{100 * busy / total:.0f}%" if total else "unknown"


def pids_with_argument(text: str) -> list[int]:
    """Processes whose command line contains `text`, e.g. a server's `127.0.0.1:PORT` (Linux)."""
    found = []
    needle = text.encode()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if needle in (entry / "cmdline").read_bytes():
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def run_senders(
    count: int, senders: int, seconds: float, send: Callable[[int, Any], object], opener: Callable[[], Any]
) -> float:
    """`senders` threads, each with its own connection, call send(i, conn) for i in 0..count-1 until
    `seconds` have passed; returns the elapsed time."""
    index = iter(range(count))
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds
    barrier = threading.Barrier(senders + 1)
    errors: list[BaseException] = []

    def work() -> None:
        conn = opener()
        barrier.wait()
        try:
            while time.perf_counter() < deadline:
                with lock:
                    i = next(index, None)
                if i is None:
                    return
                send(i, conn)
        except BaseException as exc:
            errors.append(exc)
        finally:
            conn.close()

    threads = [threading.Thread(target=work) for _ in range(senders)]
    for thread in threads:
        thread.start()
    barrier.wait()
    start = time.perf_counter()
    for thread in threads:
        thread.join()
    if errors:
        raise RuntimeError(f"a sender failed: {errors[0]!r}")
    return time.perf_counter() - start


class CpuMeter:
    """CPU used during a run by a server's processes, the PostgreSQL backends of the current database
    (Django must be set up) and this process (the load generator), per item: on a small machine
    the three share the cores, so this is what bounds throughput, whatever else runs there."""

    def __init__(self, server_pids: Callable[[], list[int]]) -> None:
        self.server_pids = server_pids

    def _backends(self) -> list[int]:
        from django.db import connection

        if connection.vendor != "postgresql":
            return []
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
            return [row[0] for row in cursor.fetchall()]

    def start(self) -> None:
        self.load = os.getloadavg()[0]
        self.server, self.db = cpu_seconds(self.server_pids()), cpu_seconds(self._backends())
        self.client = time.process_time()

    def stop(self, items: int) -> str:
        def used(before: dict[int, float], after: dict[int, float]) -> float:
            return sum(t - before.get(pid, 0.0) for pid, t in after.items())

        server = used(self.server, cpu_seconds(self.server_pids()))
        db = used(self.db, cpu_seconds(self._backends()))
        client = time.process_time() - self.client
        per = 1000 / max(items, 1)
        db_text = f", db {db * per:.1f}" if db else ""
        return f"CPU ms each: server {server * per:.1f}{db_text}, senders {client * per:.1f}; load avg {self.load:.1f}"


class LockWaits:
    """Samples, every 100 ms while a run lasts, how many of the current PostgreSQL database's
    backends are inside a transaction and how many of those wait for a lock, and on what
    statement: where concurrent requests queue behind one another (Django must be set up)."""

    def __init__(self) -> None:
        self.samples = 0
        self.in_transaction = 0
        self.waiting = 0
        self.statements: Counter[str] = Counter()
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        from django.db import connection

        if connection.vendor != "postgresql":
            return
        sql = (
            "SELECT wait_event_type, left(query, 60) FROM pg_stat_activity WHERE datname = current_database()"
            " AND pid <> pg_backend_pid() AND state IN ('active', 'idle in transaction')"
        )
        try:
            with connection.cursor() as cursor:
                while not self.stopped.wait(0.1):
                    cursor.execute(sql)
                    rows = cursor.fetchall()
                    self.samples += 1
                    self.in_transaction += len(rows)
                    for wait, query in rows:
                        if wait == "Lock":
                            self.waiting += 1
                            self.statements[" ".join(query.split()[:3])] += 1
        finally:
            connection.close()

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> str:
        self.stopped.set()
        self.thread.join()
        if not self.samples:
            return ""
        shares = [(query, n * 100 // max(self.waiting, 1)) for query, n in self.statements.most_common(3)]
        top = ", ".join(f"{query} ({share}%)" for query, share in shares if share >= 5)
        return (
            f"busy backends avg {self.in_transaction / self.samples:.1f}, waiting on a lock avg "
            f"{self.waiting / self.samples:.1f}" + (f": {top}" if top else "")
        )

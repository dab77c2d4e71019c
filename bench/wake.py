"""Benchmark: how long a queued alert waits before it is handed to the provider, with a real worker.

    .venv/bin/python bench/wake.py                                  # SQLite and PostgreSQL, 60 alerts each
    .venv/bin/python bench/wake.py --databases postgres --alerts 200
    .venv/bin/python bench/wake.py --interval 1.0                   # the worker's --interval

For each database it makes its own: a SQLite file in a temporary directory, and PostgreSQL
`forecourt_bench_wake` (dropped and created with psql on 127.0.0.1, kept afterwards). It migrates,
starts one `manage.py runworker` (SMS_PROVIDER=twilio, TWILIO_API_BASE pointing at a stand-in for
Twilio's REST API on loopback, in this process), and waits until the worker has sent a first text.

Then, one at a time, it queues a staff text alert (`notifications.actions.queue_text`, in its own
transaction, as every alert is queued) and waits until the stand-in for Twilio receives it; between
alerts it pauses a random 0.1 to 1.0 s, so each alert finds the worker idle at a random moment of
its wait. Latency = the request reaching the provider minus the moment just before the transaction
that queued the alert committed: the commit, the worker noticing, claiming and sending.

Loopback only, bounded in count and time, stops by itself. A script, not a test: asserts no times.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR.parent))
from bench._common import BASE_DIR, load_average, machine, percentile, setup_django  # noqa: E402

DEFAULT_PG = "forecourt_bench_wake"
TO = "+15125550123"
FROM = "+15125550199"


class Arrivals(list[dict[str, object]]):
    """FakeTwilio's list of requests, noting when each text's body arrived (perf_counter)."""

    def __init__(self) -> None:
        super().__init__()
        self.at: dict[str, float] = {}
        self.changed = threading.Condition()

    def append(self, request: dict[str, object]) -> None:
        now = time.perf_counter()
        form: Any = request.get("form") or {}
        with self.changed:
            super().append(request)
            for body in form.get("Body", []):
                self.at[body] = now
            self.changed.notify_all()

    def wait_for(self, body: str, timeout: float) -> float | None:
        deadline = time.monotonic() + timeout
        with self.changed:
            while body not in self.at:
                left = deadline - time.monotonic()
                if left <= 0:
                    return None
                self.changed.wait(left)
            return self.at[body]


def database_url(kind: str, folder: Path) -> str:
    if kind == "sqlite":
        return f"sqlite:///{folder / 'wake.sqlite3'}"
    for sql in (f'DROP DATABASE IF EXISTS "{DEFAULT_PG}"', f'CREATE DATABASE "{DEFAULT_PG}"'):
        subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-q", "-c", sql], check=True, capture_output=True)
    return f"postgres://postgres@127.0.0.1:5432/{DEFAULT_PG}"


def run_one(args: argparse.Namespace) -> dict[str, Any]:
    """In a process whose DATABASE_URL is the bench database: start a worker and measure."""
    setup_django()
    from django.db import transaction

    from forecourt.testing import FakeTwilio
    from notifications.actions import queue_text

    twilio = FakeTwilio().start()
    arrivals = Arrivals()
    twilio.requests = arrivals
    env = {
        **os.environ,
        "SMS_PROVIDER": "twilio",
        "TWILIO_API_BASE": twilio.base,
        "TWILIO_ACCOUNT_SID": "ACbench",
        "TWILIO_AUTH_TOKEN": "bench",
        "LOG_LEVEL": "WARNING",
    }
    worker = subprocess.Popen(
        [sys.executable, str(BASE_DIR / "manage.py"), "runworker", "--interval", str(args.interval)],
        cwd=BASE_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    rng = random.Random(args.seed)
    latencies: list[float] = []
    lost = 0
    try:
        queue_text(to=TO, from_number=FROM, body="warm-up", purpose="bench")
        if arrivals.wait_for("warm-up", 60) is None:
            raise SystemExit("the worker sent nothing within 60 s")
        for i in range(args.alerts):
            time.sleep(rng.uniform(0.1, 1.0))
            body = f"alert {i}"
            with transaction.atomic():
                queue_text(to=TO, from_number=FROM, body=body, purpose="bench")
                queued = time.perf_counter()
            arrived = arrivals.wait_for(body, 30)
            if arrived is None:
                lost += 1
                continue
            latencies.append((arrived - queued) * 1000)
    finally:
        worker.terminate()
        stopped: int | None
        try:
            stopped = worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()
            stopped = None
        twilio.stop()
    return {
        "machine": f"{machine()}; {load_average()}",
        "alerts": len(latencies),
        "lost": lost,
        "p50": percentile(latencies, 50),
        "p99": percentile(latencies, 99),
        "max": max(latencies),
        "worker_exit": stopped,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--databases", default="sqlite,postgres")
    parser.add_argument("--alerts", type=int, default=60)
    parser.add_argument("--interval", type=float, default=1.0, help="The worker's --interval (seconds).")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--one", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(run_one(args)))
        return
    with tempfile.TemporaryDirectory() as folder:
        for kind in args.databases.split(","):
            url = database_url(kind, Path(folder))
            env = {**os.environ, "DATABASE_URL": url, "LOG_LEVEL": "WARNING"}
            subprocess.run(
                [sys.executable, str(BASE_DIR / "manage.py"), "migrate", "-v", "0"], cwd=BASE_DIR, env=env, check=True
            )
            command = [
                sys.executable,
                __file__,
                "--one",
                "--alerts",
                str(args.alerts),
                "--interval",
                str(args.interval),
            ]
            done = subprocess.run([*command, "--seed", str(args.seed)], env=env, capture_output=True, text=True)
            if done.returncode:
                print(done.stderr, file=sys.stderr)
                raise SystemExit(f"{kind}: the measurement failed")
            result = json.loads(done.stdout.strip().splitlines()[-1])
            print(f"{kind}: {result['machine']}")
            print(
                f"  queued alert -> handed to the provider, {result['alerts']} alerts ({result['lost']} lost): "
                f"p50 {result['p50']:.1f} ms, p99 {result['p99']:.1f} ms, max {result['max']:.1f} ms; "
                f"worker exit on SIGTERM: {result['worker_exit']}"
            )


if __name__ == "__main__":
    main()

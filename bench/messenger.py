"""Benchmark: a Messenger message, from Meta's signed webhook to the lead's thread, on PostgreSQL,
against a real gunicorn, a real worker and a stand-in for the Graph API.

    .venv/bin/python bench/messenger.py                  # creates forecourt_bench_messenger with psql, migrates
    .venv/bin/python bench/messenger.py --messages 40 --rate 2

`--messages` signed `POST /hooks/messenger` requests at `--rate` per second, with
`manage.py runworker` running; every other one from someone new (a new lead through the one door,
named from the Graph API), the others from people who already wrote. Each is timed from the
instant it was posted to the instant its message is in the lead's thread (the database is polled
every 20 ms), which is what a salesperson with the lead page open waits for, less the page's poll.

Prints the machine, the load average and how busy all CPUs were. Asserts no times.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import requests

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR))
from _common import (  # noqa: E402
    BASE_DIR,
    busy_share,
    gunicorn,
    load_average,
    machine,
    machine_ticks,
    percentile,
    prepare_database,
    setup_django,
)

sys.path[:] = [str(BASE_DIR), *(p for p in sys.path if Path(p or ".").resolve() != BENCH_DIR)]

DEFAULT_DB = "forecourt_bench_messenger"
SECRET = "bench-messenger-app-secret"
PAGE_ID = "1234567890"


def seed() -> None:
    """A dealership open all week with its Facebook page connected, and three salespeople."""
    from accounts.models import Membership, User
    from dealerships.models import Dealership, Organization

    org = Organization.objects.create(name="Bench Auto Group")
    dealership = Dealership.objects.create(
        organization=org,
        slug="bench-motors",
        name="Bench Motors",
        timezone="America/Chicago",
        public_holidays=False,
        hours={day: ["00:00-24:00"] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")},
        messenger_page_id=PAGE_ID,
        messenger_page_token="bench-page-token",
    )
    for index in range(3):
        user = User.objects.create_user(f"seller{index}@bench.example", None, name=f"Seller {index}")
        Membership.objects.create(user=user, dealership=dealership, role="salesperson", departments=["sales"])


def signed_post(session: requests.Session, base_url: str, psid: str, mid: str, text: str) -> None:
    item = {"sender": {"id": psid}, "recipient": {"id": PAGE_ID}, "timestamp": 0, "message": {"mid": mid, "text": text}}
    body = json.dumps({"object": "page", "entry": [{"id": PAGE_ID, "time": 0, "messaging": [item]}]}).encode()
    signature = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    answer = session.post(
        f"{base_url}/hooks/messenger",
        data=body,
        headers={"X-Hub-Signature-256": signature, "Content-Type": "application/json"},
        timeout=30,
    )
    answer.raise_for_status()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", default=DEFAULT_DB)
    parser.add_argument("--messages", type=int, default=40)
    parser.add_argument("--rate", type=float, default=2.0)
    args = parser.parse_args()

    url = prepare_database(args.database)
    os.environ["DATABASE_URL"] = url
    setup_django()
    from django.db import connection

    from conversations.models import Message
    from forecourt.testing import FakeGraph

    print(machine())
    seed()
    connection.close()
    graph = FakeGraph().start()
    env = {"MESSENGER_APP_SECRET": SECRET, "MESSENGER_API_BASE": graph.base}
    worker_log = (BASE_DIR / "var" / "bench-messenger-worker.log").open("wb")
    with gunicorn(url, workers=2, threads=4, env=env) as base_url:
        worker = subprocess.Popen(
            [str(BASE_DIR / ".venv" / "bin" / "python"), "manage.py", "runworker"],
            cwd=BASE_DIR,
            env={**os.environ, **env, "FORECOURT_BASE_URL": base_url, "LOG_LEVEL": "WARNING"},
            stdout=worker_log,
            stderr=subprocess.STDOUT,
        )
        try:
            session = requests.Session()
            people = [f"2401{i:012d}" for i in range(args.messages)]
            for i, psid in enumerate(people):
                graph.profiles[psid] = ("Buyer", f"Number{i}")
            signed_post(session, base_url, people[0], "m_warmup", "warm-up")  # imports, connections
            time.sleep(2)
            print(
                f"\nPOST /hooks/messenger -> message in the thread: {args.messages} messages at "
                f"{args.rate:g}/s, every other one from someone new; gunicorn 2x4, runworker running"
            )
            print(load_average())
            ticks = machine_ticks()
            waits: list[float] = []
            for i in range(args.messages):
                psid = people[i // 2 * 2]  # pairs: someone new, then the same person again
                mid = f"m_bench{i:05d}"
                started = time.monotonic()
                signed_post(session, base_url, psid, mid, f"Message {i}")
                while not Message.objects.filter(channel="messenger", provider_id=mid).exists():
                    if time.monotonic() - started > 120:
                        raise SystemExit(f"{mid} never reached its thread; see var/bench-messenger-worker.log")
                    time.sleep(0.02)
                waits.append(time.monotonic() - started)
                time.sleep(max(0.0, 1 / args.rate - (time.monotonic() - started)))
            print(
                f"   p50 {percentile(waits, 50) * 1000:.0f} ms, p90 {percentile(waits, 90) * 1000:.0f} ms, "
                f"max {max(waits) * 1000:.0f} ms; CPUs busy {busy_share(ticks, machine_ticks())}"
            )
        finally:
            worker.terminate()
            worker.wait(timeout=30)
            graph.stop()


if __name__ == "__main__":
    main()

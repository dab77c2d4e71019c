"""Benchmark: the live chat's endpoint on PostgreSQL, against a real gunicorn (as a website's
widgets use it).

    .venv/bin/python bench/chat.py                      # creates forecourt_bench_chat with psql, migrates
    .venv/bin/python bench/chat.py --visitors 40 --watchers 100 --seconds 20

1. New chats: `--visitors` first messages (each a new lead through the one door: distribution,
   SLA clock, alerts), posted by 8 senders at once (the rate limits are lifted for the bench).
2. Chatting: every visitor then posts 5 more messages (on their lead's thread).
3. Polling: `--watchers` widgets ask for news every 3 s for `--seconds` (what open chats cost the
   server while nothing happens), while one visitor in ten writes a message.

Prints latencies (median, p95, max) and the load. Asserts no times; checks that every message
posted is in a thread.
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
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

SITE = "https://www.bench-motors.example"


def seed() -> None:
    from accounts.models import Membership, User
    from dealerships.models import Dealership, Organization

    org = Organization.objects.create(name="Bench Auto Group")
    always_open = {day: ["00:00-24:00"] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
    dealership = Dealership.objects.create(
        organization=org,
        slug="bench-motors",
        name="Bench Motors",
        timezone="America/Chicago",
        country="US",
        public_holidays=False,
        hours=always_open,
        leads_phone="+15125550199",
        chat_origins=[SITE],
    )
    for index in range(5):
        user = User.objects.create_user(f"seller{index}@bench.example", None, name=f"Seller {index}")
        Membership.objects.create(user=user, dealership=dealership, role="salesperson", departments=["sales"])


def summary(name: str, seconds: list[float]) -> str:
    ms = [s * 1000 for s in seconds]
    return (
        f"{name}: {len(ms)} requests, median {percentile(ms, 50):.0f} ms, p95 {percentile(ms, 95):.0f} ms, "
        f"max {max(ms):.0f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", default="forecourt_bench_chat")
    parser.add_argument("--visitors", type=int, default=40)
    parser.add_argument("--watchers", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--web", default="2x4", help="gunicorn workers x threads, as in the Procfile")
    args = parser.parse_args()

    url = prepare_database(args.database)
    os.environ["DATABASE_URL"] = url
    setup_django()
    from django.db import connection

    from conversations.models import Message

    print(machine())
    seed()
    connection.close()
    workers, threads = (int(n) for n in args.web.split("x"))
    # One machine posts for every visitor: the limits are lifted so that they measure the work, not refuse it.
    limits = {
        "CHAT_NEW_CHATS_PER_ADDRESS": "100000",
        "CHAT_MESSAGES_PER_SITE": "100000",
        "CHAT_MESSAGES_PER_VISITOR": "100000",
        "SMS_PROVIDER": "console",
    }
    with gunicorn(url, workers=workers, threads=threads, env=limits) as base:
        endpoint = f"{base}/chat/bench-motors/messages"
        local = threading.local()

        def session() -> requests.Session:
            if getattr(local, "session", None) is None:
                local.session = requests.Session()
            return local.session

        def call(method: str, token: str = "", **kwargs: object) -> tuple[float, requests.Response]:
            headers = {"Origin": SITE, **({"X-Chat-Visitor": token} if token else {})}
            started = time.perf_counter()
            answer = session().request(method, endpoint, headers=headers, timeout=30, **kwargs)  # type: ignore[arg-type]
            return time.perf_counter() - started, answer

        def start(n: int) -> tuple[float, str]:
            spent, answer = call(
                "POST",
                json={"body": f"Is car {n} still there?", "name": f"Visitor {n}", "phone": f"512-556-{n:04d}"},
            )
            if answer.status_code != 201:
                raise SystemExit(f"first message {n}: {answer.status_code} {answer.text[:200]}")
            return spent, answer.json()["visitor"]

        call("GET")  # warm-up: imports, connections
        before, load_before = machine_ticks(), load_average()
        with ThreadPoolExecutor(max_workers=8) as pool:
            started = list(pool.map(start, range(args.visitors)))
        tokens = [token for _, token in started]
        print(summary("1. new chats (a lead each)", [spent for spent, _ in started]))

        def chat(token: str) -> list[float]:
            spent = []
            for i in range(5):
                seconds, answer = call("POST", token, json={"body": f"message {i}"})
                if answer.status_code != 201:
                    raise SystemExit(f"message: {answer.status_code} {answer.text[:200]}")
                spent.append(seconds)
            return spent

        with ThreadPoolExecutor(max_workers=8) as pool:
            chatted = [s for spent in pool.map(chat, tokens) for s in spent]
        print(summary("2. later messages", chatted))

        stop = time.monotonic() + args.seconds
        polls: list[float] = []
        writes: list[float] = []

        def watch(n: int) -> None:
            token = tokens[n % len(tokens)]
            time.sleep((n % 30) / 10)  # widgets opened at different moments
            while time.monotonic() < stop:
                spent, answer = call("GET", token, params={"after": 0 if n % 2 else 10**9})
                if answer.status_code != 200:
                    raise SystemExit(f"poll: {answer.status_code} {answer.text[:200]}")
                polls.append(spent)
                if n % 10 == 0:
                    writes.append(call("POST", token, json={"body": "still there?"})[0])
                time.sleep(3)

        with ThreadPoolExecutor(max_workers=args.watchers) as pool:
            list(pool.map(watch, range(args.watchers)))
        print(summary(f"3. polls of {args.watchers} open widgets every 3 s", polls))
        print(summary("   messages meanwhile", writes))
        print(
            f"CPU busy (all cores) {busy_share(before, machine_ticks())}; load before {load_before}, after {load_average()}"
        )

    connection.connect()
    posted = args.visitors * 6 + len(writes)
    stored = Message.objects.filter(channel="chat", direction="in").count()
    print(f"messages posted {posted}, in threads {stored}")
    if stored != posted:
        raise SystemExit("some messages are missing from the threads")


if __name__ == "__main__":
    main()

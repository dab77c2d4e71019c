"""Benchmark: Twilio's inbound text webhook on PostgreSQL, against a real gunicorn and a real worker.

    .venv/bin/python bench/webhooks.py                   # creates forecourt_bench_webhooks with psql, migrates
    .venv/bin/python bench/webhooks.py --rate 50 --seconds 20 --e2e-texts 60 --e2e-rate 2

1. Webhook latency. Signed `POST /hooks/twilio/sms` requests (as Twilio signs them, with
   RequestValidator) are sent at a steady `--rate` per second for `--seconds` by a paced load
   generator; one request in ten is a duplicate (Twilio sending a MessageSid again), half of them at
   the very instant of the original, half a moment later. Nine texts in ten come from customers
   with an open lead, one from a new number (a new lead through the one door, in the worker).
   Latency is from the request's scheduled instant to its answer, so waiting for a free sender
   counts too. Once the worker has worked every call off, it checks that every request is stored
   (one WebhookCall each) and every text is one Message, duplicates kept as `ignored`.
2. End to end, with `manage.py runworker` running: `--e2e-texts` texts from customers with an open
   lead, at `--e2e-rate` per second; each from the instant it was posted to the instant the
   assignee's alert was handed to the provider (the "customer replied" email's `sent_at`: by
   default a reply is told by email and in the app; the email goes to a local SMTP sink).

Prints the machine, the load average and how busy all CPUs were. Asserts no times.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

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

DEFAULT_DB = "forecourt_bench_webhooks"
TOKEN = "bench-twilio-auth-token"
DEALERSHIP_NUMBER = "+15125550199"
HOOK = "/hooks/twilio/sms"


def seed(customers: int) -> list[str]:
    """A dealership that texts from DEALERSHIP_NUMBER, open all week, five salespeople and a
    manager, and `customers` customers with an open lead each (assigned in turn); their numbers."""
    from accounts.models import Membership, User
    from dealerships.models import Dealership, Organization
    from intake.door import take_in_lead

    org = Organization.objects.create(name="Bench Auto Group")
    always_open = {day: ["00:00-24:00"] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
    dealership = Dealership.objects.create(
        organization=org,
        slug="bench-motors",
        name="Bench Motors",
        timezone="America/Chicago",
        country="US",
        public_holidays=False,
        intake_address="bench",
        hours=always_open,
        leads_phone=DEALERSHIP_NUMBER,
    )
    sellers = []
    for index, (name, role) in enumerate(
        [("Mia Manager", "manager"), *((f"Seller {n}", "salesperson") for n in "ABCDE")]
    ):
        user = User.objects.create_user(f"user{index}@bench.example", None, name=name, mobile=f"+1512555{index:04d}")
        Membership.objects.create(
            user=user, dealership=dealership, role=role, departments=["sales"], receives_leads=role == "salesperson"
        )
        if role == "salesperson":
            sellers.append(user)
    numbers = []
    for i in range(customers):
        number = f"+1512556{i:04d}"
        take_in_lead(
            dealership=dealership,
            customer={
                "first_name": "Buyer",
                "last_name": f"Number{i}",
                "phones": [{"number": number, "type": "cellphone"}],
            },
            source_name="Bench",
            actor=None,
            assigned_to=sellers[i % len(sellers)],
        )
        numbers.append(number)
    return numbers


def fields(sid: str, sender: str, body: str) -> dict[str, str]:
    return {
        "MessageSid": sid,
        "AccountSid": "AC0123456789",
        "From": sender,
        "To": DEALERSHIP_NUMBER,
        "Body": body,
        "NumMedia": "0",
    }


class Poster:
    """Signed webhook posts, one HTTP session per sender thread."""

    def __init__(self, base_url: str) -> None:
        from twilio.request_validator import RequestValidator

        self.url = base_url + HOOK
        self.validator = RequestValidator(TOKEN)
        self.local = threading.local()

    def post(self, form: dict[str, str]) -> int:
        session = getattr(self.local, "session", None)
        if session is None:
            session = self.local.session = requests.Session()
        signature = self.validator.compute_signature(self.url, form)
        answer = session.post(self.url, data=form, headers={"X-Twilio-Signature": signature}, timeout=30)
        if b"<Response" not in answer.content:
            raise RuntimeError(f"{answer.status_code}: {answer.text[:200]}")
        return answer.status_code


def paced(
    schedule: list[tuple[float, dict[str, str]]], poster: Poster, senders: int
) -> tuple[list[float], list[float]]:
    """Post each form at its offset (seconds from now): the latency of each from its scheduled
    instant, and the wall-clock time each was posted."""
    start = time.perf_counter() + 0.5
    latencies: list[float] = [0.0] * len(schedule)
    posted: list[float] = [0.0] * len(schedule)

    def send(index: int) -> None:
        offset, form = schedule[index]
        due = start + offset
        wait = due - time.perf_counter()
        if wait > 0:
            time.sleep(wait)
        posted[index] = time.time()
        poster.post(form)
        latencies[index] = time.perf_counter() - due

    with ThreadPoolExecutor(max_workers=senders) as pool:
        list(pool.map(send, range(len(schedule))))
    return latencies, posted


def webhook_schedule(numbers: list[str], rate: float, seconds: float) -> tuple[list[tuple[float, dict[str, str]]], int]:
    """The requests of part 1 and how many distinct texts they carry."""
    schedule: list[tuple[float, dict[str, str]]] = []
    total = int(rate * seconds)
    unique = 0
    last: tuple[float, dict[str, str]] | None = None
    for i in range(total):
        offset = i / rate
        if i % 10 == 9 and last is not None:
            # A duplicate: at the very instant of the original in every other block, else now.
            schedule.append((last[0] if (i // 10) % 2 == 0 else offset, last[1]))
            continue
        sender = f"+1512557{i:04d}" if i % 10 == 4 else numbers[i % len(numbers)]
        form = fields(f"SMbench{i:06d}", sender, f"Text {i}: is it still available?")
        schedule.append((offset, form))
        last = (offset, form)
        unique += 1
    return sorted(schedule, key=lambda item: item[0]), unique


def wait_for(condition: Any, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise SystemExit(f"gave up waiting for {what} after {timeout:.0f} s")
        time.sleep(0.2)


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", default=DEFAULT_DB)
    parser.add_argument("--rate", type=float, default=50.0)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--senders", type=int, default=16)
    parser.add_argument("--customers", type=int, default=100)
    parser.add_argument("--e2e-texts", type=int, default=60)
    parser.add_argument("--e2e-rate", type=float, default=2.0)
    parser.add_argument("--web", default="2x4", help="gunicorn workers x threads, as in the Procfile")
    args = parser.parse_args()

    url = prepare_database(args.database)
    os.environ["DATABASE_URL"] = url
    os.environ.update(SMS_PROVIDER="console", TWILIO_AUTH_TOKEN=TOKEN)
    setup_django()
    from django.db import connection
    from django.db.models import Count

    from conversations.models import Message, WebhookCall
    from forecourt.testing import SmtpSink
    from notifications.models import Kind, Notification, OutboundEmail

    print(machine())
    numbers = seed(args.customers)
    connection.close()
    sink = SmtpSink().start()
    workers, threads = (int(n) for n in args.web.split("x"))
    service_env = {"SMS_PROVIDER": "console", "TWILIO_AUTH_TOKEN": TOKEN, "SMTP_URL": sink.url}
    worker_log = (BASE_DIR / "var" / "bench-webhooks-worker.log").open("wb")
    with gunicorn(url, workers=workers, threads=threads, env=service_env) as base_url:
        worker = subprocess.Popen(
            [str(BASE_DIR / ".venv" / "bin" / "python"), "manage.py", "runworker"],
            cwd=BASE_DIR,
            env={**os.environ, **service_env, "FORECOURT_BASE_URL": base_url, "LOG_LEVEL": "WARNING"},
            stdout=worker_log,
            stderr=subprocess.STDOUT,
        )
        try:
            poster = Poster(base_url)
            poster.post(fields("SMwarmup", numbers[0], "warm-up"))  # imports, connections
            for _ in range(workers * threads):
                poster.post(fields("SMwarmup", numbers[0], "warm-up"))

            # 1. Webhooks at a steady rate, one in ten a duplicate.
            schedule, unique = webhook_schedule(numbers, args.rate, args.seconds)
            print(
                f"\n1. POST {HOOK}: {len(schedule)} requests at {args.rate:.0f}/s for {args.seconds:.0f} s, "
                f"{len(schedule) - unique} of them duplicates; gunicorn {args.web}, runworker running"
            )
            print(load_average())
            ticks = machine_ticks()
            latencies, _ = paced(schedule, poster, args.senders)
            print(
                f"   latency p50 {ms(percentile(latencies, 50))}, p90 {ms(percentile(latencies, 90))}, "
                f"p99 {ms(percentile(latencies, 99))}, max {ms(max(latencies))}; CPUs busy {busy_share(ticks, machine_ticks())}"
            )
            bench_calls = WebhookCall.objects.filter(provider_id__startswith="SMbench")
            drain = time.monotonic()
            wait_for(
                lambda: not bench_calls.filter(status="received").exists(), 900, "the worker to take every text in"
            )
            wait_for(lambda: not OutboundEmail.objects.filter(sent_at__isnull=True).exists(), 900, "every alert sent")
            took = time.monotonic() - drain + args.seconds
            print(
                f"   one runworker took every text in and sent every alert {took:.0f} s after the first request "
                f"({unique / took:.1f} texts/s)"
            )
            stored = bench_calls.count()
            by_status = dict(bench_calls.values("status").annotate(n=Count("id")).values_list("status", "n"))
            messages = Message.objects.filter(provider_id__startswith="SMbench")
            distinct = messages.values("provider_id").distinct().count()
            print(
                f"   stored: {stored} webhook calls of {len(schedule)} requests ({by_status}); "
                f"{messages.count()} messages for {unique} distinct texts ({distinct} distinct sids)"
            )
            ok = stored == len(schedule) and messages.count() == unique == distinct
            print(f"   every request kept and every text stored exactly once: {'yes' if ok else 'NO'}")

            # 2. End to end: a customer's text -> the assignee's alert handed to the provider.
            print(
                f"\n2. End to end: {args.e2e_texts} texts at {args.e2e_rate:.0f}/s from customers with an open lead "
                "-> the assignee's 'customer replied' email handed to the SMTP server (sent_at)"
            )
            posted: dict[str, float] = {}
            e2e = [
                (i / args.e2e_rate, fields(f"SMe2e{i:05d}", numbers[i % len(numbers)], f"e2e-{i:05d} can I come by?"))
                for i in range(args.e2e_texts)
            ]
            ticks = machine_ticks()
            _, sent = paced(e2e, poster, 4)
            for i, at in enumerate(sent):
                posted[f"e2e-{i:05d}"] = at
            alerts = Notification.objects.filter(kind=Kind.CUSTOMER_REPLIED, text__contains="e2e-")
            wait_for(
                lambda: alerts.filter(email__sent_at__isnull=False).count() >= args.e2e_texts,
                120,
                "every alert email to be sent",
            )
            delays = []
            for text, sent_at in alerts.values_list("text", "email__sent_at"):
                key = text.split("texted: ", 1)[1].split(" ", 1)[0]
                assert sent_at is not None  # waited for above
                delays.append(sent_at.timestamp() - posted[key])
            print(
                f"   text -> alert sent: p50 {ms(percentile(delays, 50))}, p90 {ms(percentile(delays, 90))}, "
                f"p99 {ms(percentile(delays, 99))}, max {ms(max(delays))} ({len(delays)} alerts; the worker wakes "
                f"when work is committed); CPUs busy {busy_share(ticks, machine_ticks())}"
            )
            print(
                f"   emails received by the SMTP sink: {len(sink.messages)}; at {datetime.now(UTC):%Y-%m-%d %H:%M} UTC"
            )
        finally:
            worker.terminate()
            worker.wait(timeout=30)
            sink.stop()


if __name__ == "__main__":
    main()

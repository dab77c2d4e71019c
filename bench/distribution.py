"""Benchmark: receipt → assigned-and-notification-queued latency at a steady 50 leads/s on PostgreSQL.

    .venv/bin/python bench/distribution.py                # creates forecourt_bench_dist with psql, migrates
    .venv/bin/python bench/distribution.py --rate 50 --seconds 20 --workers 16
    .venv/bin/python bench/distribution.py --http         # through POST /api/v1/dealerships/{slug}/adf on gunicorn
    .venv/bin/python bench/distribution.py --burst --burst 100   # 100 leads at once to the phones (bench/burst.py)

Default: a paced load generator hands each lead, at its scheduled instant (its "receipt"), to a
pool of worker processes (each with its own database connection, as web processes have); each runs `intake.door.take_in_lead` and `distribution.actions.distribute_lead` (round robin
among 5 salespeople, plus the new-lead alert email to a manager). A lead counts as done when that
transaction has committed: the lead is assigned, its activity written, the assignee's notification,
email and text and the alert email are queued. Latency = done - scheduled receipt, so time spent
waiting for a free process counts too. Each process takes one warm-up lead in before the clock
starts (its imports and compiled templates, as a web process has them after its first request);
those are left out of every figure. It also prints the CPU used per lead by the worker processes,
by the database's PostgreSQL backends and by the load generator, and how busy all CPUs were: on a
small machine, once they near 100% the leads queue and p99 measures the queue.

With --http the same leads are posted as ADF to a real gunicorn; latency is the HTTP round trip,
which includes distribution only once intake calls `distribute_lead` (the script says whether it did).
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import sys
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR))
from _common import (  # noqa: E402
    BASE_DIR,
    CpuMeter,
    busy_share,
    gunicorn,
    machine,
    machine_ticks,
    percentile,
    pids_with_argument,
    prepare_database,
    setup_django,
)

# This file has the app's name: keep bench/ off the path so `import distribution` finds the app.
sys.path[:] = [str(BASE_DIR), *(p for p in sys.path if Path(p or ".").resolve() != BENCH_DIR)]

DEFAULT_DB = "forecourt_bench_dist"
WARM_UP = "Warm-up"


def make_dealership() -> tuple[Any, list[Any]]:
    from accounts.models import Membership, User
    from dealerships.models import Dealership, Organization
    from distribution.policy import check
    from distribution.store import save_policy, staff_of

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
    )
    people = []
    for index, (name, role) in enumerate(
        [("Mia Manager", "manager"), *((f"Seller {n}", "salesperson") for n in "ABCDE")]
    ):
        user = User.objects.create_user(f"user{index}@bench.example", None, name=name, mobile=f"+1512555{index:04d}")
        Membership.objects.create(
            user=user, dealership=dealership, role=role, departments=["sales"], receives_leads=role == "salesperson"
        )
        people.append(user)
    checked = check(
        {"sales": {"method": "round_robin", "fallback": people[0].email, "alert_recipients": [people[0].email]}},
        staff_of(dealership),
    )
    assert checked.policy is not None, checked.errors
    save_policy(dealership=dealership, policy=checked.policy, actor=None)
    return dealership, people


def adf(index: int, last_name: str = "") -> str:
    """Lead `index`'s ADF; a warm-up lead (`last_name`) has no phone, so it matches no real lead."""
    phone = "" if last_name else f"512-555-{index % 10000:04d}"
    last_name = last_name or f"Number{index}"
    return f"""<?xml version="1.0"?><?adf version="1.0"?>
<adf><prospect status="new"><id sequence="1" source="Bench">BENCH-{index:06d}</id>
<requestdate>2026-03-16T10:00:00-05:00</requestdate>
<vehicle interest="buy" status="used"><year>2016</year><make>RAM</make><model>2500</model><stock>D{index}</stock></vehicle>
<customer><contact><name part="first">Buyer</name><name part="last">{last_name}</name>
<email>buyer{index}@example.com</email><phone>{phone}</phone></contact>
<comments>Is it still available?</comments></customer>
<vendor><vendorname>Bench Motors</vendorname></vendor><provider><name>Bench</name></provider></prospect></adf>"""


def _worker(database_url: str, tasks: Any, results: Any, ready: Any) -> None:
    """One process, as a web or worker process would be: Django set up once, then leads as they come."""
    os.environ["DATABASE_URL"] = database_url
    setup_django()
    from django.db import connections

    from dealerships.models import Dealership
    from distribution.actions import distribute_lead
    from intake.door import take_in_lead

    dealership = Dealership.objects.get(slug="bench-motors")

    def take_in(last_name: str, email: str) -> None:
        lead = take_in_lead(
            dealership=dealership,
            customer={"first_name": "Buyer", "last_name": last_name, "emails": [email]},
            source_name="Bench",
            actor=None,
            vehicles=[{"year": 2016, "make": "RAM", "model": "2500", "condition": "used"}],
            comments="Is it still available?",
        )
        if lead.assigned_to_id is None:  # take_in_lead distributes; this is for older trees
            distribute_lead(lead=lead)

    # A web process serves many requests: its first (imports, templates compiled) is not what
    # it costs afterwards. One warm-up lead each, left out of the figures.
    take_in(f"{WARM_UP}{os.getpid()}", f"warm-up-{os.getpid()}@example.com")
    ready.put(os.getpid())
    while (task := tasks.get()) is not None:
        index, receipt = task
        try:
            take_in(f"Number{index}", f"buyer{index}@example.com")
            results.put((index, time.monotonic() - receipt, ""))
        except Exception as error:
            results.put((index, 0.0, repr(error)))
    connections.close_all()


def run_in_process(database_url: str, rate: float, seconds: float, processes: int) -> tuple[list[float], int, str]:
    """Leads handed at their scheduled instants to `processes` worker processes; returns the
    latencies, the failures and the CPU the run used."""
    context = multiprocessing.get_context("spawn")
    tasks, results, ready = context.Queue(), context.Queue(), context.Queue()
    workers = [context.Process(target=_worker, args=(database_url, tasks, results, ready)) for _ in range(processes)]
    for worker in workers:
        worker.start()
    for _ in workers:  # the clock starts once every process has Django set up and a connection open
        ready.get(timeout=120)
    meter = CpuMeter(lambda: [worker.pid for worker in workers if worker.pid])
    meter.start()
    ticks = machine_ticks()
    total = int(rate * seconds)
    start = time.monotonic() + 0.2
    for index in range(total):
        receipt = start + index / rate
        delay = receipt - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        tasks.put((index, receipt))
    latencies, errors = [], 0
    for _ in range(total):
        _index, latency, error = results.get()
        if error:
            errors += 1
            print(error, file=sys.stderr)
        else:
            latencies.append(latency)
    cpu = meter.stop(total).replace("server", "worker processes").replace("senders", "load generator")
    cpu += f"; all CPUs busy {busy_share(ticks, machine_ticks())} of the run"
    for _ in workers:
        tasks.put(None)
    for worker in workers:
        worker.join()
    return latencies, errors, cpu


def run_http(
    database_url: str, slug: str, token: str, rate: float, seconds: float, workers: int
) -> tuple[list[float], int, str]:
    from urllib.request import Request, urlopen

    latencies: list[float] = []
    lock = threading.Lock()
    errors = 0
    with gunicorn(database_url, workers=2, threads=max(4, workers // 2)) as base_url:

        def request(document: str) -> Request:
            return Request(
                f"{base_url}/api/v1/dealerships/{slug}/adf",
                data=document.encode(),
                headers={"Authorization": f"Bearer {token}", "Content-Type": "application/xml"},
                method="POST",
            )

        def post(index: int, receipt: float) -> None:
            nonlocal errors
            try:
                with urlopen(request(adf(index)), timeout=30) as response:
                    response.read()
                with lock:
                    latencies.append(time.perf_counter() - receipt)
            except Exception as error:
                with lock:
                    errors += 1
                print(f"lead {index}: {error!r}", file=sys.stderr)

        # As in-process: the server's first requests (imports, compiled templates) are not what a
        # lead costs afterwards. Warm-up leads from every client thread at once reach both workers.
        with ThreadPoolExecutor(max_workers=workers) as pool:
            warm = range(10**6, 10**6 + 2 * workers)
            list(pool.map(lambda n: urlopen(request(adf(n, f"{WARM_UP}{n}")), timeout=60).read(), warm))
        total = int(rate * seconds)
        meter = CpuMeter(lambda: pids_with_argument(base_url.removeprefix("http://")))
        meter.start()
        ticks = machine_ticks()
        with ThreadPoolExecutor(max_workers=workers) as pool:
            start = time.perf_counter() + 0.5
            for index in range(total):
                receipt = start + index / rate
                delay = receipt - time.perf_counter()
                if delay > 0:
                    time.sleep(delay)
                pool.submit(post, index, receipt)
        cpu = meter.stop(total).replace("server", "gunicorn").replace("senders", "load generator")
        cpu += f"; all CPUs busy {busy_share(ticks, machine_ticks())} of the run"
    return latencies, errors, cpu


def main() -> None:
    if sys.argv[1:2] == ["--burst"]:  # a burst to the assignees' phones, at up to 1M leads: bench/burst.py
        from bench.burst import main as burst

        burst(sys.argv[2:])
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default=DEFAULT_DB, help="PostgreSQL database to (re)create")
    parser.add_argument("--rate", type=float, default=50.0, help="leads per second")
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--workers", type=int, default=8, help="worker processes (HTTP: client threads)")
    parser.add_argument("--http", action="store_true", help="post ADF to gunicorn instead of calling in-process")
    args = parser.parse_args()

    url = prepare_database(args.database)
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DEBUG", "0")
    os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-not-for-production-0123456789")
    setup_django()

    from accounts.models import ApiToken
    from leads.models import Lead
    from notifications.models import Notification, OutboundEmail

    dealership, people = make_dealership()
    if args.http:
        _, token = ApiToken.issue(user=people[0], scope=ApiToken.Scope.INTAKE)
        latencies, errors, cpu = run_http(url, "bench-motors", token, args.rate, args.seconds, args.workers)
        path = "HTTP: POST /api/v1/dealerships/bench-motors/adf on gunicorn (2 workers)"
    else:
        latencies, errors, cpu = run_in_process(url, args.rate, args.seconds, args.workers)
        path = f"{args.workers} processes: intake.door.take_in_lead (distributes, starts the SLA clock and tasks)"

    warm_ups = Lead.objects.filter(dealership=dealership, customer__last_name__startswith=WARM_UP).count()
    leads = Lead.objects.filter(dealership=dealership).exclude(customer__last_name__startswith=WARM_UP)
    owners: Counter[str | None] = Counter(leads.values_list("assigned_to__name", flat=True))
    ms = [x * 1000 for x in latencies]
    print(f"Machine: {machine()}")
    print(f"Path: {path}")
    print(f"Load: {args.rate:g} leads/s for {args.seconds:g} s")
    print(f"Leads done: {len(ms)}, failed: {errors}, in the database: {leads.count()}")
    if ms:
        print(
            f"Latency receipt → assigned and notifications queued: p50 {percentile(ms, 50):.1f} ms, "
            f"p90 {percentile(ms, 90):.1f} ms, p99 {percentile(ms, 99):.1f} ms, max {max(ms):.1f} ms"
        )
    if cpu:
        print(cpu)
    print("Assigned: " + ", ".join(f"{name or 'nobody'} {count}" for name, count in sorted(owners.items(), key=str)))
    print(
        f"Queued: {Notification.objects.filter(lead__in=leads).count()} notifications, "
        f"{OutboundEmail.objects.filter(purpose='new_lead_alert').count() - warm_ups} new-lead alert emails "
        f"(not counting {warm_ups} warm-up leads)"
    )
    if owners[None]:
        print("Note: some leads were not distributed (intake without distribution?), so latency excludes it.")


if __name__ == "__main__":
    main()

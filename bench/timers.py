"""Benchmark: SLA timers on PostgreSQL with many open leads.

    createdb -h 127.0.0.1 -U postgres forecourt_bench_timers
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/forecourt_bench_timers .venv/bin/python manage.py migrate
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/forecourt_bench_timers .venv/bin/python bench/timers.py

It empties the leads of that database first. Two measurements:

1. The cost of one worker pass (`sweep_timers`) as the number of open leads with running clocks
   grows (1k, 10k, 100k), with a fixed number of timers due: it should stay flat, because a pass
   reads only the due rows (partial index `timer_pending_due`).
2. Lateness (fired_at - due_at, p50 / p99) with 100k open leads while timers fall due at a steady
   rate during the run, fired by one real `manage.py runworker` process (default 1 s interval)
   that also sends every resulting email to an SMTP server on loopback.
"""

from __future__ import annotations

import os
import platform
import signal
import statistics
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "forecourt.settings")
os.environ.setdefault("LOG_LEVEL", "WARNING")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.models import Membership, User  # noqa: E402
from dealerships.models import Dealership, Organization  # noqa: E402
from escalations.actions import pending_timers  # noqa: E402
from escalations.firing import sweep_timers  # noqa: E402
from escalations.models import LeadSla, Timer  # noqa: E402
from forecourt.lib import jobs  # noqa: E402
from forecourt.testing import SmtpSink  # noqa: E402
from leads.models import Customer, Lead  # noqa: E402
from notifications.models import Notification, OutboundEmail  # noqa: E402

SIZES = (1_000, 10_000, 100_000)
DUE_PER_PASS = 200
PASS_REPEATS = 5
RUN_SECONDS = 60
DUE_DURING_RUN = 3_000  # 50 timers a second
BATCH = 5_000


def machine() -> str:
    with connection.cursor() as cursor:
        cursor.execute("select version()")
        version = cursor.fetchone()[0]
    return f"{platform.platform()} · Python {platform.python_version()} · {os.cpu_count()} CPUs · {version}"


def reset() -> tuple[Dealership, User]:
    if connection.vendor != "postgresql":
        sys.exit("Run this against PostgreSQL: set DATABASE_URL=postgres://…/forecourt_bench_timers")
    with connection.cursor() as cursor:
        for table in (
            "notifications_outboundtext",
            "notifications_notification",
            "notifications_outboundemail",
            "escalations_timer",
            "escalations_leadsla",
            "followups_followup",
            "leads_activity",
            "leads_vehicleinterest",
            "leads_trade",
            "leads_lead_collaborators",
            "leads_lead",
            "leads_customeremail",
            "leads_customerphone",
            "leads_customer",
            "django_tasks_database_dbtaskresult",
        ):
            cursor.execute(f"TRUNCATE {table} CASCADE")
    org, _ = Organization.objects.get_or_create(name="Bench Auto Group")
    week = {d: ["00:00-24:00"] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
    dealership, _ = Dealership.objects.update_or_create(
        slug="bench-motors",
        defaults={
            "organization": org,
            "name": "Bench Motors",
            "timezone": "America/Chicago",
            "hours": week,
            "public_holidays": False,
            "intake_address": "bench-motors",
        },
    )
    boss, _ = User.objects.get_or_create(email="boss@bench.example", defaults={"name": "Boss Bench"})
    seller, _ = User.objects.get_or_create(email="seller@bench.example", defaults={"name": "Sam Seller"})
    Membership.objects.get_or_create(user=boss, dealership=dealership, defaults={"role": "manager"})
    Membership.objects.get_or_create(
        user=seller, dealership=dealership, defaults={"role": "salesperson", "supervisor": boss}
    )
    return dealership, seller


def add_leads(dealership: Dealership, seller: User, count: int, *, due_in: list[timedelta] | None = None) -> list[int]:
    """`count` open leads with running clocks; timers far ahead unless `due_in` gives stage 1's offset."""
    now = timezone.now()
    made: list[int] = []
    for start in range(0, count, BATCH):
        size = min(BATCH, count - start)
        customers = Customer.objects.bulk_create(
            Customer(organization=dealership.organization, first_name="Bench", last_name=str(start + i))
            for i in range(size)
        )
        leads = Lead.objects.bulk_create(
            Lead(dealership=dealership, customer=c, source_name="Bench", assigned_to=seller, received_at=now)
            for c in customers
        )
        slas, timers = [], []
        for i, lead in enumerate(leads):
            if due_in is not None:
                stage1 = now + due_in[start + i]
            else:  # spread over the next 30 days: running clocks that are not due
                stage1 = now + timedelta(days=1, seconds=(start + i) * 25)
            reminder, stage2 = stage1 + timedelta(days=30), stage1 + timedelta(days=31)
            slas.append(
                LeadSla(lead=lead, started_at=now, reminder_at=reminder, stage1_due_at=stage1, stage2_due_at=stage2)
            )
            timers += [
                Timer(lead=lead, kind="reminder", due_at=reminder),
                Timer(lead=lead, kind="stage1", due_at=stage1),
                Timer(lead=lead, kind="stage2", due_at=stage2),
            ]
        LeadSla.objects.bulk_create(slas)
        Timer.objects.bulk_create(timers, batch_size=BATCH)
        made += [lead.pk for lead in leads]
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE escalations_timer; ANALYZE leads_lead; ANALYZE escalations_leadsla")
    return made


def one_pass(dealership: Dealership, seller: User) -> tuple[float, float, int]:
    """(seconds of a pass firing DUE_PER_PASS timers, seconds of an empty pass, timers fired)."""
    add_leads(dealership, seller, DUE_PER_PASS, due_in=[timedelta(seconds=-1)] * DUE_PER_PASS)
    started = time.perf_counter()
    fired = sweep_timers()
    busy = time.perf_counter() - started
    started = time.perf_counter()
    sweep_timers()
    idle = time.perf_counter() - started
    return busy, idle, fired


def explain_due_query() -> str:
    query = pending_timers().filter(due_at__lte=timezone.now()).filter(jobs.lease_free(timezone.now()))
    plan = query.order_by("due_at").values_list("pk", flat=True)[:500].explain()
    return "\n".join("    " + line for line in plan.splitlines())


def pass_costs(dealership: Dealership, seller: User) -> None:
    print(f"\n1. One worker pass with {DUE_PER_PASS} timers due (median of {PASS_REPEATS}), and an idle pass")
    print(f"   {'open leads':>10}  {'pending timers':>14}  {'busy pass':>10}  {'per timer':>9}  {'idle pass':>9}")
    total = 0
    one_pass(dealership, seller)  # warm-up: imports, connection, caches; not counted
    for size in SIZES:
        add_leads(dealership, seller, size - total)
        total = size
        runs = [one_pass(dealership, seller) for _ in range(PASS_REPEATS)]
        assert all(fired == DUE_PER_PASS for _, _, fired in runs), runs
        busy = statistics.median(r[0] for r in runs)
        idle = statistics.median(r[1] for r in runs)
        pending = pending_timers().count()
        print(
            f"   {size:>10,}  {pending:>14,}  {busy * 1000:>8.0f} ms  {busy / DUE_PER_PASS * 1000:>6.2f} ms"
            f"  {idle * 1000:>6.1f} ms"
        )
    print("   Plan of the due-timer query at 100k open leads:")
    print(explain_due_query())


def lateness(dealership: Dealership, seller: User) -> None:
    print(
        f"\n2. Lateness: {DUE_DURING_RUN:,} timers falling due over {RUN_SECONDS} s "
        f"({DUE_DURING_RUN / RUN_SECONDS:.0f}/s) among {pending_timers().count():,} pending, one runworker"
    )
    OutboundEmail.objects.all().delete()
    Notification.objects.all().delete()
    with connection.cursor() as cursor:  # the email tasks queued by part 1: their rows are gone
        cursor.execute("TRUNCATE django_tasks_database_dbtaskresult")
    lead_start = 10  # seconds from now: the worker is up by then
    offsets = [timedelta(seconds=lead_start + RUN_SECONDS * i / DUE_DURING_RUN) for i in range(DUE_DURING_RUN)]
    hot = add_leads(dealership, seller, DUE_DURING_RUN, due_in=offsets)
    sink = SmtpSink().start()
    env = {**os.environ, "SMTP_URL": sink.url, "LOG_LEVEL": "WARNING"}
    log = open(os.environ.get("BENCH_WORKER_LOG", "/dev/null"), "w")  # noqa: SIM115 - closed below
    worker = subprocess.Popen(
        [sys.executable, str(BASE_DIR / "manage.py"), "runworker"], cwd=BASE_DIR, env=env, stdout=log, stderr=log
    )
    try:
        deadline = time.monotonic() + lead_start + RUN_SECONDS + 60
        while time.monotonic() < deadline:
            if not pending_timers().filter(lead_id__in=hot, kind="stage1").exists():
                break
            time.sleep(1)
        time.sleep(3)  # let the last emails go
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=300)
        log.close()
        sink.stop()
    fired = Timer.objects.filter(lead_id__in=hot, kind="stage1", fired_at__isnull=False)
    late = sorted((t.fired_at - t.due_at).total_seconds() for t in fired if t.fired_at)
    missing = DUE_DURING_RUN - len(late)
    p = statistics.quantiles(late, n=100) if len(late) > 1 else [0.0] * 99
    print(f"   fired {len(late):,} of {DUE_DURING_RUN:,} (missing {missing}); emails received: {len(sink.messages):,}")
    print(f"   lateness p50 {p[49]:.2f} s · p99 {p[98]:.2f} s · max {late[-1]:.2f} s")
    sent = OutboundEmail.objects.filter(status="sent").count()
    print(f"   escalation emails sent {sent:,} of {OutboundEmail.objects.count():,}")


def main() -> None:
    print("bench/timers.py: SLA timers on PostgreSQL")
    print("machine:", machine())
    dealership, seller = reset()
    pass_costs(dealership, seller)
    lateness(dealership, seller)


if __name__ == "__main__":
    main()

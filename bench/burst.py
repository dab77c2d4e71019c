"""Benchmark: intake in bursts and sustained, with a table of up to a million leads, on PostgreSQL.

    .venv/bin/python bench/burst.py --prepare                  # (re)create forecourt_burst_bench, provision
    .venv/bin/python bench/burst.py --table-leads 100000       # grow the table to 100k leads (set-based SQL)
    .venv/bin/python bench/burst.py                            # measure at whatever the table holds
    .venv/bin/python bench/burst.py --table-leads 1000000      # then again at a million

Also reached as `bench/intake.py --burst …` and `bench/distribution.py --burst …` (the same options).

The database (`forecourt_burst_bench`, or `--database`) is kept between runs, so the big table is
built once. `--table-leads N` adds customers (an email and a phone each), leads and their
"received" activity with `INSERT … SELECT generate_series` until the dealership holds N leads,
then ANALYZEs; none of them matches a lead the measurements send (their phones are 555-01xx
numbers, theirs are not).

What it prints, each figure beside the load average (the machine is shared):
1. Processing of stored messages: `--sustained` emails stored first (`store_inbound`, as SMTP
   does), then taken by the worker's sweep (`intake.tasks.sweep_inbound`) in this process:
   leads/s, CPU per lead (this process + its PostgreSQL backend), statements per lead (counted
   with `connection.execute_wrapper`, which does not see the COPY that writes a batch's rows on
   PostgreSQL: one per table and batch); then as many again taken by `--sweep-processes` sweeps at
   once, each in its own process: the leads/s of the machine rather than of one process. Each
   sweeping process is warmed up first on `WARM_UP` leads of its own, as a running worker is.
2. A burst: `--burst` SMTP sessions opened at once against `manage.py smtpd --processes 2` (as
   in the Procfile), each mailing one lead at the same instant; `manage.py runworker` sends the
   texts to a stand-in for Twilio on loopback (answering each after `--provider-ms`, as the real
   one across the internet takes a few hundred ms). Per lead: start of DATA → 250 (stored and
   acknowledged) and start of DATA → the assignee's text handed to the provider; p50 / p99 / max.
3. Paced: `--rate` leads/s for `--seconds` through the same smtpd and worker, each sender's
   session opened half a second before its DATA: DATA → 250 and DATA → text, p50 / p99, and the
   CPU per lead of smtpd, the worker, PostgreSQL (the whole server) and the senders. With
   `--paced-during-sweeps`, mailed while `--sweep-processes` sweeps (and the worker) take the
   sustained run's number of stored emails in, instead of after.
4. The raw insert ceiling: the same rows written with plain SQL (bench/intake.py's `raw_inserts`).
5. With `--batches 1,4,50`: stored leads taken in that many at a time, as smtpd's processing
   thread takes what waited for it (alone when idle, more the busier it is): CPU per lead and
   statements per batch (`--batch-leads` leads at each size).
With `--without-worker`, the burst and paced runs start smtpd alone: the leads are taken in and
their alerts queued (the aim's "full lead"), and nothing sends the texts, whose CPU is then not
on the machine.

Loopback only, bounded in count and time. A script, not a test: asserts no times.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench._common import BASE_DIR, cpu_seconds, free_port, load_average, machine, percentile, setup_django

PYTHON = str(BASE_DIR / ".venv" / "bin" / "python")
DEFAULT_DB = "forecourt_burst_bench"
SLUG = "bench-motors"


def database_url(name: str) -> str:
    return f"postgres://postgres@127.0.0.1:5432/{name}"


def psql(sql: str, database: str = "postgres") -> str:
    done = subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", database, "-q", "-At", "-c", sql],
        check=True,
        capture_output=True,
        text=True,
    )
    return done.stdout.strip()


def prepare(name: str, tmp: str) -> None:
    """Drop and create the database, migrate, provision the bench dealership (bench/intake.py's)."""
    from bench import intake

    psql(f'DROP DATABASE IF EXISTS "{name}"')
    psql(f'CREATE DATABASE "{name}"')
    env = intake.child_env(database_url(name), tmp)
    (Path(tmp) / "static").mkdir(exist_ok=True)
    intake.manage(env, "migrate", "-v", "0")
    yaml = intake.PROVISION.replace("METHOD", "round_robin")
    # Salespeople with mobiles, and a number the texts come from: the new-lead text is what we time.
    yaml = yaml.replace("    country: US\n", "    country: US\n    phones: {leads: '+15125550100'}\n", 1)
    for i in range(1, 7):
        yaml = yaml.replace(
            f"name: Sales Person {i}, password", f"name: Sales Person {i}, mobile: '+1512555{1000 + i}', password"
        )
    path = Path(tmp) / "bench-dealership.yaml"
    path.write_text(yaml)
    intake.manage(env, "provision", str(path))
    print(f"{name}: migrated and provisioned", flush=True)


def fill_table(target: int) -> None:
    """Grow the bench dealership to `target` leads with set-based SQL (customers, emails, phones,
    leads, activities, sender ids)."""
    from django.db import connection, transaction

    from dealerships.models import Dealership
    from leads.models import Lead

    dealership = Dealership.objects.get(slug=SLUG)
    have = Lead.objects.filter(dealership=dealership).count()
    missing = target - have
    if missing <= 0:
        with connection.cursor() as cursor:
            _add_sender_ids(cursor, dealership.pk)  # a table filled before past leads had them
            cursor.execute("ANALYZE intake_leadsourceid")
        print(f"the table holds {have} leads already", flush=True)
        return
    started = time.perf_counter()
    chunk = 200_000
    with connection.cursor() as cursor:
        cursor.execute("SELECT COALESCE(MAX(id), 0) FROM leads_customer")
        base = cursor.fetchone()[0] + 1
        for start in range(0, missing, chunk):
            count = min(chunk, missing - start)
            low, high = base + start, base + start + count - 1
            params = {"low": low, "high": high, "org": dealership.organization_id, "dealership": dealership.pk}
            with transaction.atomic():
                _add_history(cursor, params)
            print(f"  {start + count}/{missing} leads added", flush=True)
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence('leads_customer', 'id'), (SELECT MAX(id) FROM leads_customer))"
        )
        for table in (
            "leads_customer",
            "leads_customeremail",
            "leads_customerphone",
            "leads_lead",
            "leads_activity",
            "intake_leadsourceid",
        ):
            cursor.execute(f"ANALYZE {table}")
    print(f"the table now holds {target} leads ({time.perf_counter() - started:.0f} s to add {missing})", flush=True)


def _add_history(cursor: Any, params: dict[str, int]) -> None:
    """Customers `low`..`high` with an email and a phone each, and a won lead with its activity and
    sender's id each."""
    cursor.execute(
        """
        INSERT INTO leads_customer (id, organization_id, first_name, last_name, business_name, language,
            street, city, region, postal_code, country, created_at)
        SELECT n, %(org)s, 'Past', 'Customer' || n, '', '', '[]', 'Austin', 'TX', '78701', 'US',
            now() - mod(n, 1000) * interval '1 day'
        FROM generate_series(%(low)s::bigint, %(high)s::bigint) AS n
        """,
        params,
    )
    cursor.execute(
        """
        INSERT INTO leads_customeremail (customer_id, email)
        SELECT n, 'past' || n || '@history.example' FROM generate_series(%(low)s::bigint, %(high)s::bigint) AS n
        """,
        params,
    )
    cursor.execute(
        """
        INSERT INTO leads_customerphone (customer_id, number, raw, type, search_key)
        SELECT n, '+1555' || lpad(mod(n, 10000000)::text, 7, '0'), '', 'cellphone', ''
        FROM generate_series(%(low)s::bigint, %(high)s::bigint) AS n
        """,
        params,
    )
    cursor.execute(
        """
        WITH made AS (
            INSERT INTO leads_lead (dealership_id, customer_id, department, status, lost_reason, source_name,
                source_kind, source_ref, comments, received_at, updated_at, search_business_name,
                search_first_name, search_last_name, first_response_channel)
            SELECT %(dealership)s, n, 'sales', 'won', '', 'History', 'third_party', 'H' || n, '',
                now() - mod(n, 1000) * interval '1 day', now() - mod(n, 1000) * interval '1 day', '',
                'past', 'customer' || n, ''
            FROM generate_series(%(low)s::bigint, %(high)s::bigint) AS n
            RETURNING id, received_at
        )
        INSERT INTO leads_activity (lead_id, kind, text, data, at)
        SELECT id, 'created', 'Lead received from History', '{}', received_at FROM made
        """,
        params,
    )
    _add_sender_ids(cursor, params["dealership"])


def _add_sender_ids(cursor: Any, dealership: int) -> None:
    """The sender's id of every past lead (`H<n>`), as a marketplace gives each of its leads one:
    what a delivery's look-up of its own ids has to find its way through."""
    cursor.execute(
        """
        INSERT INTO intake_leadsourceid (dealership_id, source, value, lead_id)
        SELECT lead.dealership_id, 'history', lead.source_ref, lead.id FROM leads_lead AS lead
        WHERE lead.dealership_id = %s AND lead.source_name = 'History'
            AND NOT EXISTS (SELECT 1 FROM intake_leadsourceid AS held WHERE held.lead_id = lead.id)
        """,
        [dealership],
    )


# Measuring -----------------------------------------------------------------------------------


class Statements:
    """Counts the SQL statements this process's connection runs (`connection.execute_wrapper`)."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
        self.count += 1
        return execute(sql, params, many, context)


def backend_cpu() -> float:
    """CPU seconds used so far by this connection's PostgreSQL backend (same machine)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    return sum(cpu_seconds([pid]).values())


def child_pids(pid: int) -> list[int]:
    try:
        return [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except FileNotFoundError:
        return []


def postgres_cpu() -> float:
    """CPU seconds used so far by PostgreSQL on this machine: its processes now running (backends
    and helpers, the whole server's), and the backends that have ended, which the server's first
    process counts as its ended children (`cutime` and `cstime` in /proc)."""
    running, ended = [], 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
            if "(postgres)" not in text:
                continue
            fields = text.rsplit(")", 1)[1].split()
            if "(postgres)" not in Path(f"/proc/{fields[1]}/stat").read_text():  # the postmaster
                ended += (int(fields[13]) + int(fields[14])) / os.sysconf("SC_CLK_TCK")
        except OSError:  # ended meanwhile
            continue
        running.append(int(stat.parent.name))
    return sum(cpu_seconds(running).values()) + ended


def table_size() -> int:
    from leads.models import Lead

    return Lead.objects.filter(dealership__slug=SLUG).count()


WARM_UP = 20  # leads each sweeping process takes in before it is measured (their specs follow the measured ones)


def sustained(count: int, base: int) -> dict[str, Any]:
    """Store `count` lead emails, then let the worker's sweep process them here; leads/s, CPU, statements."""
    from django.db import connection

    from bench.intake import lead_email, lead_spec
    from dealerships.models import Dealership
    from intake.actions import store_inbound
    from intake.models import InboundEmail
    from intake.tasks import sweep_inbound

    dealership = Dealership.objects.select_related("organization").get(slug=SLUG)
    # Warm, as a worker that has been running is: its first batch also imports and reads what
    # every later one reuses (the holiday tables of the rooftop's calendar, lazily imported code).
    for i in range(WARM_UP):
        store_inbound(dealership=dealership, raw=lead_email(lead_spec(base + count + i))[1], channel="smtp")
    while sweep_inbound() > 0:
        pass
    for i in range(count):
        store_inbound(dealership=dealership, raw=lead_email(lead_spec(base + i))[1], channel="smtp")
    counter = Statements()
    cpu, db_cpu, started = time.process_time(), backend_cpu(), time.perf_counter()
    with connection.execute_wrapper(counter):
        done = 0
        while (swept := sweep_inbound()) > 0:
            done += swept
    elapsed = time.perf_counter() - started
    cpu, db_cpu = time.process_time() - cpu, backend_cpu() - db_cpu
    made = InboundEmail.objects.filter(status="processed", leads__isnull=False).distinct().count()
    return {
        "leads": done,
        "leads_per_s": done / elapsed,
        "cpu_ms": cpu / max(done, 1) * 1000,
        "db_cpu_ms": db_cpu / max(done, 1) * 1000,
        "statements": counter.count / max(done, 1),
        "processed_total": made,
        "load": load_average(),
    }


def batch_sizes(size: int, leads: int, base: int) -> dict[str, Any]:
    """`leads` lead emails stored and held as smtpd stores them, then taken in `size` at a time
    (`process_batch`, as smtpd's processing thread takes what waited for it): CPU per lead (this
    process + its PostgreSQL backend) and statements per batch. Warmed up on two batches first."""
    from django.db import connection

    from bench.intake import lead_email, lead_spec
    from dealerships.models import Dealership
    from intake.actions import process_batch, store_inbound

    dealership = Dealership.objects.select_related("organization").get(slug=SLUG)
    count = max(leads // size, 1) + 2
    batches = [
        [
            store_inbound(
                dealership=dealership, raw=lead_email(lead_spec(base + b * size + i))[1], channel="smtp", hold=True
            )
            for i in range(size)
        ]
        for b in range(count)
    ]
    for batch in batches[:2]:
        process_batch(batch)
    counter = Statements()
    cpu, db_cpu = time.process_time(), backend_cpu()
    with connection.execute_wrapper(counter):
        for batch in batches[2:]:
            process_batch(batch)
    done = (count - 2) * size
    return {
        "cpu_ms": (time.process_time() - cpu) / done * 1000,
        "db_cpu_ms": (backend_cpu() - db_cpu) / done * 1000,
        "statements": counter.count / (count - 2),
        "leads": count * size,
        "load": load_average(),
    }


def recipients(count: int) -> dict[str, Any]:
    """smtpd's look-up of the intake address at RCPT (`intake.smtp.recipient`), `count` times, as
    its desk makes it: CPU per look-up (this process + its PostgreSQL backend), after 100 unmeasured."""
    from bench.intake import DOMAIN, INTAKE
    from intake.smtp import recipient

    address = f"{INTAKE}+tag@{DOMAIN.upper()}"
    for _ in range(100):
        recipient(address)
    cpu, db_cpu = time.process_time(), backend_cpu()
    for _ in range(count):
        recipient(address)
    return {
        "cpu_us": (time.process_time() - cpu) / count * 1e6,
        "db_cpu_us": (backend_cpu() - db_cpu) / count * 1e6,
        "load": load_average(),
    }


SWEEPER = """
import sys, time
sys.path.insert(0, {base!r})
from bench._common import setup_django
setup_django()
from django.db import connection
from intake.tasks import sweep_inbound
connection.ensure_connection()
while sweep_inbound() > 0:  # its warm-up batch, stored for it alone before it started
    pass
print("ready", flush=True)
sys.stdin.readline()
started = time.perf_counter()
done = 0
while (swept := sweep_inbound()) > 0:
    done += swept
print(done, started, time.perf_counter(), flush=True)
"""


def sustained_processes(count: int, base: int, processes: int, went: threading.Event | None = None) -> dict[str, Any]:
    """Store `count` lead emails, then let `processes` worker sweeps take them in at the same time,
    each in a process of its own (as several workers, or smtpd processes, would): leads/s together,
    from the moment all of them, started and connected, are told to go (`went` is set then)."""
    from bench.intake import lead_email, lead_spec
    from dealerships.models import Dealership
    from intake.actions import store_inbound

    dealership = Dealership.objects.select_related("organization").get(slug=SLUG)
    children = []
    for n in range(processes):  # one at a time, each warmed up on a batch of its own (`sustained`)
        for i in range(WARM_UP):
            store_inbound(
                dealership=dealership, raw=lead_email(lead_spec(base + count + n * WARM_UP + i))[1], channel="smtp"
            )
        child = subprocess.Popen(
            [PYTHON, "-c", SWEEPER.format(base=str(BASE_DIR))], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "ready"
        children.append(child)
    for i in range(count):
        store_inbound(dealership=dealership, raw=lead_email(lead_spec(base + i))[1], channel="smtp")
    for child in children:
        assert child.stdin is not None
        child.stdin.write("go\n")
        child.stdin.flush()
    if went is not None:
        went.set()
    outputs = [child.communicate()[0].split() for child in children]
    done = sum(int(out[0]) for out in outputs)
    elapsed = max(float(out[2]) for out in outputs) - min(float(out[1]) for out in outputs)
    return {"leads": done, "leads_per_s": done / elapsed, "load": load_average()}


def set_aside_earlier_sends() -> None:
    """The texts and emails queued by earlier steps and runs (the sweep above sends none), the
    reminders and escalations of their leads, which fall due minutes later, and the lead emails
    an interrupted run stored but never took in (which the worker's sweep would take in meanwhile)
    are not this measurement's: marked failed and cancelled, so the worker starts with nothing in
    hand but the burst."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE intake_inboundemail SET status = 'failed', reason = 'bench: set aside' WHERE status = 'received'"
        )
        for table in ("notifications_outboundtext", "notifications_outboundemail"):
            cursor.execute(
                f"UPDATE {table} SET status = 'failed', last_error = 'bench: set aside' WHERE status = 'pending'"
            )
        cursor.execute(
            "UPDATE escalations_timer SET cancelled_at = now() WHERE fired_at IS NULL AND cancelled_at IS NULL"
        )
        cursor.execute("DELETE FROM django_tasks_database_dbtaskresult WHERE status = 'READY'")


class Provider:
    """A stand-in for Twilio on loopback noting, per lead, when the assignee's text arrived (wall clock)."""

    LEAD = re.compile(r"/leads/(\d+)/")

    def __init__(self, answer_after: float = 0.0) -> None:
        from forecourt.testing import FakeTwilio

        self.twilio = FakeTwilio(answer_after=answer_after).start()
        self.arrived: dict[int, float] = {}
        outer = self

        class Requests(list[dict[str, object]]):
            def append(self, request: dict[str, object]) -> None:
                now = time.time()
                super().append(request)
                form: Any = request.get("form") or {}
                for body in form.get("Body", []):
                    if body.startswith("New lead for you") and (found := outer.LEAD.search(body)):
                        outer.arrived.setdefault(int(found.group(1)), now)

        self.twilio.requests = Requests()

    def env(self) -> dict[str, str]:
        return {
            "SMS_PROVIDER": "twilio",
            "TWILIO_API_BASE": self.twilio.base,
            "TWILIO_ACCOUNT_SID": "ACbench",
            "TWILIO_AUTH_TOKEN": "bench",
        }


class Services:
    """`manage.py smtpd --processes 2` and `manage.py runworker`, as the Procfile runs them."""

    def __init__(self, tmp: str, provider: Provider, smtp_processes: int, worker: bool = True) -> None:
        from bench import intake

        self.port = free_port()
        env = {**intake.child_env(os.environ["DATABASE_URL"], tmp), **provider.env()}
        smtpd = ["smtpd", "--host", "127.0.0.1", "--port", str(self.port), "--processes", str(smtp_processes)]
        self.processes = {
            name: subprocess.Popen(
                [PYTHON, "manage.py", *command],
                cwd=BASE_DIR,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            for name, command in (("smtpd", smtpd), ("worker", ["runworker"]))
            if worker or name == "smtpd"
        }
        intake.wait_for_port(self.port, self.processes["smtpd"])

    def cpu(self) -> dict[str, float]:
        """CPU seconds used so far by smtpd (its processes), the worker, PostgreSQL and this process."""
        return {
            **{name: sum(cpu_seconds([p.pid, *child_pids(p.pid)]).values()) for name, p in self.processes.items()},
            "PostgreSQL": postgres_cpu(),
            "the senders (this bench)": time.process_time(),
        }

    def stop(self) -> None:
        for process in self.processes.values():
            process.terminate()
        for process in self.processes.values():
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()


def send_mails(
    port: int, mails: list[bytes], at: Callable[[int], float], open_ahead: float = 0.5
) -> dict[int, tuple[float, float]]:
    """One SMTP session per mail, DATA started at `at(i)` (wall clock); returns inbound id ->
    (DATA started, 250 received).

    Each session opens `open_ahead` seconds before its DATA, as a sender connects when it has a
    lead to send: a paced run holds about rate * `open_ahead` sessions at a time, not every
    session of the run at once (whose opening would load the machine before the run starts).

    The sessions are an event loop's (uvloop's, as smtpd's) in this one thread, each writing its
    commands and reading the replies as they come: the load is a mail server's, at a fraction of
    the CPU that a thread and `smtplib` per session cost (which the senders' figure then counted
    as Forecourt's machine being busy)."""
    import uvloop

    return asyncio.run(_send_mails(port, mails, at, open_ahead), loop_factory=uvloop.new_event_loop)


async def _send_mails(
    port: int, mails: list[bytes], at: Callable[[int], float], open_ahead: float
) -> dict[int, tuple[float, float]]:
    from bench.intake import DOMAIN, INTAKE

    sent: dict[int, tuple[float, float]] = {}

    async def one(i: int) -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)

        async def say(line: bytes, expect: int) -> bytes:
            if line:
                writer.write(line)
            while True:  # a multi-line reply ends with the line whose code is followed by a space
                reply = await reader.readline()
                if reply[3:4] != b"-":
                    break
            if not reply.startswith(str(expect).encode()):
                raise RuntimeError(f"mail {i}: {line!r} answered {reply!r}")
            return reply

        try:
            await say(b"", 220)
            await say(b"EHLO sender.example\r\n", 250)
            await say(b"MAIL FROM:<leads@provider.example>\r\n", 250)
            await say(f"RCPT TO:<{INTAKE}@{DOMAIN}>\r\n".encode(), 250)
            await asyncio.sleep(max(0.0, at(i) - time.time()))
            started = time.time()
            await say(b"DATA\r\n", 354)
            reply = await say(_data(mails[i]), 250)
            acked = time.time()
            sent[int(reply.split()[-1])] = (started, acked)  # "250 OK stored as <id>"
            await say(b"QUIT\r\n", 221)
        finally:
            writer.close()

    sessions = []
    for i in range(len(mails)):
        await asyncio.sleep(max(0.0, at(i) - open_ahead - time.time()))
        sessions.append(asyncio.create_task(one(i)))
    for failed in [r for r in await asyncio.gather(*sessions, return_exceptions=True) if r is not None]:
        print(f"  a session failed: {failed}", flush=True)
    return sent


def _data(mail: bytes) -> bytes:
    """`mail` as DATA carries it: CRLF line ends, a leading dot doubled, ended by a lone dot."""
    lines = re.sub(rb"\r?\n", b"\r\n", mail)
    return re.sub(rb"(?m)^\.", b"..", lines).rstrip(b"\r\n") + b"\r\n.\r\n"


def to_provider(
    sent: dict[int, tuple[float, float]], provider: Provider, timeout: float = 120, texts: bool = True
) -> dict[str, Any]:
    """Wait until every lead's text reached the provider (without `texts`, until every lead is
    made: nothing sends the texts); the figures of DATA → 250, DATA → lead made and DATA → text."""
    from intake.models import InboundEmail
    from leads.models import Lead

    # Waited for with a count over the run's range of ids, a tenth of a second apart: reading
    # every link each time cost the bench and PostgreSQL a millisecond a lead of a paced run.
    links_in_run = InboundEmail.leads.through.objects.filter(
        inboundemail_id__gte=min(sent, default=0), inboundemail_id__lte=max(sent, default=0)
    )
    links: dict[int, int] = {}
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if links_in_run.count() >= len(sent):
            links = dict(links_in_run.filter(inboundemail_id__in=list(sent)).values_list("inboundemail_id", "lead_id"))
            if len(links) == len(sent) and (not texts or all(lead in provider.arrived for lead in links.values())):
                break
        time.sleep(0.1)
    arrived = [
        (provider.arrived[lead] - sent[inbound][0]) * 1000
        for inbound, lead in links.items()
        if lead in provider.arrived
    ]
    acks = [(acked - started) * 1000 for started, acked in sent.values()]
    # DATA started -> the lead made: `processed_at` is written in the transaction that makes it, as
    # its delivery's leads are made, before the batch gives them their owners and commits.
    done = InboundEmail.objects.filter(pk__in=list(sent), processed_at__isnull=False).values_list("pk", "processed_at")
    leads = [(at.timestamp() - sent[pk][0]) * 1000 for pk, at in done if at is not None]
    owners = Counter(Lead.objects.filter(pk__in=list(links.values())).values_list("assigned_to__name", flat=True))
    return {
        "acks": acks,
        "leads": leads,
        "texts": arrived,
        "sent": len(sent),
        "missing": len(sent) - len(arrived),
        "owners": ", ".join(f"{name or 'nobody'} {count}" for name, count in sorted(owners.items(), key=str)),
    }


def during(sweep: Callable[..., dict[str, Any]], *args: Any) -> tuple[dict[str, Any], threading.Thread]:
    """Start `sweep(*args, went=…)` on a thread and return once its sweeps have gone: what it
    returns (filled in when the thread ends) and the thread."""
    swept: dict[str, Any] = {}
    went = threading.Event()
    thread = threading.Thread(target=lambda: swept.update(sweep(*args, went=went)))
    thread.start()
    while not went.wait(0.1):
        if not thread.is_alive():
            raise RuntimeError("the sweeps ended before they went (see the error above)")
    return swept, thread


def unmade(result: dict[str, Any]) -> str:
    """What the lead-made figures leave out: the acknowledged mails not yet made leads when the wait ended."""
    left = result["sent"] - len(result["leads"])
    return f" ({left} of {result['sent']} not made)" if left else ""


def to_the_phones(result: dict[str, Any], texts: bool) -> str:
    if not texts:
        return "no texts sent (--without-worker)"
    return f"DATA -> assignee's text at the provider {figures(result['texts'])}; {result['missing']} without a text"


def figures(values: list[float]) -> str:
    if not values:
        return "none"
    return f"p50 {percentile(values, 50):.0f} ms, p99 {percentile(values, 99):.0f} ms, max {max(values):.0f} ms"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", default=DEFAULT_DB)
    parser.add_argument("--prepare", action="store_true", help="drop, create, migrate and provision the database")
    parser.add_argument("--table-leads", type=int, default=0, help="grow the table to this many leads first")
    parser.add_argument("--sustained", type=int, default=1000, help="stored emails the sweep processes (0: skip)")
    parser.add_argument("--burst", type=int, default=100, help="SMTP sessions mailing at the same instant (0: skip)")
    parser.add_argument("--rate", type=float, default=20.0, help="paced leads/s through smtpd (0: skip)")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--smtp-processes", type=int, default=2)
    parser.add_argument(
        "--sweep-processes", type=int, default=2, help="then the same sustained run, this many processes at once"
    )
    parser.add_argument(
        "--provider-ms", type=float, default=0, help="the stand-in Twilio answers each text this long after it arrives"
    )
    parser.add_argument(
        "--paced-during-sweeps",
        action="store_true",
        help="mail the paced leads while the sweeps take the sustained run's emails in, not after",
    )
    parser.add_argument(
        "--without-worker",
        action="store_true",
        help="smtpd alone: the leads are taken in and their alerts queued, but nothing sends them",
    )
    parser.add_argument(
        "--batches",
        type=lambda text: [int(size) for size in text.split(",") if size],
        default=[],
        help="batch sizes to take stored leads in at, comma-separated (e.g. 1,4,50): CPU per lead",
    )
    parser.add_argument("--batch-leads", type=int, default=200, help="leads taken in at each of --batches")
    parser.add_argument("--raw-leads", type=int, default=1000, help="raw insert ceiling (0: skip)")
    parser.add_argument("--recipients", type=int, default=0, help="intake addresses looked up as at RCPT (0: skip)")
    args = parser.parse_args(argv)
    os.environ["DATABASE_URL"] = database_url(args.database)
    with tempfile.TemporaryDirectory(prefix="fc-burst-") as tmp:
        os.environ.setdefault("FORECOURT_VAR_DIR", tmp)
        if args.prepare:
            prepare(args.database, tmp)
        from bench import intake

        os.environ.update(intake.child_env(os.environ["DATABASE_URL"], tmp))
        setup_django()
        if args.table_leads:
            fill_table(args.table_leads)
        measure(args, tmp)


def measure(args: argparse.Namespace, tmp: str) -> None:
    from django.db import connection

    from bench.intake import lead_email, lead_spec, raw_inserts

    with connection.cursor() as cursor:
        # Statistics as autovacuum keeps them in production: without them, a table that grew since
        # the last ANALYZE (earlier runs) gets plans made for an empty one.
        cursor.execute("ANALYZE")
        cursor.execute("SELECT COALESCE(MAX(id), 0) FROM intake_inboundemail")
        base = 10_000_000 + cursor.fetchone()[0] * 10  # fresh customers for every run
    print(f"machine: {machine()}", flush=True)
    print(f"leads in the table: {table_size()}", flush=True)
    if args.sustained:
        s = sustained(args.sustained, base)
        print(
            f"processing {s['leads']} stored emails (worker sweep, 1 process): {s['leads_per_s']:.1f} leads/s; "
            f"CPU per lead {s['cpu_ms']:.1f} ms Python + {s['db_cpu_ms']:.1f} ms PostgreSQL; "
            f"{s['statements']:.1f} statements per lead; {s['load']}",
            flush=True,
        )
        base += args.sustained + WARM_UP
        if args.sweep_processes > 1 and not (args.paced_during_sweeps and args.rate):
            s = sustained_processes(args.sustained, base, args.sweep_processes)
            print(
                f"processing {s['leads']} stored emails ({args.sweep_processes} worker sweeps at once, one process "
                f"each): {s['leads_per_s']:.1f} leads/s; {s['load']}",
                flush=True,
            )
            base += args.sustained + WARM_UP * args.sweep_processes
    if args.recipients:
        r = recipients(args.recipients)
        print(
            f"{args.recipients} intake addresses looked up as at RCPT: CPU per look-up {r['cpu_us']:.0f} us Python + "
            f"{r['db_cpu_us']:.0f} us PostgreSQL; {r['load']}",
            flush=True,
        )
    for size in args.batches:
        b = batch_sizes(size, max(args.batch_leads, size), base)
        print(
            f"taken in {size} at a time (smtpd's processing): CPU per lead {b['cpu_ms']:.2f} ms Python + "
            f"{b['db_cpu_ms']:.2f} ms PostgreSQL; {b['statements']:.1f} statements per batch; {b['load']}",
            flush=True,
        )
        base += b["leads"]
    if args.burst or args.rate:
        set_aside_earlier_sends()
        provider = Provider(args.provider_ms / 1000)
        texts = not args.without_worker
        services = Services(tmp, provider, args.smtp_processes, worker=texts)
        try:
            warm = [lead_email(lead_spec(base + i))[1] for i in range(4)]
            to_provider(send_mails(services.port, warm, lambda i: time.time()), provider, texts=texts)
            base += 4
            if args.burst:
                mails = [lead_email(lead_spec(base + i))[1] for i in range(args.burst)]
                at = time.time() + 2.0  # every session open and waiting before the instant
                sent = send_mails(services.port, mails, lambda i: at, open_ahead=2.0)
                result = to_provider(sent, provider, texts=texts)
                print(
                    f"burst of {args.burst} at once: DATA -> 250 {figures(result['acks'])}; "
                    f"DATA -> lead made {figures(result['leads'])}{unmade(result)}; "
                    f"{to_the_phones(result, texts)}; {load_average()}\n  owners (round robin): {result['owners']}",
                    flush=True,
                )
                base += args.burst
            if args.rate:
                count = int(args.rate * args.seconds)
                mails = [lead_email(lead_spec(base + i))[1] for i in range(count)]
                base += count
                sweeping = args.paced_during_sweeps and args.sustained and args.sweep_processes > 1
                if sweeping:
                    swept, sweeps = during(sustained_processes, args.sustained, base, args.sweep_processes)
                    base += args.sustained + WARM_UP * args.sweep_processes
                start = time.time() + 0.5
                cpu = services.cpu()
                sent = send_mails(services.port, mails, lambda i: start + i / args.rate)
                result = to_provider(sent, provider, texts=texts)
                used = {name: (seconds - cpu[name]) / count * 1000 for name, seconds in services.cpu().items()}
                if sweeping:
                    sweeps.join()
                    print(
                        f"meanwhile {args.sweep_processes} worker sweeps took {swept['leads']} stored emails in "
                        f"(the worker took the rest of {args.sustained}): {swept['leads_per_s']:.1f} leads/s",
                        flush=True,
                    )
                print(
                    f"paced {args.rate:g} leads/s for {args.seconds:g} s: DATA -> 250 {figures(result['acks'])}; "
                    f"DATA -> lead made {figures(result['leads'])}{unmade(result)}; "
                    f"{to_the_phones(result, texts)}; {load_average()}\n  CPU per lead"
                    f"{' (with the backlog swept meanwhile)' if sweeping else ''}: "
                    + ", ".join(f"{name} {ms:.1f} ms" for name, ms in used.items()),
                    flush=True,
                )
        finally:
            services.stop()
            provider.twilio.stop()
    if args.raw_leads:
        for row in raw_inserts(args.raw_leads, 4, base):
            print(f"{row['path']}: {row['leads_per_s']:.1f} leads/s, p50 {row['p50_ms']:.1f} ms, "
                  f"p99 {row['p99_ms']:.1f} ms; {load_average()}", flush=True)  # fmt: skip


if __name__ == "__main__":
    main()

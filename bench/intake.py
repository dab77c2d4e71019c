"""Benchmark: lead intake throughput and receipt-to-lead latency, over HTTP and SMTP, on SQLite and
PostgreSQL, beside a raw insert of the same rows on the same database in the same run.

    .venv/bin/python bench/intake.py                       # both databases, both paths, ~20 s each
    .venv/bin/python bench/intake.py --databases postgres --paths http --http-configs 2x4,4x2,3x3
    .venv/bin/python bench/intake.py --seconds 5 --profile-leads 50   # a quick look
    .venv/bin/python bench/intake.py --burst --burst 100 --table-leads 1000000   # bench/burst.py

For each database it makes its own: a SQLite file in a temporary directory, and PostgreSQL
`forecourt_bench_intake` (dropped and created with psql on 127.0.0.1, kept afterwards for a look).
It migrates, provisions one dealership with six salespeople (`manage.py provision`, a YAML file
written to the temporary directory) and issues an intake-scope token (`manage.py create_api_token`).

- HTTP: gunicorn as in the Procfile (gthread; `--http-configs WORKERSxTHREADS,...`) on a free
  loopback port; `--senders` threads with keep-alive connections POST distinct ADF documents
  (distinct customers, phones, emails, vehicles, a trade sometimes) to
  `/api/v1/dealerships/{slug}/adf` until `--seconds` or `--max-leads`. The API answers 201 only
  once the lead is committed, so latency = the request's round trip.
- SMTP: `manage.py smtpd --processes N` (`--smtp-processes`, 2 as in the Procfile) on a free
  loopback port; each sender mails a lead, then polls its stored row (every 5 ms) until the lead
  exists before mailing the next, the same closed loop as HTTP.
  Latency = the lead's commit (`InboundEmail.processed_at`, written in the transaction that makes
  the lead) minus the moment the sender started DATA.
- Raw: the same rows intake writes (inbound message, customer, email, phone, lead, vehicles,
  trade, activity, source id, link) inserted with plain SQL, one transaction per lead from the same
  number of threads, and in bulk (500 leads per transaction). No owner, clock or follow-ups.
- Each run also reports the CPU used per lead by the server processes, by this database's
  PostgreSQL backends and by the senders (on 2 cores this bounds throughput), the load average
  (other work on the machine), and how many backends waited on a lock, on which statement.
- Where the time goes: the HTTP path in-process (Django's test client, DEBUG off, one thread):
  time and CPU per lead, SQL queries per lead by table, and a cProfile summary (CPU time).

Loopback only, bounded in count and time, stops by itself. A script, not a test: asserts no times.
"""

from __future__ import annotations

import argparse
import cProfile
import http.client
import json
import os
import pstats
import random
import re
import smtplib
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench._common import (
    BASE_DIR,
    CpuMeter,
    LockWaits,
    free_port,
    gunicorn,
    machine,
    percentile,
    pids_with_argument,
    run_senders,
    setup_django,
)

PYTHON = str(BASE_DIR / ".venv" / "bin" / "python")
PG_NAME = "forecourt_bench_intake"
SLUG, INTAKE, DOMAIN = "bench-motors", "bench", "leads.forecourt.localhost"
TOKEN_USER = "provider@bench.forecourt.test"
SECRET = "bench-only-secret-key-not-for-production-0123456789"
WARMUP = 30
# Leads of each run get their own block of numbers, so no run meets another's customers.
BLOCK = 1_000_000

# The leads ------------------------------------------------------------------------------------

FIRST = "Jordan Avery Taylor Morgan Casey Riley Jamie Alex Sam Drew Quinn Reese Parker Rowan Emerson Hayden".split()  # noqa: SIM905
LAST = "Smith Johnson Garcia Nguyen Patel Brown Martinez Lopez Wilson Anderson Thomas Moore Lee Walker Young".split()  # noqa: SIM905
MODELS = {
    "Toyota": ["Camry", "RAV4", "Tacoma", "Highlander", "Corolla", "Tundra"],
    "Honda": ["Civic", "CR-V", "Accord", "Pilot"],
    "Ford": ["F-150", "Escape", "Explorer", "Bronco"],
    "Hyundai": ["Tucson", "Elantra", "Santa Fe"],
}
PROVIDERS = [("CarGurus", "CG"), ("Cars.com", "CC"), ("AutoTrader", "AT"), ("TrueCar", "TC"), ("Edmunds", "ED")]
AREAS = ["512", "737", "210", "214", "972", "469", "713", "281", "832", "915"]
CITIES = [("Austin", "78701"), ("Round Rock", "78664"), ("Georgetown", "78626"), ("Pflugerville", "78660")]


def lead_spec(n: int) -> dict[str, Any]:
    """Lead number `n`, the same on every run: its own customer, phone, email and ADF id."""
    rnd = random.Random(n)
    first, last = rnd.choice(FIRST), rnd.choice(LAST)
    local = 2_000_000 + n // len(AREAS) % 8_000_000  # seven digits, the exchange never 0 or 1
    area = AREAS[n % len(AREAS)]
    provider, code = rnd.choice(PROVIDERS)
    make = rnd.choice(list(MODELS))
    vehicles = [
        {
            "year": rnd.randint(2019, 2026),
            "make": make,
            "model": rnd.choice(MODELS[make]),
            "stock": f"S{rnd.randint(10000, 99999)}",
            "vin": "".join(rnd.choice("ABCDEFGHJKLMNPRSTUVWXYZ0123456789") for _ in range(17)),
            "price": rnd.randint(18, 65) * 1000 + 995,
            "condition": rnd.choice(["new", "used"]),
        }
        for _ in range(rnd.choice([1, 1, 2]))
    ]
    trade = None
    if rnd.random() < 0.3:
        trade_make = rnd.choice(list(MODELS))
        trade = {"year": rnd.randint(2008, 2020), "make": trade_make, "model": rnd.choice(MODELS[trade_make])}
    city, postal = rnd.choice(CITIES)
    return {
        "n": n,
        "first": first,
        "last": last,
        "email": f"{first}.{last}.{n}@example.com".lower(),
        "phone": f"{area}-{local // 10000:03d}-{local % 10000:04d}",
        "e164": f"+1{area}{local:07d}",
        "provider": provider,
        "lead_id": f"{code}-{n}",
        "vehicles": vehicles,
        "trade": trade,
        "street": f"{rnd.randint(100, 9999)} {rnd.choice(['Oak', 'Elm', 'Cedar', 'Lamar'])} St",
        "city": city,
        "postal": postal,
        "comments": f"Is the {vehicles[0]['year']} {vehicles[0]['model']} still available? "
        f"I can come in {rnd.choice(['today', 'tomorrow', 'Saturday'])}.",
    }


def adf_document(spec: dict[str, Any]) -> bytes:
    vehicles = "".join(
        f'<vehicle interest="buy" status="{v["condition"]}"><year>{v["year"]}</year><make>{v["make"]}</make>'
        f"<model>{v['model']}</model><vin>{v['vin']}</vin><stock>{v['stock']}</stock>"
        f'<price type="asking" currency="USD">{v["price"]}</price></vehicle>\n'
        for v in spec["vehicles"]
    )
    trade = spec["trade"]
    trade_xml = (
        f'<vehicle interest="trade-in" status="used"><year>{trade["year"]}</year><make>{trade["make"]}</make>'
        f"<model>{trade['model']}</model></vehicle>"
        if trade
        else ""
    )
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<?adf version="1.0"?>
<adf><prospect status="new">
<id sequence="1" source="{spec["provider"]}">{spec["lead_id"]}</id>
<requestdate>2026-03-16T15:37:03-05:00</requestdate>
{vehicles}<customer><contact>
<name part="first">{spec["first"]}</name><name part="last">{spec["last"]}</name>
<email>{spec["email"]}</email><phone type="cellphone">{spec["phone"]}</phone>
<address><street line="1">{spec["street"]}</street><city>{spec["city"]}</city><regioncode>TX</regioncode>
<postalcode>{spec["postal"]}</postalcode><country>US</country></address>
</contact>{trade_xml}<comments>{spec["comments"]}</comments></customer>
<vendor><vendorname>Bench Motors</vendorname></vendor>
<provider><name part="full">{spec["provider"]}</name></provider>
</prospect></adf>
""".encode()


def lead_email(spec: dict[str, Any]) -> tuple[str, bytes]:
    """The lead as a provider mails it: a plain-text email whose body is the ADF document."""
    sender = spec["provider"].lower().replace(".", "")
    head = (
        f"From: {spec['provider']} Leads <leads@{sender}.example>\r\nTo: {INTAKE}@{DOMAIN}\r\n"
        f"Subject: New lead from {spec['provider']}: {spec['first']} {spec['last']}\r\n"
        f"Message-ID: <bench-{spec['n']}@bench.example>\r\nDate: Mon, 16 Mar 2026 15:37:03 -0500\r\n"
        "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
    )
    return f"<bench-{spec['n']}@bench.example>", head.encode() + adf_document(spec).replace(b"\n", b"\r\n")


# The parent: databases, provisioning, one child process per database, the tables ---------------

PROVISION = f"""organization: Bench Auto Group
dealerships:
  - slug: {SLUG}
    name: Bench Motors
    timezone: America/Chicago
    country: US
    subdivision: TX
    public_holidays: false
    hours: {{mon: ["00:00-24:00"], tue: ["00:00-24:00"], wed: ["00:00-24:00"], thu: ["00:00-24:00"],
            fri: ["00:00-24:00"], sat: ["00:00-24:00"], sun: ["00:00-24:00"]}}
    email: {{intake: {INTAKE}, send_emails: false}}
    distribution:
      sales: {{method: METHOD, existing_customers: assigned_user}}
users:
  - {{email: manager@bench.forecourt.test, name: Morgan Manager, password: bench-password-1,
     memberships: [{{dealership: {SLUG}, role: manager, departments: [sales, service], receives_leads: false}}]}}
  - {{email: {TOKEN_USER}, name: Lead Provider, password: bench-password-1,
     memberships: [{{dealership: {SLUG}, role: admin, receives_leads: false, can_be_assigned: false}}]}}
""" + "".join(
    f"""  - {{email: sales{i}@bench.forecourt.test, name: Sales Person {i}, password: bench-password-1,
     memberships: [{{dealership: {SLUG}, role: salesperson, departments: [sales],
                    supervisor: manager@bench.forecourt.test}}]}}
"""
    for i in range(1, 7)
)


def manage(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [PYTHON, "manage.py", *args], cwd=BASE_DIR, env=env, capture_output=True, text=True, check=False
    )
    if done.returncode:
        raise SystemExit(f"manage.py {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def child_env(database_url: str, var_dir: str) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "FORECOURT_VAR_DIR": var_dir,
        "DEBUG": "0",
        "SECRET_KEY": SECRET,
        "LOG_LEVEL": "WARNING",
        "FORECOURT_INTAKE_DOMAIN": DOMAIN,
    }


def prepare(database: str, tmp: str, method: str) -> tuple[dict[str, str], str]:
    """A fresh, migrated, provisioned database; returns its URL, the environment and a token."""
    if database == "postgres":
        for sql in (f'DROP DATABASE IF EXISTS "{PG_NAME}"', f'CREATE DATABASE "{PG_NAME}"'):
            subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-q", "-c", sql], check=True)
        url = f"postgres://postgres@127.0.0.1:5432/{PG_NAME}"
    else:
        url = f"sqlite:///{tmp}/bench-intake.sqlite3"
    env = child_env(url, tmp)
    (Path(tmp) / "static").mkdir(exist_ok=True)  # STATIC_ROOT, so whitenoise does not warn
    manage(env, "migrate", "-v", "0")
    yaml_path = Path(tmp) / "bench-dealership.yaml"
    yaml_path.write_text(PROVISION.replace("METHOD", method))
    manage(env, "provision", str(yaml_path))
    token = manage(env, "create_api_token", TOKEN_USER, "--scope", "intake", "--name", "bench").strip()
    return env, token


def main() -> None:
    if sys.argv[1:2] == ["--burst"]:  # bursts, sustained processing and a big table: bench/burst.py
        from bench.burst import main as burst

        burst(sys.argv[2:])
        return
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--databases", default="sqlite,postgres")
    parser.add_argument("--paths", default="http,smtp")
    parser.add_argument("--http-configs", default="2x4", help="gunicorn WORKERSxTHREADS, comma-separated")
    parser.add_argument("--smtp-processes", type=int, default=2, help="smtpd processes sharing the port")
    parser.add_argument("--senders", type=int, default=4)
    parser.add_argument(
        "--distribution", default="round_robin", help="the sales method: round_robin, first_available, pool"
    )
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--max-leads", type=int, default=6000, help="per run, at most")
    parser.add_argument("--profile-leads", type=int, default=200)
    parser.add_argument("--raw-leads", type=int, default=2000)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return
    results = []
    with tempfile.TemporaryDirectory(prefix="fc-ibench-") as tmp:
        for database in args.databases.split(","):
            print(f"\n=== {database}: preparing a fresh database", flush=True)
            env, token = prepare(database, tmp, args.distribution)
            out = Path(tmp) / f"{database}.json"
            command = [PYTHON, __file__, "--child", str(out), *sys.argv[1:]]
            subprocess.run(command, env={**env, "BENCH_TOKEN": token}, check=True)
            results.append(json.loads(out.read_text()))
    summary(results, args)


def summary(results: list[dict[str, Any]], args: argparse.Namespace) -> None:
    print(f"\n=== Summary ({args.senders} concurrent senders, runs of up to {args.seconds:.0f} s)")
    for result in results:
        print(f"machine: {result['machine']}")
    head = f"{'database':<11}{'path':<24}{'leads':>7}{'leads/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'rows/s':>9}  notes"
    print(head)
    print("-" * len(head))
    for result in results:
        for run in result["runs"]:
            rows = f"{run['rows_per_s']:>9.0f}" if run.get("rows_per_s") else f"{'':>9}"
            print(
                f"{result['database']:<11}{run['path']:<24}{run['leads']:>7}{run['leads_per_s']:>9.1f}"
                f"{run['p50_ms']:>9.1f}{run['p99_ms']:>9.1f}{rows}  {run.get('notes', '')}"
            )
    for result in results:
        print(f"{result['database']}: {result['per_lead']}")


# The child: everything measured against one database, with Django set up on it -------------------


def child(args: argparse.Namespace) -> None:
    setup_django()
    database = "postgres" if os.environ["DATABASE_URL"].startswith("postgres") else "sqlite"
    token = os.environ["BENCH_TOKEN"]
    result: dict[str, Any] = {"database": database, "machine": machine(), "runs": []}
    print(f"machine: {result['machine']}", flush=True)
    paths = args.paths.split(",")
    block = iter(range(1, 100))
    result["per_lead"] = where_the_time_goes(token, args.profile_leads, next(block) * BLOCK)
    result["runs"] += raw_inserts(args.raw_leads, args.senders, next(block) * BLOCK)
    if "http" in paths:
        for config in args.http_configs.split(","):
            result["runs"].append(http_run(args, token, config, next(block) * BLOCK))
    if "smtp" in paths:
        result["runs"].append(smtp_run(args, next(block) * BLOCK))
    Path(args.child).write_text(json.dumps(result))


def full_lead_counts(channel: str, first: int) -> str:
    """How many of a run's leads have an owner and a reply clock (distribution and SLA wired in)."""
    from leads.models import Lead

    leads = Lead.objects.filter(
        inbound_emails__channel=channel, inbound_emails__id__gte=first, inbound_emails__status="processed"
    ).distinct()
    total = leads.count()
    owned = leads.filter(assigned_to__isnull=False).count()
    clocked = leads.filter(sla__isnull=False).count() if hasattr(Lead, "sla") else 0
    return f"owner {owned}/{total}, clock {clocked}/{total}"


def first_inbound_id() -> int:
    from intake.models import InboundEmail

    last = InboundEmail.objects.order_by("-id").values_list("id", flat=True).first()
    return (last or 0) + 1


def http_run(args: argparse.Namespace, token: str, config: str, base: int) -> dict[str, Any]:
    workers, threads = (int(x) for x in config.lower().split("x"))
    docs = [adf_document(lead_spec(base + i)) for i in range(args.max_leads + WARMUP)]
    path = f"/api/v1/dealerships/{SLUG}/adf"
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/xml"}
    latencies: list[float] = []
    statuses: list[int] = []
    print(f"HTTP, gunicorn gthread {workers} workers x {threads} threads ...", flush=True)
    with gunicorn(
        os.environ["DATABASE_URL"],
        workers=workers,
        threads=threads,
        env=child_env(os.environ["DATABASE_URL"], os.environ["FORECOURT_VAR_DIR"]),
    ) as base_url:
        port = int(base_url.rsplit(":", 1)[1])

        def opener() -> http.client.HTTPConnection:
            return http.client.HTTPConnection("127.0.0.1", port, timeout=30)

        def post(doc: bytes, conn: http.client.HTTPConnection) -> tuple[int, float]:
            started = time.perf_counter()
            conn.request("POST", path, body=doc, headers=headers)
            response = conn.getresponse()
            response.read()
            return response.status, time.perf_counter() - started

        meter = CpuMeter(lambda: pids_with_argument(f"127.0.0.1:{port}"))
        warm = iter(docs[:WARMUP])
        run_senders(WARMUP, args.senders, 60, lambda i, conn: post(next(warm), conn), opener)
        timed = docs[WARMUP:]

        def send(i: int, conn: http.client.HTTPConnection) -> None:
            status, took = post(timed[i], conn)
            statuses.append(status)
            if status == 201:
                latencies.append(took)

        first = first_inbound_id()
        meter.start()
        locks = LockWaits()
        locks.start()
        elapsed = run_senders(len(timed), args.senders, args.seconds, send, opener)
        cpu = f"{meter.stop(len(latencies))}; {locks.stop()}".rstrip("; ")
    bad = {code: n for code, n in Counter(statuses).items() if code != 201}
    notes = f"{full_lead_counts('http', first)}; {cpu}"
    if bad:
        notes += f"; non-201: {bad}"
    return run_row(f"HTTP, gunicorn {workers}x{threads}", latencies, elapsed, notes)


def run_row(
    path: str, latencies: list[float], elapsed: float, notes: str, rows: int = 0, leads: int | None = None
) -> dict[str, Any]:
    leads = len(latencies) if leads is None else leads
    row = {
        "path": path,
        "leads": leads,
        "leads_per_s": leads / elapsed if elapsed else 0.0,
        "p50_ms": percentile(latencies, 50) * 1000,
        "p99_ms": percentile(latencies, 99) * 1000,
        "notes": notes,
    }
    if rows:
        row["rows_per_s"] = rows / elapsed
    print(
        f"  {path}: {row['leads']} leads, {row['leads_per_s']:.1f}/s, p50 {row['p50_ms']:.1f} ms, "
        f"p99 {row['p99_ms']:.1f} ms; {notes}",
        flush=True,
    )
    return row


def smtp_run(args: argparse.Namespace, base: int) -> dict[str, Any]:
    """Each sender mails a lead, then waits (polling its stored row every 5 ms, at most 60 s) until the
    lead exists before mailing the next: the same closed loop as HTTP, so the figures compare."""
    from django.db import connection

    from intake.models import InboundEmail

    mails = [lead_email(lead_spec(base + i)) for i in range(args.max_leads + WARMUP)]
    port = free_port()
    env = child_env(os.environ["DATABASE_URL"], os.environ["FORECOURT_VAR_DIR"])
    processes = str(args.smtp_processes)
    command = [PYTHON, "manage.py", "smtpd", "--host", "127.0.0.1", "--port", str(port), "--processes", processes]
    print(f"SMTP, manage.py smtpd --processes {processes} ...", flush=True)
    server = subprocess.Popen(command, cwd=BASE_DIR, env=env, stdout=subprocess.DEVNULL)
    sent: dict[int, float] = {}
    acks: list[float] = []
    failures: Counter[str] = Counter()

    class Sender(smtplib.SMTP):
        def close(self) -> None:
            super().close()
            connection.close()  # this thread's own database connection

    def send(items: list[tuple[str, bytes]], i: int, smtp: Sender) -> None:
        smtp.mail("leads@provider.example")
        smtp.rcpt(f"{INTAKE}@{DOMAIN}")
        started = time.time()
        code, reply = smtp.data(items[i][1])
        if code != 250:
            failures[f"SMTP {code}"] += 1
            return
        acks.append(time.time() - started)
        inbound_id = int(reply.split()[-1])  # "250 OK stored as <id>"
        sent[inbound_id] = started
        deadline = time.monotonic() + 60
        with connection.cursor() as cursor:
            while time.monotonic() < deadline:
                cursor.execute("SELECT status FROM intake_inboundemail WHERE id = %s", [inbound_id])
                if cursor.fetchone()[0] != "received":
                    return
                time.sleep(0.005)
        failures["no lead within 60 s"] += 1

    try:
        wait_for_port(port, server)

        def opener() -> Sender:
            smtp = Sender("127.0.0.1", port, timeout=30)
            smtp.ehlo()
            return smtp

        run_senders(WARMUP, args.senders, 60, lambda i, smtp: send(mails[:WARMUP], i, smtp), opener)
        sent.clear()
        acks.clear()
        first = first_inbound_id()
        meter = CpuMeter(lambda: pids_with_argument(f"--port\0{port}\0"))  # the forked processes too
        meter.start()
        locks = LockWaits()
        locks.start()
        elapsed = run_senders(
            len(mails) - WARMUP, args.senders, args.seconds, lambda i, s: send(mails[WARMUP:], i, s), opener
        )
        cpu = f"{meter.stop(len(sent))}; {locks.stop()}".rstrip("; ")
    finally:
        server.terminate()
        server.wait(timeout=60)
    done = InboundEmail.objects.filter(id__in=list(sent), status="processed").values_list("id", "processed_at")
    # From the start of DATA to the commit of the lead (`processed_at` is written in that transaction).
    latencies = [at.timestamp() - sent[pk] for pk, at in done if at is not None]
    notes = f"DATA answered p50 {percentile(acks, 50) * 1000:.1f} ms; {full_lead_counts('smtp', first)}; {cpu}"
    if failures:
        notes += f"; failures: {dict(failures)}"
    return run_row(f"SMTP, smtpd x{processes}", latencies, elapsed, notes)


def wait_for_port(port: int, process: subprocess.Popen[bytes], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"smtpd exited with status {process.returncode}")
        try:
            smtplib.SMTP("127.0.0.1", port, timeout=2).quit()
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"smtpd did not answer on port {port} within {timeout:.0f} s")


# Raw inserts: the rows intake writes for a lead, with nothing else ------------------------------


def insert(cursor: Any, model: Any, rows: list[dict[str, Any]]) -> list[int]:
    """One plain multi-row INSERT … RETURNING id of `rows` (values by attname, else the field default)."""
    from django.db import connection
    from django.db.models import NOT_PROVIDED, AutoField

    fields = [f for f in model._meta.concrete_fields if not isinstance(f, AutoField)]
    # A column with a database default the rows do not give is left to the database.
    fields = [f for f in fields if f.attname in rows[0] or f.db_default is NOT_PROVIDED]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    group = "(" + ", ".join(["%s"] * len(fields)) + ")"
    params = [
        f.get_db_prep_save(row[f.attname] if f.attname in row else f.get_default(), connection)
        for row in rows
        for f in fields
    ]
    pk = model._meta.pk
    returning = f" RETURNING {quote(pk.column)}" if isinstance(pk, AutoField) and pk.column else ""
    cursor.execute(
        f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES {', '.join([group] * len(rows))}{returning}",
        params,
    )
    return [row[0] for row in cursor.fetchall()] if returning else []


def raw_leads(cursor: Any, specs: list[dict[str, Any]], dealership_id: int, organization_id: int) -> int:
    """The rows of `specs`' leads, a table at a time (one INSERT per table); returns how many rows."""
    from django.utils import timezone

    from intake.models import InboundEmail, LeadSourceId
    from leads.models import Activity, Customer, CustomerEmail, CustomerPhone, Lead, Trade, VehicleInterest

    now = timezone.now()
    inbounds = insert(cursor, InboundEmail, [{
        "dealership_id": dealership_id, "channel": "http", "raw": adf_document(spec), "mail_from": TOKEN_USER,
        "received_at": now, "due_at": now, "processed_at": now, "status": "processed", "attempts": 1,
    } for spec in specs])  # fmt: skip
    customers = insert(cursor, Customer, [{
        "organization_id": organization_id, "first_name": spec["first"], "last_name": spec["last"],
        "street": [spec["street"]], "city": spec["city"], "region": "TX", "postal_code": spec["postal"],
        "country": "US", "created_at": now,
    } for spec in specs])  # fmt: skip
    pairs = list(zip(specs, customers, strict=True))
    insert(cursor, CustomerEmail, [{"customer_id": c, "email": spec["email"]} for spec, c in pairs])
    insert(cursor, CustomerPhone, [
        {"customer_id": c, "number": spec["e164"], "raw": spec["phone"], "type": "cellphone"} for spec, c in pairs
    ])  # fmt: skip
    leads = insert(cursor, Lead, [{
        "dealership_id": dealership_id, "source_name": spec["provider"], "source_ref": spec["lead_id"],
        "customer_id": c, "comments": spec["comments"], "received_at": now, "updated_at": now,
    } for spec, c in pairs])  # fmt: skip
    pairs = list(zip(specs, leads, strict=True))
    keys = ("year", "make", "model", "vin", "stock", "condition", "price")
    vehicles = [
        {"lead_id": lead, "preferred": i == 0, "interest": "buy", **{k: v[k] for k in keys}}
        for spec, lead in pairs
        for i, v in enumerate(spec["vehicles"])
    ]
    insert(cursor, VehicleInterest, vehicles)
    trades = [{"lead_id": lead, **spec["trade"]} for spec, lead in pairs if spec["trade"]]
    if trades:
        insert(cursor, Trade, trades)
    insert(cursor, Activity, [
        {"lead_id": lead, "kind": "created", "text": f"Lead received from {spec['provider']}", "at": now}
        for spec, lead in pairs
    ])  # fmt: skip
    insert(cursor, LeadSourceId, [
        {"dealership_id": dealership_id, "source": spec["provider"].lower(), "value": spec["lead_id"], "lead_id": lead}
        for spec, lead in pairs
    ])  # fmt: skip
    links = [{"inboundemail_id": i, "lead_id": lead} for i, lead in zip(inbounds, leads, strict=True)]
    insert(cursor, InboundEmail.leads.through, links)
    return 8 * len(specs) + len(vehicles) + len(trades)


def raw_inserts(count: int, senders: int, base: int) -> list[dict[str, Any]]:
    from django.db import connection, transaction

    from dealerships.models import Dealership

    dealership = Dealership.objects.get(slug=SLUG)
    ids = (dealership.pk, dealership.organization_id)
    print("Raw inserts ...", flush=True)
    specs = [lead_spec(base + i) for i in range(count)]
    latencies: list[float] = []
    rows = [0]

    class Connection:
        def close(self) -> None:
            connection.close()

    def one(i: int, _: Connection) -> None:
        started = time.perf_counter()
        with transaction.atomic(), connection.cursor() as cursor:
            written = raw_leads(cursor, [specs[i]], *ids)
        latencies.append(time.perf_counter() - started)
        rows[0] += written

    elapsed = run_senders(count, senders, 60, one, Connection)
    per_lead = run_row(f"raw SQL, 1 txn/lead, x{senders}", latencies, elapsed, "same rows, plain INSERTs", rows[0])
    bulk = [lead_spec(base + count + i) for i in range(count)]
    started = time.perf_counter()
    written, chunks = 0, []
    for chunk in range(0, count, 500):
        chunk_started = time.perf_counter()
        with transaction.atomic(), connection.cursor() as cursor:
            written += raw_leads(cursor, bulk[chunk : chunk + 500], *ids)
        chunks.append(time.perf_counter() - chunk_started)
    elapsed = time.perf_counter() - started
    notes = "same rows, 1 INSERT per table; p50/p99 of a 500-lead transaction"
    batch = run_row("raw SQL, 500 leads/txn", chunks, elapsed, notes, written, leads=count)
    return [per_lead, batch]


# Where the time goes: the HTTP path in-process, queries counted, then profiled ------------------

_TABLE = re.compile(r'(?:FROM|INTO|UPDATE)\s+"?(\w+)"?', re.IGNORECASE)


def query_kind(sql: str) -> str:
    verb = sql.split(None, 1)[0].upper()
    if verb in ("SAVEPOINT", "RELEASE", "ROLLBACK"):
        return "SAVEPOINT / RELEASE"
    table = _TABLE.search(sql)
    return f"{verb} {table.group(1) if table else ''}".strip()


def where_the_time_goes(token: str, count: int, base: int) -> str:
    from django.db import connection, reset_queries
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from intake.smtp import Delivery, process_stored, recipient, store_deliveries

    client = Client(headers={"Authorization": f"Bearer {token}"})
    url = f"/api/v1/dealerships/{SLUG}/adf"
    docs = iter(adf_document(lead_spec(base + i)) for i in range(3 * count + 10))

    def post() -> None:
        response = client.post(url, next(docs), content_type="application/xml")
        if response.status_code != 201:
            raise RuntimeError(f"intake answered {response.status_code}: {response.content[:300]!r}")

    for _ in range(5):
        post()
    started, cpu_started = time.perf_counter(), time.process_time()
    for _ in range(count):
        post()
    wall = (time.perf_counter() - started) / count
    cpu = (time.process_time() - cpu_started) / count
    kinds: Counter[str] = Counter()
    sql_time = 0.0
    for _ in range(count):  # one lead at a time: Django's query log keeps only the last 9000
        reset_queries()
        with CaptureQueriesContext(connection) as captured:
            post()
        for query in captured.captured_queries:
            kinds[query_kind(query["sql"])] += 1
            sql_time += float(query["time"])
    per_lead = kinds.total() / count
    # CPU time, not wall time: on a shared machine the wall clock also counts other processes' turns.
    profile = cProfile.Profile(time.process_time)
    profile.enable()
    for _ in range(count):
        post()
    profile.disable()
    smtp_queries = 0
    for i in range(5):
        _, raw = lead_email(lead_spec(base + 3 * count + 5 + i))
        with CaptureQueriesContext(connection) as captured:
            found = recipient(f"{INTAKE}@{DOMAIN}")  # at RCPT, then DATA as smtpd's desk stores it
            assert found is not None
            [[inbound]] = store_deliveries([Delivery(raw, "leads@provider.example", [found])])
            process_stored([inbound])
        smtp_queries += len(captured.captured_queries)
    print(f"\nWhere the time goes ({connection.vendor}), HTTP path in-process, single thread, {count} leads:")
    print(
        f"  {wall * 1000:.2f} ms per lead (no HTTP server; {cpu * 1000:.2f} ms CPU in this process), "
        f"{per_lead:.1f} SQL queries per lead, {sql_time / count * 1000:.2f} ms in SQL (Django's debug cursor)"
    )
    print("  queries per lead:")
    for kind, n in kinds.most_common():
        print(f"    {n / count:5.1f}  {kind}")
    calls = print_profile(profile, count)
    return (
        f"in-process {wall * 1000:.1f} ms/lead single-threaded ({cpu * 1000:.1f} ms CPU, {calls:,.0f} Python calls); HTTP path {per_lead:.1f} queries/lead "
        f"({sql_time / count * 1000:.1f} ms SQL); SMTP path {smtp_queries / 5:.1f} queries/lead"
    )


def print_profile(profile: cProfile.Profile, count: int) -> float:
    """Print the summary; return the number of Python function calls per lead (a steady measure of work)."""
    stats = pstats.Stats(profile)
    entries = stats.stats  # type: ignore[attr-defined]
    venv = str(BASE_DIR / ".venv")

    def name(key: tuple[str, int, str]) -> str:
        filename, line, function = key
        if filename.startswith(str(BASE_DIR)) and not filename.startswith(venv):
            return f"{Path(filename).relative_to(BASE_DIR)}:{line} {function}"
        short = re.sub(r".*/(site-packages|lib/python3\.\d+)/", "", filename)
        return f"{short}:{line} {function}" if line else function

    def ours(key: tuple[str, int, str]) -> bool:
        return key[0].startswith(str(BASE_DIR)) and not key[0].startswith(venv) and "/bench/" not in key[0]

    rows = sorted(entries.items(), key=lambda item: item[1][3], reverse=True)
    print(
        f"  cProfile (CPU time, inflated by profiling): {stats.total_calls / count:,.0f} Python calls per lead; "  # type: ignore[attr-defined]
        "top 15 cumulative in Forecourt's code (ms per lead, calls per lead):"
    )
    for key, (_, calls, _, cumulative, _) in [r for r in rows if ours(r[0])][:15]:
        print(f"    {cumulative / count * 1000:7.2f} ms {calls / count:6.1f}x  {name(key)}")
    print("  cProfile, top 10 own time, any code:")
    for key, (_, calls, own, _, _) in sorted(entries.items(), key=lambda item: item[1][2], reverse=True)[:10]:
        print(f"    {own / count * 1000:7.2f} ms {calls / count:6.1f}x  {name(key)}")
    return float(stats.total_calls) / count  # type: ignore[attr-defined]


if __name__ == "__main__":
    main()

"""Benchmark: the Reports screen, its CSVs and the speed-to-lead API at a million leads on PostgreSQL.

    .venv/bin/python bench/reports.py --prepare          # drop, create and migrate the database first
    .venv/bin/python bench/reports.py                    # measure (loads first when needed)

It uses its own database, forecourt_reports_bench (DATABASE_URL overrides), and loads it with the
leads list benchmark's loader (COPY; a million leads over three years, 5 rooftops). Then it gives
the rooftops opening hours and time zones, adds what reports read that the loader does not write
(reply clocks with their breaches, fired reminders, conversations with messages for the last four
months), and measures `manage.py backfill_reply_times` over every answered lead: that figure is
printed too. Then it starts gunicorn as in the Procfile and times sequential requests of each
report for the last whole month, as a group manager (5 rooftops), a one-rooftop manager and a
salesperson: p50, p95, max. The month's days are over, so the Activity report reads them from its
per-day counts (`reports.activity_days`): those are emptied first, and the first request that
counts them again is timed and printed on its own. Not a test: it asserts no times, only that
every answer was 200.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlencode

DATABASE = "forecourt_reports_bench"
os.environ.setdefault("DATABASE_URL", f"postgres://postgres@127.0.0.1:5432/{DATABASE}")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import gunicorn, load_average, machine, percentile, prepare_database, setup_django  # noqa: E402

if "--prepare" in sys.argv:
    prepare_database(DATABASE)
setup_django()

import requests  # noqa: E402
from django.conf import settings  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from accounts.models import ApiToken, User  # noqa: E402
from bench.leads_list import load, loaded_size, web_session  # noqa: E402
from dealerships.models import Dealership  # noqa: E402
from reports.actions import backfill_reply_times  # noqa: E402
from reports.models import ActivityDay, ActivityDayCounted, ReplyTime  # noqa: E402

ZONES = ["America/Chicago", "America/Denver", "America/New_York", "America/Los_Angeles", "America/Chicago"]
HOURS = {
    **{day: ["09:00-19:00"] for day in ("mon", "tue", "wed", "thu", "fri")},
    "sat": ["09:00-12:30", "13:30-17:00"],
    "sun": [],
}
PERSONAS = [
    ("group manager (5 rooftops)", "gm@bench.example"),
    ("rooftop manager", "manager0.bench-1@bench.example"),
    ("salesperson", "sales0.bench-1@bench.example"),
]

# What reports read beyond the leads: written in SQL, in bulk, with PostgreSQL's random().
EXTRAS = [
    # Every lead had a reply clock; about 12% passed stage 1 and 4% stage 2.
    """INSERT INTO escalations_leadsla (lead_id, state, started_at, met_at, stage_reached)
       SELECT id, CASE WHEN first_response_at IS NULL THEN 'running' ELSE 'met' END, received_at,
              first_response_at, CASE WHEN r < 0.04 THEN 'stage2' WHEN r < 0.12 THEN 'stage1' ELSE '' END
       FROM (SELECT id, received_at, first_response_at, random() AS r FROM leads_lead) AS l""",
    # A reminder fired for about 20% of them.
    """INSERT INTO escalations_timer (lead_id, kind, due_at, fired_at, attempts, last_error)
       SELECT id, 'reminder', received_at + interval '20 minutes', received_at + interval '20 minutes', 0, ''
       FROM leads_lead WHERE random() < 0.2""",
    # Conversations for the leads of the last four months, three texts each from the salesperson.
    """INSERT INTO conversations_conversation (lead_id, created_at, last_message_at)
       SELECT id, received_at, received_at FROM leads_lead
       WHERE received_at > now() - interval '120 days' AND assigned_to_id IS NOT NULL""",
    """INSERT INTO conversations_message (conversation_id, channel, direction, status, subject, body, media,
              from_address, to_address, provider_id, key, sent_by_id, automated, created_at, due_at, attempts,
              last_error)
       SELECT c.id, CASE WHEN n = 3 AND random() < 0.3 THEN 'email' ELSE 'sms' END, 'out', 'delivered', '',
              'Hello from the dealership', '[]', '', '', '', gen_random_uuid(), l.assigned_to_id, false,
              c.created_at + n * interval '3 hours', c.created_at, 0, ''
       FROM conversations_conversation c JOIN leads_lead l ON l.id = c.lead_id, generate_series(1, 3) AS n""",
]


def prepare_reports() -> None:
    """Hours and zones for the rooftops, the extra rows, and the backfill of reply times (timed)."""
    with transaction.atomic():
        for index, dealership in enumerate(Dealership.objects.order_by("pk")):
            dealership.hours, dealership.timezone, dealership.subdivision = HOURS, ZONES[index % len(ZONES)], ""
            dealership.save()
        with connection.cursor() as cursor:
            for sql in EXTRAS:
                cursor.execute(sql)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE escalations_leadsla, escalations_timer, conversations_conversation")
        cursor.execute("VACUUM ANALYZE conversations_message")
    started = time.monotonic()
    written = backfill_reply_times(batch=5000)
    seconds = time.monotonic() - started
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE reports_replytime")
    print(f"  backfill_reply_times: {written:,} leads measured in {seconds:.0f} s ({written / seconds:,.0f} a second)")


def last_whole_month(today: date) -> tuple[date, date]:
    last = today.replace(day=1) - timedelta(days=1)
    return last.replace(day=1), last


def time_get(session: requests.Session, url: str, count: int, warmups: int) -> list[float]:
    for _ in range(warmups):
        session.get(url, timeout=120)
    timings = []
    for _ in range(count):
        started = time.perf_counter()
        answer = session.get(url, timeout=120)
        timings.append((time.perf_counter() - started) * 1000)
        if answer.status_code != 200:
            raise RuntimeError(f"{url} answered {answer.status_code}: {answer.text[:300]}")
    return timings


def measure(count: int, warmups: int) -> None:
    first, last = last_whole_month(date.today())
    month = {"period": "custom", "from": first.isoformat(), "to": last.isoformat()}
    scenarios = {
        "Page: speed to lead (tiles, charts, table)": ("web", "/reports/?" + urlencode({**month, "report": "speed"})),
        "Page: SLA": ("web", "/reports/?" + urlencode({**month, "report": "sla"})),
        "Page: funnel": ("web", "/reports/?" + urlencode({**month, "report": "funnel"})),
        "Page: activity": ("web", "/reports/?" + urlencode({**month, "report": "activity"})),
        "CSV: speed to lead by salesperson": ("web", "/reports/speed.csv?" + urlencode(month)),
        "CSV: activity per day": ("web", "/reports/activity-daily.csv?" + urlencode(month)),
        "Leads behind 'never answered'": ("web", "/reports/leads/?" + urlencode({**month, "figure": "never"})),
        "API: speed-to-lead by salesperson": (
            "api",
            "/api/v1/reports/speed-to-lead?" + urlencode({"from": month["from"], "to": month["to"]}),
        ),
        "API: speed-to-lead by source": (
            "api",
            "/api/v1/reports/speed-to-lead?" + urlencode({"from": month["from"], "to": month["to"], "by": "source"}),
        ),
    }
    tokens = {email: ApiToken.issue(user=User.objects.get(email=email), name="bench")[1] for _, email in PERSONAS}
    results: dict[tuple[str, str], list[float]] = {}
    try:
        with gunicorn(settings.DATABASE_URL) as base_url:
            # The first Activity request over days that are over counts them once (ActivityDay):
            # timed on its own, from nothing counted, before the warm-ups fill the rest.
            ActivityDay.objects.all().delete()
            ActivityDayCounted.objects.all().delete()
            gm = web_session(base_url, PERSONAS[0][1])
            first_count = time_get(gm, base_url + scenarios["Page: activity"][1], 1, 0)[0]
            for label, email in PERSONAS:
                sessions = {"web": web_session(base_url, email), "api": requests.Session()}
                sessions["api"].headers["Authorization"] = f"Bearer {tokens[email]}"
                for name, (kind, path) in scenarios.items():
                    results[(name, label)] = time_get(sessions[kind], base_url + path, count, warmups)
    finally:
        ApiToken.objects.filter(name="bench").delete()
    print(
        f"\nReports for {first} to {last} ({count} sequential requests after {warmups} warm-ups; ms: p50 / p95 / max)"
    )
    print(f"{'scenario':44}" + "".join(f"{label:>30}" for label, _ in PERSONAS))
    for name in scenarios:
        cells = []
        for label, _ in PERSONAS:
            timings = results[(name, label)]
            cells.append(f"{percentile(timings, 50):6.0f} / {percentile(timings, 95):5.0f} / {max(timings):5.0f}")
        print(f"{name:44}" + "".join(f"{cell:>30}" for cell in cells))
    print(f"First activity page of the month as the group manager (counts its past days once): {first_count:.0f} ms")
    print(load_average())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--prepare", action="store_true", help="drop, create and migrate the database first")
    parser.add_argument("--leads", type=int, default=1_000_000, help="how many leads to load (default 1,000,000)")
    parser.add_argument("--requests", type=int, default=20, help="timed requests per scenario and persona")
    parser.add_argument("--warmups", type=int, default=3, help="untimed requests first")
    parser.add_argument("--load-only", action="store_true", help="load, and measure nothing")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("Set DATABASE_URL to a PostgreSQL database made for this benchmark.")
    print(f"Machine: {machine()}")
    print(f"Database: {connection.settings_dict['NAME']}")
    if loaded_size() != args.leads or not ReplyTime.objects.exists():
        print(f"Loading {args.leads:,} leads (this empties the leads, customers and staff of this database)")
        load(args.leads)
        prepare_reports()
    if not args.load_only:
        measure(args.requests, args.warmups)


if __name__ == "__main__":
    main()

"""Benchmark: the leads list with a million leads on PostgreSQL, through the real HTTP server.

    psql -h 127.0.0.1 -U postgres -c 'CREATE DATABASE forecourt_bench_list'
    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/forecourt_bench_list
    .venv/bin/python manage.py migrate
    .venv/bin/python bench/leads_list.py --leads 1000000

The first run loads the data in bulk (COPY, one transaction; a few minutes); later runs with the
same --leads reuse it (--reload forces a new load). It EMPTIES the leads, customers, users and
dealerships of that database. Then it starts gunicorn as in the Procfile (gthread, 2 workers x 4
threads), logs in over HTTP as a group manager (5 rooftops), a one-rooftop manager and a
salesperson, and times sequential requests of each scenario after a few warm-ups: p50, p95, max.
A second table times the same searches through the JSON API (`GET /api/v1/leads`).
Not a test: it asserts no times, only that every page answered 200.
"""

from __future__ import annotations

import argparse
import io
import json
import random
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import gunicorn, load_average, machine, percentile, setup_django

setup_django()

import requests  # noqa: E402
from django.conf import settings  # noqa: E402
from django.contrib.auth.hashers import make_password  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from accounts.models import ApiToken, Membership, User  # noqa: E402
from dealerships.models import Dealership, Organization  # noqa: E402
from forecourt.lib.phone import display  # noqa: E402
from leads.models import Customer, Lead, name_key  # noqa: E402
from leads.queries import leads_visible_to  # noqa: E402

PASSWORD = "bench-password-not-secret"
SEED = 20240601
DEALERSHIPS = ["Riverside Toyota", "Lakeside Honda", "Hillside Ford", "Northgate Chevrolet", "Southpark Hyundai"]
SALES_PER_STORE, SERVICE_PER_STORE = 8, 2
CUSTOMERS_PER_LEAD = 0.8
YEARS = 3
CHUNK = 100_000
# Weights roughly as US dealers see them.
SOURCES = {
    "CarGurus": ("third_party", 18), "Cars.com": ("third_party", 14), "AutoTrader": ("third_party", 12),
    "TrueCar": ("third_party", 8), "Website": ("website", 15), "Walk-in": ("walk_in", 8),
    "Phone call": ("call", 8), "Facebook": ("messenger", 5), "Edmunds": ("third_party", 4),
    "KBB": ("third_party", 3), "Toyota.com": ("oem", 5),
}  # fmt: skip
LAST_NAMES = [
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez", "Martinez",
    "Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson", "Thomas", "Taylor", "Moore", "Jackson", "Martin", "Lee",
    "Perez", "Thompson", "White", "Harris", "Sanchez", "Clark", "Ramirez", "Lewis", "Robinson", "Walker", "Young",
    "Allen", "King", "Wright", "Scott", "Torres", "Nguyen", "Hill", "Flores", "Green", "Adams", "Nelson", "Baker",
    "Hall", "Rivera", "Campbell", "Mitchell", "Carter", "Roberts", "Gardner", "Garner", "Garrett", "Marsh",
    "Marshall"
]  # fmt: skip
FIRST_NAMES = [
    "James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael", "Linda", "David", "Elizabeth", "William",
    "Barbara", "Richard", "Susan", "Joseph", "Jessica", "Thomas", "Sarah", "Charles", "Karen", "Christopher",
    "Lisa", "Daniel", "Nancy", "Matthew", "Betty", "Anthony", "Maria", "Mark", "Sandra", "Donald", "Ashley",
    "Steven", "Kimberly", "Paul", "Emily", "Andrew", "Donna", "Joshua", "Michelle", "Jose", "Carmen", "Luis", "Ana"
]  # fmt: skip
SYLLABLES = [
    "bar", "kel", "mon", "dor", "vin", "ster", "lan", "ric", "hal", "ford", "win", "ton", "ber", "sen", "ash",
    "wel", "mar", "tin", "rod", "gar", "pel", "quin", "zo"
]  # fmt: skip
NAME_PREFIXES = ["Gar", "Smi", "Joh", "Mar", "Wil", "Bro", "Rod", "Dav", "Her", "Tho"]
MAKES = {
    "Toyota": ["Camry", "RAV4", "Corolla", "Tacoma", "Highlander"], "Honda": ["Civic", "Accord", "CR-V", "Pilot"],
    "Ford": ["F-150", "Escape", "Explorer", "Bronco"], "Chevrolet": ["Silverado", "Equinox", "Malibu", "Tahoe"],
    "Hyundai": ["Elantra", "Tucson", "Santa Fe", "Palisade"],
}  # fmt: skip
AREA_CODES = ["512", "737", "214", "469", "972", "713", "281", "832", "210", "817", "254", "361"]
EMAIL_DOMAINS = ["gmail.com", "yahoo.com", "outlook.com", "icloud.com", "hotmail.com", "aol.com"]
VIN_CHARS = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"
LEAD_TABLES = [
    "leads_customer", "leads_customeremail", "leads_customerphone", "leads_lead",
    "leads_lead_collaborators", "leads_vehicleinterest", "leads_activity",
]  # fmt: skip


# Loading ---------------------------------------------------------------------------------------


def loaded_size() -> int:
    if not User.objects.filter(email="gm@bench.example").exists():
        return -1
    return Lead.objects.count()


def load(n_leads: int) -> None:
    """Empty the database's leads and staff, then write `n_leads` leads and all around them."""
    rng = random.Random(SEED)
    started = time.monotonic()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE dealerships_organization, accounts_user, leads_customer, django_session RESTART IDENTITY CASCADE"
        )
        stores, sales_by_store, service_by_store = _staff()
        # Secondary indexes are built once at the end and foreign keys are not checked row by row
        # (the generator makes them consistent): ten times faster than loading into live indexes.
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = ANY(%s) AND indexname NOT IN "
            "(SELECT conname FROM pg_constraint)",
            [LEAD_TABLES],
        )
        indexes = cursor.fetchall()
        for name, _ in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
        leads = _lead_rows(rng, n_leads, stores, sales_by_store, service_by_store)
        n_customers = max(1, int(n_leads * CUSTOMERS_PER_LEAD))
        names: list[tuple[str, str, str]] = [("", "", "")]  # by customer id, as each lead carries them
        _copy(cursor, "leads_customer", _customer_rows(rng, n_customers, leads, stores[0].organization_id, names))
        _copy(cursor, "leads_customerphone", _phone_rows(rng, n_customers))
        _copy(cursor, "leads_customeremail", _email_rows(rng, n_customers))
        _copy(cursor, "leads_lead", _lead_lines(leads, names))
        _copy(cursor, "leads_vehicleinterest", _vehicle_rows(rng, n_leads))
        _copy(cursor, "leads_activity", _activity_rows(leads))
        _copy(cursor, "leads_lead_collaborators", _collaborator_rows(rng, leads, sales_by_store))
        print(f"  rows written in {time.monotonic() - started:.0f} s; building indexes", flush=True)
        for _, definition in indexes:
            cursor.execute(definition)
        for table in LEAD_TABLES:
            cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
    with connection.cursor() as cursor:
        # As autovacuum would leave it: statistics, and a visibility map for index-only scans.
        cursor.execute("VACUUM ANALYZE " + ", ".join(LEAD_TABLES))
    print(f"  loaded {n_leads:,} leads in {time.monotonic() - started:.0f} s", flush=True)


def _staff() -> tuple[list[Dealership], dict[int, list[int]], dict[int, list[int]]]:
    """One group, five rooftops, two managers and ten salespeople each, a group manager."""
    password = make_password(PASSWORD)
    org = Organization.objects.create(name="Bench Motor Group")
    stores: list[Dealership] = []
    sales: dict[int, list[int]] = {}
    service: dict[int, list[int]] = {}
    gm = User.objects.create(email="gm@bench.example", name="Grace Manning", password=password)
    for i, name in enumerate(DEALERSHIPS, start=1):
        store = Dealership.objects.create(organization=org, slug=f"bench-{i}", name=name, intake_address=f"bench{i}")
        stores.append(store)
        Membership.objects.create(user=gm, dealership=store, role="manager", departments=["sales", "service"])
        for k in range(2):
            user = User.objects.create(
                email=f"manager{k}.bench-{i}@bench.example", name=f"Manager {k} {i}", password=password
            )
            Membership.objects.create(user=user, dealership=store, role="manager", departments=["sales", "service"])
        sales[store.pk], service[store.pk] = [], []
        for k in range(SALES_PER_STORE + SERVICE_PER_STORE):
            department = "sales" if k < SALES_PER_STORE else "service"
            user = User.objects.create(
                email=f"{department}{k}.bench-{i}@bench.example",
                name=f"{department.title()} {k} {i}",
                password=password,
            )
            Membership.objects.create(user=user, dealership=store, role="salesperson", departments=[department])
            (sales if department == "sales" else service)[store.pk].append(user.pk)
    return stores, sales, service


@dataclass
class LeadRow:
    received: datetime
    dealership: int
    customer: int
    assigned: int | None
    department: str


def _lead_rows(
    rng: random.Random, n: int, stores: list[Dealership], sales: dict[int, list[int]], service: dict[int, list[int]]
) -> list[LeadRow]:
    """Leads in id order = time order (as in life), over three years; 15% left unassigned."""
    now = datetime.now(UTC)
    span = YEARS * 365 * 86400
    offsets = sorted((rng.random() * span for _ in range(n)), reverse=True)
    n_customers = max(1, int(n * CUSTOMERS_PER_LEAD))
    customers = list(range(1, n_customers + 1)) + [rng.randint(1, n_customers) for _ in range(n - n_customers)]
    rng.shuffle(customers)
    rows = []
    for offset, customer in zip(offsets, customers, strict=True):
        store = rng.choice(stores).pk
        department = "service" if rng.random() < 0.15 else "sales"
        assigned = rng.choice((service if department == "service" else sales)[store]) if rng.random() < 0.85 else None
        rows.append(LeadRow(now - timedelta(seconds=offset), store, customer, assigned, department))
    return rows


def _status(rng: random.Random, age_days: float) -> str:
    r = rng.random()
    if age_days < 2:
        return "new" if r < 0.5 else "working" if r < 0.9 else "appointment"
    if age_days < 30:
        return (
            "new"
            if r < 0.05
            else "working"
            if r < 0.5
            else "appointment"
            if r < 0.65
            else "sold"
            if r < 0.75
            else "lost"
        )
    return (
        "new" if r < 0.01 else "working" if r < 0.09 else "appointment" if r < 0.1 else "sold" if r < 0.25 else "lost"
    )


def _lead_lines(leads: list[LeadRow], customer_names: list[tuple[str, str, str]]) -> Iterator[str]:
    rng = random.Random(SEED + 1)
    names, weights = list(SOURCES), [w for _, w in SOURCES.values()]
    now = datetime.now(UTC)
    n_customers = max(1, int(len(leads) * CUSTOMERS_PER_LEAD))
    for pk, lead in enumerate(leads, start=1):
        source = rng.choices(names, weights)[0]
        status = _status(rng, (now - lead.received).total_seconds() / 86400)
        at = lead.received.isoformat()
        responded = (lead.received + timedelta(minutes=rng.randint(1, 240))).isoformat() if status != "new" else r"\N"
        co = str(rng.randint(1, n_customers)) if rng.random() < 0.03 else r"\N"
        assigned = str(lead.assigned) if lead.assigned else r"\N"
        lost = "Bought elsewhere" if status == "lost" else ""
        yield (
            f"{pk}\t{lead.department}\t{status}\t{lost}\t{source}\t{SOURCES[source][0]}\t\t{at}\t{responded}\t\t\\N\t{at}\t"
            f"{assigned}\t{co}\t{lead.customer}\t{lead.dealership}\t" + "\t".join(customer_names[lead.customer]) + "\n"
        )


def _customer_rows(
    rng: random.Random, n: int, leads: list[LeadRow], org: int, names: list[tuple[str, str, str]]
) -> Iterator[str]:
    """Customers; `names` gets each one's names as its leads carry them (`leads.models.name_key`)."""
    created = ["" for _ in range(n + 1)]
    for lead in reversed(leads):  # oldest last: a customer exists from their first lead
        created[lead.customer] = lead.received.isoformat()
    # Common names about as common as in the US (Smith ~1%, James ~2%), then a long tail.
    first_weights = [1 / (i + 3) ** 0.5 for i in range(len(FIRST_NAMES))]
    last_weights = [1 / (i + 2) ** 0.5 for i in range(len(LAST_NAMES))]
    for pk in range(1, n + 1):
        business = ""
        if rng.random() < 0.4:
            first = rng.choices(FIRST_NAMES, first_weights)[0]
        else:
            first = "".join(rng.choices(SYLLABLES, k=2)).title()
        if rng.random() < 0.2:
            last = rng.choices(LAST_NAMES, last_weights)[0]
        else:
            last = "".join(rng.choices(SYLLABLES, k=rng.choice((2, 3)))).title()
        if rng.random() < 0.02:
            first, last, business = "", "", f"{last} {rng.choice(('Plumbing', 'Landscaping', 'Logistics'))} LLC"
        names.append((name_key(first), name_key(last), name_key(business)))
        yield f"{pk}\t{first}\t{last}\t{business}\ten\t[]\tAustin\tTX\t78701\tUS\t{created[pk]}\t{org}\n"


def _phone_rows(rng: random.Random, n: int) -> Iterator[str]:
    pk = 0
    for customer in range(1, n + 1):
        for kind in ("cellphone", "voice")[: 1 + (rng.random() < 0.15)] if rng.random() < 0.95 else ():
            pk += 1
            area, exchange, line = rng.choice(AREA_CODES), rng.randint(200, 999), rng.randint(0, 9999)
            # What forecourt.lib.phone.display would write, without its cost a million times; the
            # search key is the number's digits last first (forecourt.lib.phone.digits_last_first).
            number = f"1{area}{exchange}{line:04d}"
            yield f"{pk}\t+{number}\t({area}) {exchange}-{line:04d}\t{kind}\t{customer}\t{number[::-1]}\n"


def _email_rows(rng: random.Random, n: int) -> Iterator[str]:
    pk = 0
    for customer in range(1, n + 1):
        if rng.random() < 0.8:
            pk += 1
            yield f"{pk}\tc{customer}.{rng.randint(10, 99)}@{rng.choice(EMAIL_DOMAINS)}\t{customer}\n"


def _vehicle_rows(rng: random.Random, n_leads: int) -> Iterator[str]:
    """One preferred vehicle per lead, a second on three leads in ten; about a third are search vehicles."""
    pk = 0
    for lead in range(1, n_leads + 1):
        for preferred in ("t", "f")[: 1 + (rng.random() < 0.3)]:
            pk += 1
            make = rng.choice(list(MAKES))
            model, year = rng.choice(MAKES[make]), rng.randint(2015, 2026)
            if rng.random() < 0.35:
                vin, stock, search, condition = "", "", "t", "used"
            else:
                vin, stock, search = "".join(rng.choices(VIN_CHARS, k=17)), f"S{lead:07d}{preferred}", "f"
                condition = "new" if year >= 2025 else "used"
            price = f"{rng.randint(15_000, 65_000)}.00"
            yield f"{pk}\tbuy\t{condition}\t{year}\t{make}\t{model}\t\t{vin}\t{stock}\t{price}\t\\N\t{preferred}\t{search}\t\\N\t{lead}\n"


def _activity_rows(leads: list[LeadRow]) -> Iterator[str]:
    for pk, lead in enumerate(leads, start=1):
        yield f"{pk}\t{lead.received.isoformat()}\tcreated\tLead received\t{{}}\t\\N\t{pk}\n"


def _collaborator_rows(rng: random.Random, leads: list[LeadRow], sales: dict[int, list[int]]) -> Iterator[str]:
    """Two leads in a hundred have a colleague helping."""
    pk = 0
    for lead_id, lead in enumerate(leads, start=1):
        if rng.random() < 0.02:
            helper = rng.choice(sales[lead.dealership])
            if helper != lead.assigned:
                pk += 1
                yield f"{pk}\t{lead_id}\t{helper}\n"


def _copy(cursor: object, table: str, lines: Iterator[str]) -> None:
    columns = {
        "leads_customer": "id, first_name, last_name, business_name, language, street, city, region, postal_code, "
        "country, created_at, organization_id",
        "leads_customerphone": "id, number, raw, type, customer_id, search_key",
        "leads_customeremail": "id, email, customer_id",
        "leads_lead": "id, department, status, lost_reason, source_name, source_kind, source_ref, received_at, "
        "first_response_at, comments, timeframe, updated_at, assigned_to_id, co_customer_id, customer_id, dealership_id, "
        "search_first_name, search_last_name, search_business_name",
        "leads_vehicleinterest": 'id, interest, condition, year, make, model, "trim", vin, stock, price, odometer, '
        "preferred, search_vehicle, inventory_vehicle_id, lead_id",
        "leads_activity": "id, at, kind, text, data, actor_id, lead_id",
        "leads_lead_collaborators": "id, lead_id, user_id",
    }[table]
    started = time.monotonic()
    with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:  # type: ignore[attr-defined]
        buffer = io.StringIO()
        for i, line in enumerate(lines, start=1):
            buffer.write(line)
            if i % CHUNK == 0:
                copy.write(buffer.getvalue())
                buffer = io.StringIO()
        copy.write(buffer.getvalue())
    print(f"  {table}: {time.monotonic() - started:.1f} s", flush=True)


# Measuring -------------------------------------------------------------------------------------


@dataclass
class Persona:
    label: str
    email: str
    samples: dict[str, list[str]]  # phones, emails and full names of leads this persona sees


PERSONAS = [
    ("group manager (5 rooftops)", "gm@bench.example"),
    ("manager (1 rooftop)", "manager0.bench-1@bench.example"),
    ("salesperson", "sales0.bench-1@bench.example"),
]
# Each scenario turns a persona and a request number into the query string it asks for.
Scenario = Callable[[Persona, int], dict[str, str]]
SCENARIOS: dict[str, Scenario] = {
    "first page": lambda p, i: {},
    "search phone (512) 555-0123": lambda p, i: {"q": p.samples["phone"][i % len(p.samples["phone"])]},
    "search phone ending 555-0123": lambda p, i: {"q": p.samples["phone"][i % len(p.samples["phone"])][6:]},
    "search email": lambda p, i: {"q": p.samples["email"][i % len(p.samples["email"])]},
    "search last-name prefix (Gar)": lambda p, i: {"q": NAME_PREFIXES[i % len(NAME_PREFIXES)]},
    "search full name (First Last)": lambda p, i: {"q": p.samples["name"][i % len(p.samples["name"])]},
    "filter status=working&source=CarGurus": lambda p, i: {"status": "working", "source": "CarGurus"},
    "filter open, unassigned, has search vehicle": lambda p, i: {
        "status": "open",
        "assigned_to": "none",
        "vehicle": "yes",
    },
    "page 20": lambda p, i: {"page": "20"},
}
API_SCENARIOS = ["first page", "search phone (512) 555-0123", "search phone ending 555-0123", "search email", "search last-name prefix (Gar)",
                 "search full name (First Last)", "filter status=working&source=CarGurus"]  # fmt: skip


def samples_for(user: User, rng: random.Random, k: int = 50) -> dict[str, list[str]]:
    """Phones (as people write them), emails and names of random leads `user` sees."""
    total = Lead.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    ids = [rng.randint(1, total) for _ in range(20_000)]
    picked = list(
        leads_visible_to(user)
        .filter(pk__in=ids)
        .select_related("customer")
        .prefetch_related("customer__phones", "customer__emails")[:k]
    )
    phones = [display(c.phones.all()[0].number or "") for c in (lead.customer for lead in picked) if c.phones.all()]
    emails = [c.emails.all()[0].email.upper() for c in (lead.customer for lead in picked) if c.emails.all()]
    names = [f"{lead.customer.first_name} {lead.customer.last_name}" for lead in picked if lead.customer.last_name]
    return {"phone": phones, "email": emails, "name": names}


def web_session(base_url: str, email: str) -> requests.Session:
    session = requests.Session()
    login = f"{base_url}/accounts/login/"
    session.get(login, timeout=30).raise_for_status()
    answer = session.post(
        login,
        data={"email": email, "password": PASSWORD, "csrfmiddlewaretoken": session.cookies["csrftoken"]},
        headers={"Referer": login},
        allow_redirects=False,
        timeout=30,
    )
    if answer.status_code != 302:
        raise RuntimeError(f"login of {email} answered {answer.status_code}")
    return session


def time_requests(
    session: requests.Session, url: Callable[[int], str], *, count: int, warmups: int, rows: Callable[[str], int]
) -> tuple[list[float], float]:
    """Milliseconds of `count` sequential requests after `warmups`, and the mean rows shown."""
    for i in range(warmups):
        session.get(url(count + i), timeout=60)
    timings, shown = [], 0
    for i in range(count):
        started = time.perf_counter()
        answer = session.get(url(i), timeout=60)
        timings.append((time.perf_counter() - started) * 1000)
        if answer.status_code != 200:
            raise RuntimeError(f"{url(i)} answered {answer.status_code}: {answer.text[:300]}")
        shown += rows(answer.text)
    return timings, shown / count


def print_table(title: str, results: dict[tuple[str, str], tuple[list[float], float]]) -> None:
    labels = [label for label, _ in PERSONAS]
    print(f"\n{title}  (ms: p50 / p95 / max; rows = mean rows on the page)")
    print(f"{'scenario':46}" + "".join(f"{label:>34}" for label in labels))
    for scenario in dict.fromkeys(s for s, _ in results):
        cells = []
        for label in labels:
            timings, shown = results[(scenario, label)]
            p50, p95 = percentile(timings, 50), percentile(timings, 95)
            cells.append(f"{p50:7.1f} / {p95:6.1f} / {max(timings):6.1f}  ({shown:4.1f})")
        print(f"{scenario:46}" + "".join(f"{cell:>34}" for cell in cells))


def measure(count: int, warmups: int, only: str = "") -> None:
    rng = random.Random(SEED + 2)
    personas = [Persona(label, email, samples_for(User.objects.get(email=email), rng)) for label, email in PERSONAS]
    tokens = {p.email: ApiToken.issue(user=User.objects.get(email=p.email), name="bench")[1] for p in personas}
    web: dict[tuple[str, str], tuple[list[float], float]] = {}
    api: dict[tuple[str, str], tuple[list[float], float]] = {}
    with gunicorn(settings.DATABASE_URL) as base_url:
        for persona in personas:
            session = web_session(base_url, persona.email)
            for name, scenario in SCENARIOS.items():
                if only not in name:
                    continue
                web[(name, persona.label)] = time_requests(
                    session,
                    lambda i, s=scenario, p=persona: f"{base_url}/leads/?{urlencode(s(p, i))}",  # type: ignore[misc]
                    count=count,
                    warmups=warmups,
                    rows=lambda text: text.count('class="lead-row"'),
                )
            bearer = requests.Session()
            bearer.headers["Authorization"] = f"Bearer {tokens[persona.email]}"
            for name in API_SCENARIOS:
                if only not in name:
                    continue
                scenario = SCENARIOS[name]
                api[(name, persona.label)] = time_requests(
                    bearer,
                    lambda i, s=scenario, p=persona: f"{base_url}/api/v1/leads?{urlencode(s(p, i))}",  # type: ignore[misc]
                    count=count,
                    warmups=warmups,
                    rows=lambda text: len(json.loads(text)["items"]),
                )
    ApiToken.objects.filter(name="bench").delete()
    print_table(f"HTML leads list, GET /leads/ ({count} sequential requests after {warmups} warm-ups)", web)
    print_table("JSON API, GET /api/v1/leads (its default page of 50 leads)", api)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--leads", type=int, default=1_000_000, help="how many leads to load (default 1,000,000)")
    parser.add_argument("--reload", action="store_true", help="load again even if that many leads are there")
    parser.add_argument("--requests", type=int, default=50, help="timed requests per scenario and persona")
    parser.add_argument("--warmups", type=int, default=5, help="untimed requests first")
    parser.add_argument("--load-only", action="store_true", help="load, and measure nothing")
    parser.add_argument("--only", default="", help="measure only the scenarios whose name contains this")
    args = parser.parse_args()
    if connection.vendor != "postgresql" or not 1 <= args.leads <= 20_000_000:
        sys.exit("Set DATABASE_URL to a PostgreSQL database made for this benchmark; --leads between 1 and 20M.")
    print(f"Machine: {machine()}")
    print(f"Database: {connection.settings_dict['NAME']} at {connection.settings_dict['HOST'] or 'local socket'}")
    if args.reload or loaded_size() != args.leads:
        print(f"Loading {args.leads:,} leads (this empties the leads, customers and staff of this database)")
        load(args.leads)
    else:
        print(f"Reusing the {args.leads:,} leads already loaded (--reload to load again)")
    counts = {model.__name__: model.objects.count() for model in (Customer, Lead, User, Dealership)}
    print("Rows: " + ", ".join(f"{n:,} {name}" for name, n in counts.items()))
    if not args.load_only:
        print(f"Before measuring: {load_average()}", flush=True)
        measure(args.requests, args.warmups, args.only)
        print(f"\nAfter measuring: {load_average()}")


if __name__ == "__main__":
    main()

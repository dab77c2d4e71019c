"""The demo organisation: provisioned from demo/forecourt-demo.yaml, then three weeks of life.

Stock, customers and leads are generated from a seeded random generator, so every load makes
the same data; only the dates move, since they are counted back from now. Every lead is taken
in and worked through `leads.actions`, with the one clock (`django.utils.timezone.now`) set to
the moment of each step, so the timelines, first-reply times and anything else that reads the
clock look exactly as if the three weeks had really happened.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import django.utils.timezone
from django.conf import settings
from django.db import transaction

from accounts.models import Membership, User
from dealerships import demo_texts, provisioning
from dealerships.models import Dealership
from intake.door import take_in_lead
from inventory.models import Vehicle
from inventory.vin import VIN, with_check_digit, year_code
from leads import actions
from leads.models import Lead

DEMO_FILE = Path(settings.BASE_DIR) / "demo" / "forecourt-demo.yaml"
SEED = 2026

# make, model, trims with the price over the base, base price, WMI (first three VIN characters)
NEW_STOCK = {
    "riverside-toyota": [
        ("Toyota", "Camry", {"LE": 0, "SE": 1900, "XSE Hybrid": 6400}, 28995, "4T1"),
        ("Toyota", "RAV4", {"LE": 0, "XLE Premium": 4600, "Hybrid XSE": 7900}, 30995, "2T3"),
        ("Toyota", "Tacoma", {"SR5": 0, "TRD Off-Road": 5200}, 36495, "3TM"),
        ("Toyota", "Highlander", {"XLE": 0, "Platinum": 9800}, 43995, "5TD"),
        ("Toyota", "Corolla", {"LE": 0, "XSE": 4100}, 22995, "JTD"),
        ("Toyota", "Tundra", {"SR5 CrewMax": 0, "Limited": 8700}, 49995, "5TF"),
        ("Toyota", "Sienna", {"XLE": 0}, 44495, "5TD"),
    ],
    "summit-subaru": [
        ("Subaru", "Outback", {"Premium": 0, "Limited": 5700, "Wilderness": 9100}, 30995, "4S4"),
        ("Subaru", "Forester", {"Base": 0, "Sport": 3900, "Touring": 8200}, 29495, "JF2"),
        ("Subaru", "Crosstrek", {"Premium": 0, "Sport": 3200}, 26995, "JF2"),
        ("Subaru", "Ascent", {"Onyx Edition": 0}, 44995, "4S4"),
        ("Subaru", "WRX", {"Premium": 0}, 35995, "JF1"),
    ],
}
USED_STOCK = [
    ("Honda", "Accord", "EX-L", "1HG"),
    ("Ford", "F-150", "XLT SuperCrew", "1FT"),
    ("Chevrolet", "Equinox", "LT", "2GN"),
    ("Toyota", "4Runner", "TRD Off-Road", "JTE"),
    ("Nissan", "Rogue", "SV", "5N1"),
    ("Jeep", "Wrangler", "Sahara", "1C4"),
    ("Subaru", "Outback", "Premium", "4S4"),
    ("Honda", "CR-V", "EX", "2HK"),
]
COLORS = ["Celestial Silver", "Midnight Black", "Super White", "Blueprint", "Magnetic Gray", "Crystal White Pearl"]

FIRST = [
    "Maria",
    "James",
    "Ana",
    "Robert",
    "Priya",
    "David",
    "Sofia",
    "Michael",
    "Lucia",
    "Kevin",
    "Emily",
    "Jose",
    "Hannah",
    "Marcus",
    "Grace",
    "Luis",
    "Olivia",
    "Ethan",
    "Mei",
    "Noah",
]
LAST = [
    "Garcia",
    "Johnson",
    "Martinez",
    "Smith",
    "Thompson",
    "Nguyen",
    "Rodriguez",
    "Williams",
    "Hernandez",
    "Brown",
    "Lopez",
    "Davis",
    "Kim",
    "Wilson",
    "Patel",
    "Clark",
    "Lewis",
    "Walker",
]
BUSINESSES = [
    "Hill Country Landscaping LLC",
    "Front Range Plumbing",
    "Lone Star Catering Co.",
    "Peak Property Services",
]
SALES_SOURCES = [
    ("CarGurus", Lead.SourceKind.THIRD_PARTY),
    ("Cars.com", Lead.SourceKind.THIRD_PARTY),
    ("AutoTrader", Lead.SourceKind.THIRD_PARTY),
    ("TrueCar", Lead.SourceKind.THIRD_PARTY),
    ("Website", Lead.SourceKind.WEBSITE),
    ("Walk-in", Lead.SourceKind.WALK_IN),
    ("Phone call", Lead.SourceKind.CALL),
    ("Facebook", Lead.SourceKind.MESSENGER),
]
SERVICE_SOURCES = [("Website", Lead.SourceKind.WEBSITE), ("Phone call", Lead.SourceKind.CALL)]
QUESTIONS = [
    "Is this vehicle still available?",
    "What would my out-the-door price be?",
    "Can I come in for a test drive this weekend?",
    "Do you have this in another color?",
    "What are your current finance rates and lease specials?",
    "I'd like to know what my trade is worth before I come in.",
]
SERVICE_REQUESTS = ["Oil change and tire rotation", "Check engine light is on", "60,000 mile service", "Brakes squeak"]
LOST_REASONS = ["Bought elsewhere", "Price too high", "No response after 5 attempts", "Credit declined"]
# Statuses of the generated leads, in order: new ones are the most recent.
STATUSES = ["new"] * 9 + ["working"] * 12 + ["appointment"] * 8 + ["sold"] * 6 + ["lost"] * 6


@dataclass
class DemoResult:
    """What load_demo did, and who can log in."""

    changes: list[str] = field(default_factory=list)
    vehicles: int = 0
    leads: int = 0
    texts: int = 0
    skipped: str = ""


@contextmanager
def _clock(at: datetime) -> Iterator[None]:
    """Set the one clock (CONTRACT: every "now" is django.utils.timezone.now) to `at`."""
    real = django.utils.timezone.now
    django.utils.timezone.now = lambda: at
    try:
        yield
    finally:
        django.utils.timezone.now = real


def demo_logins(path: Path = DEMO_FILE) -> list[dict[str, str]]:
    """Email, password, role and dealership of each demo user, as the demo file gives them."""
    document = provisioning.load_yaml(path.read_text(encoding="utf-8"))
    names = {d["slug"]: d["name"] for d in document["dealerships"]}
    return [
        {
            "email": user["email"],
            "password": user.get("password", ""),
            "role": ", ".join(sorted({m["role"] for m in user["memberships"]})),
            "dealership": ", ".join(names.get(m["dealership"], m["dealership"]) for m in user["memberships"]),
        }
        for user in document["users"]
    ]


def load_demo(*, path: Path = DEMO_FILE, seed: int = SEED) -> DemoResult:
    """Provision the demo file, then fill its dealerships with stock and leads (once)."""
    outcome = provisioning.provision(provisioning.load_yaml(path.read_text(encoding="utf-8")))
    if not outcome.ok:
        raise ValueError("the demo file is invalid:\n" + "\n".join(outcome.errors))
    result = DemoResult(changes=outcome.changes)
    slugs = list(NEW_STOCK)
    dealerships = {d.slug: d for d in Dealership.objects.filter(slug__in=slugs)}
    if Lead.objects.filter(dealership__in=dealerships.values()).exists():
        result.skipped = "the demo dealerships already have leads"
        return result
    rng = random.Random(seed)
    now = django.utils.timezone.now().replace(second=0, microsecond=0)
    # One transaction: all of the demo or none of it (and one disk sync instead of hundreds).
    with transaction.atomic():
        for slug in slugs:
            result.vehicles += len(_stock(rng, dealerships[slug]))
        plan = _plan(rng, slugs)
        for index, (slug, status, department) in enumerate(plan):
            _lead(rng, index, dealerships[slug], status, department, now, len(plan))
            result.leads += 1
        result.texts = demo_texts.add_conversations(rng, [dealerships[slug] for slug in slugs], now)
    return result


# Stock --------------------------------------------------------------------------------------


def _vin(rng: random.Random, wmi: str, year: int) -> str:
    allowed = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"
    body = "".join(rng.choice(allowed) for _ in range(5))
    serial = f"{rng.randrange(100000, 999999)}"
    vin = with_check_digit(f"{wmi}{body}0{year_code(year)}{rng.choice('ABCDEFGHJKLMNPRSTUVWXYZ')}{serial}")
    assert VIN.fullmatch(vin)
    return vin


def _price(amount: float) -> Decimal:
    """Dealer pricing: rounded to the hundred, less five ($31,495)."""
    return Decimal(int(round(amount, -2)) - 5)


def _stock(rng: random.Random, dealership: Dealership) -> list[Vehicle]:
    prefix = "RT" if dealership.slug.startswith("riverside") else "SS"
    units = []
    for number, (make, model, trims, base, wmi) in enumerate(NEW_STOCK[dealership.slug] * 2, start=1):
        trim, extra = rng.choice(list(trims.items()))
        year = rng.choice([2026, 2026, 2027])
        units.append(
            Vehicle(
                dealership=dealership,
                stock=f"{prefix}{year % 100}{number:03d}",
                vin=_vin(rng, wmi, year),
                condition=Vehicle.Condition.NEW,
                year=year,
                make=make,
                model=model,
                trim=trim,
                color=rng.choice(COLORS),
                price=_price(base + extra + rng.randrange(0, 1500)),
                odometer=rng.randrange(3, 40),
            )
        )
    for number, (make, model, trim, wmi) in enumerate(rng.sample(USED_STOCK, 5), start=1):
        year = rng.randrange(2017, 2024)
        age = 2026 - year
        units.append(
            Vehicle(
                dealership=dealership,
                stock=f"{prefix}U{number:04d}",
                vin=_vin(rng, wmi, year),
                condition=Vehicle.Condition.USED,
                year=year,
                make=make,
                model=model,
                trim=trim,
                color=rng.choice(COLORS),
                price=_price(max(38000 - age * 2600 + rng.randrange(-2000, 4000), 11000)),
                odometer=age * rng.randrange(9000, 15000),
            )
        )
    return Vehicle.objects.bulk_create(units)


# Leads --------------------------------------------------------------------------------------


def _plan(rng: random.Random, slugs: list[str]) -> list[tuple[str, str, str]]:
    """(dealership, final status, department) for each lead, oldest first."""
    plan = []
    for index, status in enumerate(STATUSES):
        slug = slugs[0] if index % 5 in (0, 1, 3) else slugs[1]
        department = "service" if index % 7 == 3 and status not in ("sold",) else "sales"
        plan.append((slug, status, department))
    # Oldest first: the settled ones, then the ones still being worked, new ones last.
    order = {"sold": 0, "lost": 0, "appointment": 1, "working": 2, "new": 3}
    rng.shuffle(plan)
    return sorted(plan, key=lambda item: order[item[1]])


def _customer(rng: random.Random, index: int, area: str) -> dict[str, Any]:
    first, last = rng.choice(FIRST), rng.choice(LAST)
    domain = rng.choice(["example.com", "example.net", "example.org"])
    customer: dict[str, Any] = {
        "first_name": first,
        "last_name": last,
        "emails": [f"{first}.{last}{index}@{domain}".lower()],
        "phones": [{"number": f"+1{area}55501{30 + index:02d}", "type": "cellphone"}],
    }
    if index % 9 == 4:
        customer["business_name"] = BUSINESSES[(index // 9) % len(BUSINESSES)]
    return customer


def _staff(dealership: Dealership, department: str) -> tuple[list[User], list[User]]:
    """(salespeople of the department, managers) at the dealership."""
    memberships = Membership.objects.filter(dealership=dealership).select_related("user").order_by("user__email")
    sellers = [m.user for m in memberships if m.role == "salesperson" and department in m.departments]
    managers = [m.user for m in memberships if m.role == "manager"]
    return sellers or [m.user for m in memberships if m.role == "salesperson"], managers


def _lead(
    rng: random.Random, index: int, dealership: Dealership, status: str, department: str, now: datetime, total: int
) -> None:
    area = "512" if dealership.slug.startswith("riverside") else "303"
    sources = SERVICE_SOURCES if department == "service" else SALES_SOURCES
    source, kind = sources[index % len(sources)]
    # Spread over the last three weeks; new leads within the last day and a half.
    if status == "new":
        received = now - timedelta(minutes=rng.randrange(20, 36 * 60))
    else:
        age = 21 - (index * 19 / total)
        received = now - timedelta(days=age, minutes=rng.randrange(0, 600))
    received = received.replace(second=0, microsecond=0)
    if kind in (Lead.SourceKind.WALK_IN, Lead.SourceKind.CALL):
        # People walk in and call while the store is open.
        received = min(dealership.calendar().next_opening(received), now - timedelta(minutes=30))
    sellers, managers = _staff(dealership, department)
    seller = sellers[index % len(sellers)]
    stock = list(Vehicle.objects.filter(dealership=dealership).order_by("stock"))
    unit = rng.choice(stock)
    customer = _customer(rng, index, area)
    fields: dict[str, Any] = {
        "source_kind": kind,
        "source_ref": f"{source[:2].upper()}-{rng.randrange(100000, 999999)}" if kind == "third_party" else "",
        "department": department,
        "received_at": received,
    }
    if department == "service":
        fields["vehicles"] = [
            {
                "interest": "service",
                "year": unit.year - 3 if unit.year else None,
                "make": unit.make,
                "model": unit.model,
                "search_vehicle": True,
            }
        ]
        fields["comments"] = rng.choice(SERVICE_REQUESTS)
    else:
        fields["vehicles"] = [{"stock": unit.stock, **_unit_fields(unit)}]
        if index % 4 == 1:
            fields["vehicles"].append(
                {
                    "condition": "used",
                    "year": 2022,
                    "make": unit.make,
                    "model": unit.model,
                    "trim": "any trim, under 40k miles",
                    "search_vehicle": True,
                    "preferred": True,
                }
            )
        if index % 5 == 2:
            trade_year = rng.randrange(2010, 2020)
            fields["trades"] = [
                {
                    "year": trade_year,
                    "make": "Honda",
                    "model": "Civic",
                    "vin": _vin(rng, "2HG", trade_year),
                    "odometer": (2026 - trade_year) * 12000,
                }
            ]
        fields["comments"] = rng.choice(QUESTIONS)
    if index % 8 == 5:
        fields["co_customer"] = {
            "first_name": rng.choice(FIRST),
            "last_name": customer["last_name"],
            "emails": [f"co{index}.{customer['last_name']}@example.com".lower()],
        }
    unassigned = status == "new" and index % 3 == 0
    # The demo's own rotation decides the owner; the leads left without one go through the
    # dealership's distribution like any new lead.
    with _clock(received):
        lead = take_in_lead(
            dealership=dealership,
            customer=customer,
            source_name=source,
            actor=None,
            assigned_to=None if unassigned else seller,
            assign_reason="next in the demo rotation",
            **fields,
        )
    if unassigned:
        return
    step = _stepper(received, now, rng, dealership)
    if status == "new":
        return
    _work(rng, lead, status, seller, managers, step)
    if status == "sold" and department == "sales":
        Vehicle.objects.filter(pk=unit.pk).update(status=Vehicle.Status.SOLD)


def _unit_fields(unit: Vehicle) -> dict[str, Any]:
    return {
        "condition": unit.condition,
        "year": unit.year,
        "make": unit.make,
        "model": unit.model,
        "trim": unit.trim,
        "vin": unit.vin,
        "price": unit.price,
        "odometer": unit.odometer,
    }


def _stepper(
    start: datetime, now: datetime, rng: random.Random, dealership: Dealership
) -> Callable[[int, int], datetime]:
    """Successive moments after `start`, each `low`-`high` minutes after the last, moved into
    the dealership's opening hours (staff work when the store is open), never after now."""
    moment = [start]
    calendar = dealership.calendar()

    def step(low: int, high: int) -> datetime:
        at = moment[0] + timedelta(minutes=rng.randrange(low, high))
        if not calendar.is_open(at):
            at = calendar.next_opening(at) + timedelta(minutes=rng.randrange(0, 25))
        moment[0] = min(at, now - timedelta(minutes=1))
        return moment[0]

    return step


def _work(
    rng: random.Random,
    lead: Lead,
    status: str,
    seller: User,
    managers: list[User],
    step: Callable[[int, int], datetime],
) -> None:
    kind = rng.choice(["call", "text", "email"])
    with _clock(step(3, 40)):
        actions.log_contact(lead=lead, kind=kind, note=_contact_note(kind, lead), actor=seller)
    if managers and rng.random() < 0.3:
        with _clock(step(30, 180)):
            actions.add_collaborator(lead=lead, user=managers[0], actor=seller)
    if status == "working":
        if rng.random() < 0.5:
            with _clock(step(60, 600)):
                actions.add_note(lead=lead, actor=seller, text="Left a voicemail; will try again tomorrow morning.")
        return
    with _clock(step(120, 1440)):
        actions.log_contact(lead=lead, kind="call", note="Talked options and booked a visit.", actor=seller)
    with _clock(step(1, 5)):
        actions.set_status(lead=lead, status="appointment", actor=seller)
    if status == "appointment":
        return
    if status == "sold":
        with _clock(step(1440, 2880)):
            actions.log_contact(lead=lead, kind="visit", note="Test drive went well.", actor=seller)
        with _clock(step(60, 240)):
            actions.set_status(lead=lead, status="sold", actor=seller)
            actions.add_note(lead=lead, actor=seller, text="Delivered. Customer asked about the first service.")
        return
    with _clock(step(1440, 4320)):
        actions.set_status(lead=lead, status="lost", actor=seller, lost_reason=rng.choice(LOST_REASONS))


def _contact_note(kind: str, lead: Lead) -> str:
    name = lead.customer.first_name or "the customer"
    return {
        "call": f"Called {name}; confirmed interest and availability.",
        "text": f"Texted {name} the price and photos.",
        "email": f"Emailed {name} a quote.",
    }[kind]

"""Benchmark: an inventory file of 50,000 vehicles (10 photos each), checked and applied, on SQLite
and PostgreSQL.

    .venv/bin/python bench/inventory.py             # both databases (PostgreSQL on 127.0.0.1)
    .venv/bin/python bench/inventory.py --rows 5000 --only sqlite

Each database is made fresh (SQLite in a temporary folder; PostgreSQL `forecourt_bench_inventory`,
dropped and created again). It times the worker's steps as the screen runs them: reading and
checking every row (the preview), comparing with the stock (what would be added, updated, sold),
applying a first full load, then applying the next day's file (5% sold, 5% new, 10% repriced).
Prints rows per second for each. Not a test: it asserts only that the stock came out right.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import BASE_DIR, prepare_database

PHOTOS = 10
MODELS = [("Toyota", "Camry"), ("Toyota", "RAV4"), ("Honda", "Civic"), ("Ford", "F-150"), ("Chevrolet", "Silverado")]


def vin_for(number: int) -> str:
    from inventory.vin import with_check_digit

    return with_check_digit(f"1FT{number % 100:02d}ABC0K{number:07d}")


def inventory_csv(rows: int, *, day: int) -> bytes:
    """A dealer management system's export: day 2 drops 5% of day 1, adds 5% and reprices 10%."""
    lines = ["Stock #,VIN,Year,Make,Model,Trim,Internet Price,Odometer,ImageList,VDP URL,New/Used"]
    numbers = (
        range(rows) if day == 1 else [n for n in range(rows) if n % 20 != 0] + list(range(rows, rows + rows // 20))
    )
    for n in numbers:
        make, model = MODELS[n % len(MODELS)]
        price = 20000 + (n * 37) % 30000 + (500 if day == 2 and n % 10 == 3 else 0)
        photos = "|".join(f"https://img.dealer.example/{n}/{i}.jpg" for i in range(PHOTOS))
        lines.append(
            f'S{n:06d},{vin_for(n)},{2015 + n % 11},{make},{model},LE,"${price:,}",{(n * 7919) % 120000},'
            f'"{photos}",https://dealer.example/vehicle/S{n:06d},{"New" if n % 4 == 0 else "Used"}'
        )
    return ("\n".join(lines) + "\n").encode()


def run(rows: int) -> None:
    """In a process whose DATABASE_URL names a fresh, migrated database."""
    from bench._common import load_average, machine, setup_django

    setup_django()
    from django.db import transaction
    from django.utils import timezone

    from dealerships.models import Dealership, Organization
    from inventory.actions import apply_sheet, plan
    from inventory.models import Vehicle, VehiclePhoto
    from inventory.sheet import read_sheet

    print(machine())
    organization = Organization.objects.create(name="Bench Auto Group")
    dealership = Dealership.objects.create(organization=organization, slug="bench", name="Bench Motors")
    for day in (1, 2):
        data = inventory_csv(rows, day=day)
        started = time.perf_counter()
        sheet = read_sheet(data)
        read = time.perf_counter() - started
        started = time.perf_counter()
        todo = plan(dealership, sheet)
        compared = time.perf_counter() - started
        started = time.perf_counter()
        with transaction.atomic():
            outcome = apply_sheet(dealership=dealership, sheet=sheet, now=timezone.now())
        applied = time.perf_counter() - started
        n = len(sheet.rows)
        print(
            f"  day {day}: {n:,} rows, {len(data) / 2**20:.1f} MB | read+check {n / read:,.0f} rows/s ({read:.1f} s)"
            f" | preview compare {n / compared:,.0f} rows/s ({compared:.1f} s)"
            f" | apply {n / applied:,.0f} rows/s ({applied:.1f} s) | {outcome}"
        )
        assert outcome["added"] == len(todo.new)
    in_stock = Vehicle.objects.filter(dealership=dealership, status=Vehicle.Status.IN_STOCK).count()
    assert in_stock == rows, in_stock
    assert VehiclePhoto.objects.count() == (rows + rows // 20) * PHOTOS
    print(f"  {load_average()}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--only", choices=("sqlite", "postgres"))
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        run(args.rows)
        return
    python = str(BASE_DIR / ".venv" / "bin" / "python")
    for kind in ("sqlite", "postgres"):
        if args.only and args.only != kind:
            continue
        with tempfile.TemporaryDirectory() as folder:
            if kind == "sqlite":
                url = f"sqlite:///{folder}/bench.sqlite3"
                env = {**os.environ, "DATABASE_URL": url, "LOG_LEVEL": "WARNING"}
                subprocess.run([python, "manage.py", "migrate", "-v", "0"], cwd=BASE_DIR, env=env, check=True)
            else:
                url = prepare_database("forecourt_bench_inventory")
            print(f"{kind}: {args.rows:,} vehicles, {PHOTOS} photos each")
            env = {**os.environ, "DATABASE_URL": url, "LOG_LEVEL": "WARNING"}
            argv = [python, __file__, "--child", "--rows", str(args.rows)]
            subprocess.run(argv, cwd=BASE_DIR, env=env, check=True)


if __name__ == "__main__":
    main()

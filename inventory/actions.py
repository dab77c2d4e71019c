"""Writes of the inventory: taking a file in, checking it, applying it as a snapshot of the stock.

A file goes through three steps, each a short job any worker may claim (forecourt.lib.jobs):
1. `receive_file` stores it exactly as it came (`StockUpload`, status received);
2. `check_upload` reads every row (the preview: per-row errors, what would be added, updated and
   marked sold), recording its progress as it goes;
3. `apply_upload`, once confirmed, writes all of it in one transaction, or none of it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from accounts.models import User
from dealerships.models import Dealership
from forecourt.lib import jobs
from forecourt.lib.rows import execute_many, update_each
from forecourt.lib.wake import enqueue_on_commit
from inventory.models import StockFeed, StockUpload, Vehicle, VehiclePhoto
from inventory.sheet import LABELS, Sheet, SheetError, StockRow, read_sheet

log = logging.getLogger(__name__)

BATCH = 500
MAX_ATTEMPTS = 3
# A report keeps this many rows of each kind for the preview (the counts are always whole).
REPORT_ERRORS = 500
REPORT_WARNINGS = 200
REPORT_SAMPLE = 100
FIELDS = ("vin", "year", "make", "model", "trim", "condition", "price", "odometer", "color", "listing_url")
FEED_UPLOADS_KEPT = 10


def receive_file(
    *, dealership: Dealership, data: bytes, name: str, actor: User | None, source: str = StockUpload.Source.UPLOAD
) -> StockUpload:
    """Store an inventory file before anything reads it, and queue its check."""
    from inventory.tasks import check_upload_task

    upload = StockUpload.objects.create(
        dealership=dealership,
        source=source,
        uploaded_by=actor,
        name=" ".join(name.split())[:200] or "inventory.csv",
        raw=data,
        rows_total=max(data.count(b"\n") - 1, 1),
    )
    enqueue_on_commit(check_upload_task, upload.pk)
    return upload


def pending_checks() -> Any:
    return StockUpload.objects.filter(status=StockUpload.Status.RECEIVED)


def pending_applies() -> Any:
    return StockUpload.objects.filter(status=StockUpload.Status.CONFIRMED)


def check_upload(pk: int) -> StockUpload | None:
    """Read every row of a received file and keep the preview; a feed's file is then applied at
    once. None when another worker holds it or it is not waiting."""
    if not jobs.claim(pending_checks(), pk, lease_seconds=600):
        return None
    upload = StockUpload.objects.select_related("dealership").get(pk=pk)

    def progress(rows: int) -> None:
        StockUpload.objects.filter(pk=pk).update(rows_checked=rows)

    try:
        sheet = read_sheet(bytes(upload.raw), progress=progress)
    except SheetError as refusal:
        return _refuse(upload, str(refusal))
    except Exception as exc:  # recorded on the row and retried; the file is kept
        return _failed(upload, exc)
    upload.report = report(upload.dealership, sheet)
    upload.rows_checked = len(sheet.rows)
    upload.status = StockUpload.Status.CHECKED
    upload.claimed_until = None
    upload.save(update_fields=["report", "rows_checked", "status", "claimed_until"])
    if upload.source == StockUpload.Source.FEED:
        if not sheet.valid:
            return _refuse(upload, f"None of the {len(sheet.rows)} rows could be read: {_first_errors(sheet)}")
        confirm_upload(upload=upload, actor=None, queue=False)
        return apply_upload(upload.pk)
    return upload


def confirm_upload(*, upload: StockUpload, actor: User | None, queue: bool = True) -> bool:
    """A person (or the feed) said yes to the preview: the file is applied next. False when it was
    not waiting for that (already applied, discarded, refused)."""
    from inventory.tasks import apply_upload_task

    confirmed = StockUpload.objects.filter(pk=upload.pk, status=StockUpload.Status.CHECKED).update(
        status=StockUpload.Status.CONFIRMED, due_at=timezone.now(), claimed_until=None
    )
    if confirmed and queue:
        enqueue_on_commit(apply_upload_task, upload.pk)
    upload.refresh_from_db()
    return bool(confirmed)


def discard_upload(*, upload: StockUpload, actor: User | None) -> bool:
    return bool(
        StockUpload.objects.filter(pk=upload.pk, status=StockUpload.Status.CHECKED).update(
            status=StockUpload.Status.DISCARDED
        )
    )


def apply_upload(pk: int) -> StockUpload | None:
    """Apply a confirmed file: all of it in one transaction, or nothing."""
    if not jobs.claim(pending_applies(), pk, lease_seconds=600):
        return None
    upload = StockUpload.objects.select_related("dealership").get(pk=pk)
    try:
        sheet = read_sheet(bytes(upload.raw))
        with transaction.atomic():
            outcome = apply_sheet(dealership=upload.dealership, sheet=sheet, now=timezone.now())
            upload.outcome = outcome
            upload.status = StockUpload.Status.APPLIED
            upload.applied_at = timezone.now()
            upload.claimed_until = None
            upload.save(update_fields=["outcome", "status", "applied_at", "claimed_until"])
            if upload.source == StockUpload.Source.FEED:
                StockFeed.objects.filter(dealership=upload.dealership).update(
                    last_error="", last_success_at=upload.applied_at
                )
    except SheetError as refusal:
        return _refuse(upload, str(refusal))
    except Exception as exc:  # rolled back, recorded on the row and retried
        return _failed(upload, exc)
    if upload.source == StockUpload.Source.FEED:
        _prune_feed_files(upload.dealership)
    return upload


def _refuse(upload: StockUpload, problem: str) -> StockUpload:
    upload.status = StockUpload.Status.REFUSED
    upload.problem = problem
    upload.claimed_until = None
    upload.save(update_fields=["status", "problem", "claimed_until"])
    if upload.source == StockUpload.Source.FEED:
        StockFeed.objects.filter(dealership=upload.dealership).update(
            last_error=f"The feed's file was refused: {problem}"
        )
    return upload


def _failed(upload: StockUpload, exc: Exception) -> StockUpload:
    log.exception("inventory file %s could not be processed", upload.pk)
    upload.refresh_from_db()
    if upload.attempts >= MAX_ATTEMPTS:
        return _refuse(upload, f"It could not be processed ({type(exc).__name__}: {exc}); nothing was changed.")
    upload.last_error = f"{type(exc).__name__}: {exc}"
    upload.due_at = timezone.now() + jobs.retry_delay(upload.attempts)
    upload.claimed_until = None
    upload.save(update_fields=["last_error", "due_at", "claimed_until"])
    return upload


def _first_errors(sheet: Sheet) -> str:
    return "; ".join(f"line {row.line}: {', '.join(row.errors)}" for row in sheet.invalid[:3])


def _prune_feed_files(dealership: Dealership) -> None:
    """A feed's files are kept for the last few polls only: each is the whole stock again."""
    old = StockUpload.objects.filter(dealership=dealership, source=StockUpload.Source.FEED).values_list("pk", flat=True)
    StockUpload.objects.filter(pk__in=list(old[FEED_UPLOADS_KEPT:])).delete()


# The snapshot --------------------------------------------------------------------------------


@dataclass
class Plan:
    """What a file would do to a dealership's stock."""

    new: list[tuple[Vehicle, StockRow]] = field(default_factory=list)
    changed: list[Vehicle] = field(default_factory=list)
    photos: dict[str, list[str]] = field(default_factory=dict)
    """stock number -> the photo addresses it gets (only where they differ)."""
    sold: list[int] = field(default_factory=list)
    unchanged: int = 0
    kept_broken: int = 0
    """Units in stock whose row has errors: left as they are."""


def plan(dealership: Dealership, sheet: Sheet, *, now: datetime | None = None) -> Plan:
    """Compare a file with the stock: nothing is written."""
    result = Plan()
    current = {unit.stock: unit for unit in Vehicle.objects.filter(dealership=dealership)}
    photos_now: dict[int, list[str]] = {}
    for unit_id, url in (
        VehiclePhoto.objects.filter(vehicle__dealership=dealership)
        .order_by("vehicle_id", "position", "id")
        .values_list("vehicle_id", "url")
    ):
        photos_now.setdefault(unit_id, []).append(url)
    for row in sheet.valid:
        unit = current.get(row.stock)
        if unit is None:
            unit = Vehicle(dealership=dealership, stock=row.stock, status=Vehicle.Status.IN_STOCK, **row.vehicle)
            result.new.append((unit, row))
            if row.photos:
                result.photos[row.stock] = row.photos
            continue
        differs = unit.status != Vehicle.Status.IN_STOCK
        for name in FIELDS:
            if getattr(unit, name) != row.vehicle[name]:
                setattr(unit, name, row.vehicle[name])
                differs = True
        if photos_now.get(unit.pk, []) != row.photos:
            result.photos[row.stock] = row.photos
        if differs or row.stock in result.photos:
            unit.status, unit.sold_at = Vehicle.Status.IN_STOCK, None
            result.changed.append(unit)
        else:
            result.unchanged += 1
    named = sheet.named_stock
    broken = {row.stock for row in sheet.invalid}
    for stock, unit in current.items():
        if unit.status != Vehicle.Status.IN_STOCK:
            continue
        if stock not in named:
            result.sold.append(unit.pk)
        elif stock in broken:
            result.kept_broken += 1
    return result


def apply_sheet(*, dealership: Dealership, sheet: Sheet, now: datetime) -> dict[str, int]:
    """Make the dealership's stock what the file says, in one transaction: units in the file are
    added or updated, units in stock that the file leaves out are marked sold (their rows stay, so
    leads keep them). Rows with errors are skipped, and the units they name are left as they are."""
    with transaction.atomic():
        # One file at a time per dealership (PostgreSQL; SQLite has one writer anyway).
        Dealership.objects.select_for_update().filter(pk=dealership.pk).exists()
        todo = plan(dealership, sheet, now=now)
        Vehicle.objects.bulk_create([unit for unit, _ in todo.new], batch_size=BATCH)
        _update_units(todo.changed)
        for start in range(0, len(todo.sold), BATCH):
            Vehicle.objects.filter(pk__in=todo.sold[start : start + BATCH]).update(
                status=Vehicle.Status.SOLD, sold_at=now
            )
        _write_photos(dealership, todo.photos)
    return {
        "added": len(todo.new),
        "updated": len(todo.changed),
        "unchanged": todo.unchanged,
        "sold": len(todo.sold),
        "skipped": len(sheet.invalid),
    }


def _update_units(units: list[Vehicle]) -> None:
    """One UPDATE per unit, sent as a batch (`update_each`): far faster than `bulk_update` for tens
    of thousands of units."""
    update_each(Vehicle, [*FIELDS, "status", "sold_at"], units)


def _write_photos(dealership: Dealership, photos: dict[str, list[str]]) -> None:
    """Replace the photos of the units whose photos changed (in the file's order)."""
    if not photos:
        return
    ids = dict(Vehicle.objects.filter(dealership=dealership).values_list("stock", "pk"))
    changed = [ids[stock] for stock in photos]
    for start in range(0, len(changed), BATCH):
        VehiclePhoto.objects.filter(vehicle_id__in=changed[start : start + BATCH]).delete()
    rows = [[ids[stock], url, position] for stock, urls in photos.items() for position, url in enumerate(urls)]
    if connection.vendor == "postgresql":
        _copy_photos(rows)
    else:
        execute_many(VehiclePhoto, "INSERT INTO {table} ({vehicle}, {url}, {position}) VALUES (%s, %s, %s)", rows)


def _copy_photos(rows: list[list[Any]]) -> None:
    """PostgreSQL's COPY: hundreds of thousands of photo rows in one stream."""
    quote = connection.ops.quote_name
    meta = VehiclePhoto._meta
    columns = ", ".join(quote(meta.get_field(name).column) for name in ("vehicle", "url", "position"))  # type: ignore[union-attr, arg-type]
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY {quote(meta.db_table)} ({columns}) FROM STDIN") as copy,
    ):
        for row in rows:
            copy.write_row(row)


def report(dealership: Dealership, sheet: Sheet) -> dict[str, Any]:
    """The preview of a checked file, as kept on the upload."""
    todo = plan(dealership, sheet)
    return {
        "rows": len(sheet.rows),
        "valid": len(sheet.valid),
        "invalid": len(sheet.invalid),
        "add": len(todo.new),
        "update": len(todo.changed),
        "unchanged": todo.unchanged,
        "sell": len(todo.sold),
        "kept_broken": todo.kept_broken,
        "columns": [[header, LABELS.get(name, name)] for name, header in sheet.columns.items()],
        "ignored": sheet.ignored,
        "encoding": sheet.encoding,
        "delimiter": {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}[sheet.delimiter],
        "errors": [_row(row) | {"messages": row.errors} for row in sheet.invalid[:REPORT_ERRORS]],
        "warned": sum(1 for row in sheet.rows if row.warnings),
        "warnings": [_row(row) | {"messages": row.warnings} for row in sheet.rows if row.warnings][:REPORT_WARNINGS],
        "sample": [_row(row) for row in sheet.valid[:REPORT_SAMPLE]],
    }


def _row(row: StockRow) -> dict[str, Any]:
    v = row.vehicle
    return {
        "line": row.line,
        "stock": row.stock,
        "title": row.title,
        "vin": v.get("vin", ""),
        "price": str(v["price"]) if v.get("price") is not None else "",
        "odometer": v.get("odometer"),
        "condition": v.get("condition", ""),
        "photos": len(row.photos),
    }

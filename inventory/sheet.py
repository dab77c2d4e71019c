"""Reading a dealer inventory CSV: every row checked, nothing written (no Django in here).

Dealer systems export stock under many header names ("Stock #", "StockNumber", "Internet Price",
"Odometer", "ImageList", "VDP URL"…); `ALIASES` maps them to our fields, matched without regard to
case, spaces or punctuation. The encoding (UTF-8 with or without its mark, UTF-16 with its mark,
else Windows cp1252) and the delimiter (comma, semicolon, tab or pipe) are worked out from the file.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from inventory.vin import vin_problem

MAX_BYTES = 64 * 1024 * 1024
MAX_ROWS = 100_000
MAX_PHOTOS = 40
MAX_URL = 500

# Our field -> header names dealer systems use for it, in order of preference (normalised: lower
# case, letters and digits only). "Internet Price" wins over "Price", which wins over "MSRP".
ALIASES: dict[str, tuple[str, ...]] = {
    "stock": ("stock", "stocknumber", "stockno", "stocknum", "stockid"),
    "vin": ("vin", "vinnumber", "vehicleidentificationnumber"),
    "year": ("year", "modelyear", "yr"),
    "make": ("make", "manufacturer", "brand"),
    "model": ("model", "modelname"),
    "trim": ("trim", "series", "trimlevel"),
    "condition": ("condition", "newused", "stocktype", "vehiclecondition"),
    "price": ("internetprice", "sellingprice", "saleprice", "price", "askingprice", "listprice", "msrp"),
    "mileage": ("mileage", "odometer", "miles", "odometerreading"),
    "color": ("exteriorcolor", "extcolor", "color", "colour"),
    "photos": ("photourls", "photourl", "imagelist", "imageurls", "images", "photos", "pictures", "photo"),
    "listing_url": ("listingurl", "vdpurl", "vdp", "vehicleurl", "detailurl", "url", "link"),
}
REQUIRED = ("stock", "make", "model")
LABELS = {
    "stock": "stock number",
    "vin": "VIN",
    "listing_url": "listing URL",
    "photos": "photo URLs",
}
CONDITIONS = {
    "new": "new",
    "n": "new",
    "used": "used",
    "u": "used",
    "preowned": "used",
    "certified": "used",
    "cpo": "used",
    "certifiedpreowned": "used",
    "demo": "used",
}
DELIMITERS = (",", ";", "\t", "|")
SAVE_AS_CSV = "In your spreadsheet, use Save As with the type “CSV UTF-8 (comma delimited)” and upload that file."
_NOT_TEXT = (
    (b"PK\x03\x04", "This is an Excel workbook (or another zipped file), not a CSV file."),
    (b"\xd0\xcf\x11\xe0", "This is an old Excel workbook (.xls), not a CSV file."),
    (b"%PDF", "This is a PDF, not a CSV file."),
)


class SheetError(Exception):
    """The file as a whole cannot be read (not CSV, too big, no stock number column…)."""


@dataclass
class StockRow:
    """One line of the file: the vehicle as read, or what is wrong with it."""

    line: int
    stock: str
    vehicle: dict[str, Any] = field(default_factory=dict)
    photos: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def title(self) -> str:
        v = self.vehicle
        return " ".join(str(v[k]) for k in ("year", "make", "model", "trim") if v.get(k)) or "—"


@dataclass
class Sheet:
    """Every row of a file, checked; `columns` says which header fed which field."""

    rows: list[StockRow]
    columns: dict[str, str]
    ignored: list[str]
    delimiter: str
    encoding: str

    @property
    def valid(self) -> list[StockRow]:
        return [row for row in self.rows if row.ok]

    @property
    def invalid(self) -> list[StockRow]:
        return [row for row in self.rows if not row.ok]

    @property
    def named_stock(self) -> set[str]:
        """Every stock number the file names, on good rows and bad: a unit whose row is broken
        is left as it is, not taken for sold."""
        return {row.stock for row in self.rows if row.stock}


def decode(data: bytes) -> tuple[str, str]:
    """(text, encoding name) of an uploaded or fetched file, or `SheetError` saying what it is."""
    if len(data) > MAX_BYTES:
        raise SheetError(f"The file is larger than {MAX_BYTES // (1024 * 1024)} MB; split it.")
    for magic, what in _NOT_TEXT:
        if data.startswith(magic):
            raise SheetError(f"{what} {SAVE_AS_CSV}")
    for bom, encoding in (
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if data.startswith(bom):
            try:
                return data.decode(encoding), encoding
            except UnicodeDecodeError:
                break
    else:
        for encoding in ("utf-8", "cp1252"):
            try:
                text = data.decode(encoding)
            except UnicodeDecodeError:
                continue
            if "\x00" not in text:
                return text, encoding
    raise SheetError(f"This file could not be read as text. {SAVE_AS_CSV}")


def normalise_header(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


def match_columns(header: list[str]) -> tuple[dict[str, int], dict[str, str], list[str]]:
    """(field -> column index, field -> header as written, headers ignored)."""
    found = {normalise_header(name): index for index, name in reversed(list(enumerate(header)))}
    indexes: dict[str, int] = {}
    for name, aliases in ALIASES.items():
        for alias in aliases:
            if alias in found and found[alias] not in indexes.values():
                indexes[name] = found[alias]
                break
    columns = {name: header[index].strip() for name, index in indexes.items()}
    used = set(indexes.values())
    ignored = [name.strip() for index, name in enumerate(header) if index not in used and name.strip()]
    return indexes, columns, ignored


def sniff_delimiter(first_line: str) -> str:
    counts = Counter(char for char in first_line if char in DELIMITERS)
    return max(DELIMITERS, key=lambda d: counts[d]) if counts else ","


def read_sheet(data: bytes, *, progress: Callable[[int], None] | None = None, every: int = 2000) -> Sheet:
    """Check every row of an inventory file. `progress(rows_read)` is called every `every` rows."""
    text, encoding = decode(data)
    first_line = text.lstrip("\ufeff").split("\n", 1)[0]
    delimiter = sniff_delimiter(first_line)
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff"), newline=""), delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration:
        raise SheetError("The file is empty.") from None
    except csv.Error:
        raise SheetError(f"The first line could not be read as CSV. {SAVE_AS_CSV}") from None
    indexes, columns, ignored = match_columns(header)
    missing = [name for name in REQUIRED if name not in indexes]
    if missing:
        raise SheetError(
            f"No {' or '.join(_column_names(missing))} column in the first line"
            f" (found: {', '.join(h.strip() for h in header if h.strip()) or 'nothing'})."
            f" The first line must name the columns, for example: Stock #, VIN, Year, Make, Model, Trim, Price."
        )
    rows: list[StockRow] = []
    try:
        for number, cells in _numbered(reader):
            if not any(cell.strip() for cell in cells):
                continue
            if len(rows) >= MAX_ROWS:
                raise SheetError(f"The file has more than {MAX_ROWS:,} vehicles; split it by dealership.")
            values = {name: cells[index].strip() if index < len(cells) else "" for name, index in indexes.items()}
            rows.append(check_row(number, values))
            if progress is not None and len(rows) % every == 0:
                progress(len(rows))
    except csv.Error:
        raise SheetError(
            f"Line {reader.line_num} could not be read as CSV (a quote left open?). {SAVE_AS_CSV}"
        ) from None
    if not rows:
        raise SheetError("The file names its columns but has no vehicles.")
    _mark_duplicates(rows)
    return Sheet(rows=rows, columns=columns, ignored=ignored, delimiter=delimiter, encoding=encoding)


def _column_names(fields: list[str]) -> list[str]:
    return [{"stock": "stock number", "make": "make", "model": "model"}[name] for name in fields]


def _numbered(reader: Any) -> Iterator[tuple[int, list[str]]]:
    # The reader's line number after a row is where the row ends; a row starts one past the last.
    start = 2
    for cells in reader:
        yield start, cells
        start = reader.line_num + 1


def _mark_duplicates(rows: list[StockRow]) -> None:
    lines: dict[str, list[int]] = {}
    for row in rows:
        if row.stock:
            lines.setdefault(row.stock, []).append(row.line)
    for row in rows:
        others = [line for line in lines.get(row.stock, []) if line != row.line]
        if others:
            row.errors.append(f"stock number {row.stock!r} is also on line {', '.join(map(str, others))}")
    vins: dict[str, list[int]] = {}
    for row in rows:
        if row.ok and row.vehicle.get("vin"):
            vins.setdefault(row.vehicle["vin"], []).append(row.line)
    for row in rows:
        others = [line for line in vins.get(row.vehicle.get("vin", ""), []) if line != row.line]
        if others and row.ok:
            row.warnings.append(f"VIN {row.vehicle['vin']} is also on line {', '.join(map(str, others))}")


def check_row(line: int, values: dict[str, str]) -> StockRow:
    """One row's values (field -> text as written) checked and converted."""
    row = StockRow(line=line, stock=values.get("stock", "")[:64])
    errors, warnings = row.errors, row.warnings
    if not row.stock:
        errors.append("no stock number")
    elif len(row.stock) > 32:
        errors.append(f"stock number {row.stock!r} is longer than 32 characters")
    for name in ("make", "model"):
        if not values.get(name):
            errors.append(f"no {name}")
        elif len(values[name]) > 60:
            errors.append(f"{name} is longer than 60 characters")
    year = _year(values.get("year", ""), errors)
    vin = re.sub(r"[\s-]", "", values.get("vin", "")).upper()
    if vin:
        error, warning = vin_problem(vin, year)
        if error:
            errors.append(error)
        if warning:
            warnings.append(warning)
    condition = CONDITIONS.get(normalise_header(values.get("condition", "")), "")
    if values.get("condition") and not condition:
        errors.append(f"condition {values['condition']!r} is not new or used")
    price = _price(values.get("price", ""), errors)
    mileage = _mileage(values.get("mileage", ""), errors)
    listing = values.get("listing_url", "")
    if listing and not _is_url(listing):
        errors.append(f"listing URL {listing[:80]!r} is not an http(s) address")
    photos, dropped = split_photos(values.get("photos", ""))
    if dropped:
        warnings.append(f"{dropped} photo address(es) left out: not http(s) or longer than {MAX_URL} characters")
    if len(photos) > MAX_PHOTOS:
        warnings.append(f"{len(photos)} photos: only the first {MAX_PHOTOS} are kept")
        photos = photos[:MAX_PHOTOS]
    row.vehicle = {
        "vin": vin[:17],
        "year": year,
        "make": values.get("make", "")[:60],
        "model": values.get("model", "")[:60],
        "trim": values.get("trim", "")[:120],
        "condition": condition or "used",
        "price": price,
        "odometer": mileage,
        "color": values.get("color", "")[:40],
        "listing_url": listing if listing and len(listing) <= MAX_URL else "",
    }
    row.photos = photos
    return row


def _year(text: str, errors: list[str]) -> int | None:
    if not text:
        return None
    if not re.fullmatch(r"\d{4}", text) or not 1900 <= int(text) <= 2100:
        errors.append(f"year {text!r} is not a model year")
        return None
    return int(text)


def _price(text: str, errors: list[str]) -> Decimal | None:
    cleaned = re.sub(r"[\s$€£]|USD|CAD", "", text)
    if not cleaned or cleaned.lower().startswith("call") or cleaned in ("0", "0.00"):
        return None
    if re.fullmatch(r"\d{1,3}(\.\d{3})+,\d{2}", cleaned):  # 12.995,00 from a European spreadsheet
        cleaned = cleaned.replace(".", "").replace(",", ".")
    cleaned = cleaned.replace(",", "")
    try:
        price = Decimal(cleaned)
    except InvalidOperation:
        errors.append(f"price {text!r} is not an amount")
        return None
    if not price.is_finite() or price < 0 or price >= Decimal("10000000000"):
        errors.append(f"price {text!r} is not an amount")
        return None
    return price.quantize(Decimal("0.01"))


def _mileage(text: str, errors: list[str]) -> int | None:
    cleaned = re.sub(r"(?i)[\s,]|miles?|mi|km", "", text)
    if not cleaned:
        return None
    if cleaned.endswith(".0"):
        cleaned = cleaned[:-2]
    if not cleaned.isdigit() or int(cleaned) > 2_000_000:
        errors.append(f"mileage {text!r} is not a number of miles")
        return None
    return int(cleaned)


_URL = re.compile(r"https?://[^\s/?#]+[^\s]*", re.IGNORECASE)


def _is_url(text: str) -> bool:
    return bool(_URL.fullmatch(text))


def split_photos(text: str) -> tuple[list[str], int]:
    """(photo addresses in order, how many were left out). Pipes, commas, semicolons or spaces
    separate them; a pipe wins, since a comma may sit inside an address."""
    if not text.strip():
        return [], 0
    for separator in ("|", ",", ";"):
        if separator in text:
            parts = text.split(separator)
            break
    else:
        parts = text.split()
    photos = [p.strip() for p in parts if p.strip()]
    kept = list(dict.fromkeys(p for p in photos if _is_url(p) and len(p) <= MAX_URL))
    return kept, len([p for p in photos if not (_is_url(p) and len(p) <= MAX_URL)])

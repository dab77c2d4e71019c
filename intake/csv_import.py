"""CSV bulk import of leads: read and check every row first (a preview with per-row errors),
then take the valid rows in as leads with source kind "import", without any alert.

The columns are documented in docs/intake.md. Header names are matched in any case, with spaces
or dashes read as underscores; unknown columns are ignored and listed as a warning.
"""

from __future__ import annotations

import codecs
import csv
import io
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone

from accounts.models import Membership, User
from dealerships.models import Dealership, Department
from forecourt.lib.phone import to_e164
from leads import actions as lead_actions
from leads.matching import match_customer
from leads.models import Lead

MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 5000
COLUMNS = (
    "first_name",
    "last_name",
    "business_name",
    "email",
    "phone",
    "mobile",
    "street",
    "city",
    "region",
    "postal_code",
    "country",
    "department",
    "source",
    "received_at",
    "assigned_to",
    "vehicle_year",
    "vehicle_make",
    "vehicle_model",
    "vehicle_trim",
    "vehicle_vin",
    "vehicle_stock",
    "vehicle_condition",
    "comments",
)
DATE_FORMATS = ("%Y-%m-%d", "%m/%d/%Y", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%m/%d/%Y %H:%M")


class CsvError(Exception):
    """The file as a whole cannot be read (not CSV, too big, no known column)."""


@dataclass
class Row:
    line: int
    values: dict[str, str]
    errors: list[str] = field(default_factory=list)
    lead: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def name(self) -> str:
        parts = (self.values.get("first_name"), self.values.get("last_name"))
        return " ".join(p for p in parts if p) or self.values.get("business_name") or "—"


@dataclass
class Preview:
    rows: list[Row]
    warnings: list[str]

    @property
    def valid(self) -> list[Row]:
        return [row for row in self.rows if row.ok]

    @property
    def invalid(self) -> list[Row]:
        return [row for row in self.rows if not row.ok]


SAVE_AS_CSV = "In your spreadsheet, use Save As with the type “CSV UTF-8 (comma delimited)” and upload that file."
# Marks at the start of a file that say its encoding (UTF-32 before UTF-16: its mark starts the same).
_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# Files people pick by mistake, by their first bytes.
_NOT_TEXT = (
    (b"PK\x03\x04", "This is an Excel workbook (or another zipped file), not a CSV file."),
    (b"\xd0\xcf\x11\xe0", "This is an old Excel workbook (.xls), not a CSV file."),
    (b"%PDF", "This is a PDF, not a CSV file."),
)


def decode(data: bytes) -> str:
    """The file's text, in whichever encoding spreadsheets save CSV in: UTF-8 (with or without its
    mark), UTF-16 (Excel's "Unicode Text", with or without its mark), UTF-32, else Windows cp1252.
    Anything else gets a `CsvError` saying what the file seems to be and what to do."""
    if len(data) > MAX_BYTES:
        raise CsvError(f"The file is larger than {MAX_BYTES // (1024 * 1024)} MB; split it.")
    for magic, what in _NOT_TEXT:
        if data.startswith(magic):
            raise CsvError(f"{what} {SAVE_AS_CSV}")
    text = _decoded(data)
    if text is None or "\x00" in text:
        raise CsvError(
            "This file could not be read as text: it is not a text file, or its characters are in an "
            f"encoding we do not know. {SAVE_AS_CSV}"
        )
    return text


def _decoded(data: bytes) -> str | None:
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return _try(data, encoding)
    # UTF-16 without its mark: text in Latin letters has a zero in every other byte.
    head = data[:4096]
    if len(head) >= 4 and head.count(0) * 3 >= len(head):
        even, odd = head[0::2].count(0), head[1::2].count(0)
        return _try(data, "utf-16-be" if even > odd else "utf-16-le")
    return _try(data, "utf-8") or _try(data, "cp1252")


def _try(data: bytes, encoding: str) -> str | None:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError:
        return None


def _header(name: str) -> str:
    return "_".join(name.strip().lower().replace("-", " ").split())


def read_csv(text: str, *, dealership: Dealership) -> Preview:
    """Check every row; nothing is written."""
    try:
        dialect: Any = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text), dialect)
    try:
        header = [_header(h) for h in next(reader)]
    except StopIteration:
        raise CsvError("The file is empty.") from None
    except csv.Error:
        raise CsvError(f"This file could not be read as CSV. {SAVE_AS_CSV}") from None
    known = [h for h in header if h in COLUMNS]
    if not known:
        raise CsvError("No known column in the first line. The columns are: " + ", ".join(COLUMNS) + ".")
    warnings = []
    unknown = [h for h in header if h and h not in COLUMNS]
    if unknown:
        warnings.append("Ignored unknown columns: " + ", ".join(unknown))
    staff = {
        m.user.email.lower(): m.user
        for m in Membership.objects.filter(dealership=dealership, user__is_active=True).select_related("user")
    }
    rows: list[Row] = []
    try:
        for number, cells in enumerate(reader, start=2):
            if not any(cell.strip() for cell in cells):
                continue
            if len(rows) >= MAX_ROWS:
                raise CsvError(f"The file has more than {MAX_ROWS} rows; split it.")
            values = {h: (cells[i].strip() if i < len(cells) else "") for i, h in enumerate(header) if h in COLUMNS}
            rows.append(_check_row(Row(number, values), dealership, staff))
    except csv.Error:
        # Line numbers, not the reader's words ("field larger than field limit"), are what help.
        raise CsvError(f"Line {reader.line_num} could not be read as CSV. {SAVE_AS_CSV}") from None
    return Preview(rows, warnings)


def _parse_date(text: str, tz: ZoneInfo) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        for fmt in DATE_FORMATS:
            try:
                moment = datetime.strptime(text, fmt)
                break
            except ValueError:
                continue
        else:
            raise ValueError(text) from None
    if timezone.is_naive(moment):
        moment = moment.replace(tzinfo=tz)
    return moment


def _check_row(row: Row, dealership: Dealership, staff: dict[str, User]) -> Row:
    v = row.values
    country = dealership.country or "US"
    errors = row.errors
    phones = []
    for column, kind in (("phone", "voice"), ("mobile", "cellphone")):
        if v.get(column):
            number = to_e164(v[column], country)
            if number is None:
                errors.append(f"{column}: {v[column]!r} is not a phone number")
            else:
                phones.append({"number": number, "raw": v[column][:64], "type": kind})
    emails = []
    if v.get("email"):
        if "@" not in v["email"] or " " in v["email"].strip():
            errors.append(f"email: {v['email']!r} is not an email address")
        else:
            emails.append(v["email"][:254])
    named = v.get("first_name") or v.get("last_name") or v.get("business_name")
    if not (named or phones or emails or any(e.startswith(("phone", "mobile", "email")) for e in errors)):
        errors.append("a name, a phone number or an email is needed")
    department = (v.get("department") or Department.SALES).lower()
    if department not in Department.values:
        errors.append(f"department: {v['department']!r} is not one of {', '.join(Department.values)}")
    received_at = timezone.now()
    if v.get("received_at"):
        try:
            received_at = _parse_date(v["received_at"], ZoneInfo(dealership.timezone))
        except ValueError:
            errors.append(f"received_at: {v['received_at']!r} is not a date (use 2026-03-16 or 2026-03-16 14:30)")
    assigned_to = None
    if v.get("assigned_to"):
        assigned_to = staff.get(v["assigned_to"].lower())
        if assigned_to is None:
            errors.append(f"assigned_to: nobody {v['assigned_to']!r} works at {dealership.name}")
    year = None
    if v.get("vehicle_year"):
        year = int(v["vehicle_year"]) if v["vehicle_year"].isdigit() else None
        if year is None or not 1886 <= year <= 2200:
            errors.append(f"vehicle_year: {v['vehicle_year']!r} is not a year")
    condition = (v.get("vehicle_condition") or "").lower()
    if condition and condition not in ("new", "used"):
        errors.append(f"vehicle_condition: {v['vehicle_condition']!r} is not new or used")
    if v.get("vehicle_vin") and len(v["vehicle_vin"]) > 17:
        errors.append(f"vehicle_vin: {v['vehicle_vin']!r} is longer than 17 characters")
    if errors:
        return row
    vehicle = {
        "year": year,
        "make": v.get("vehicle_make", "")[:60],
        "model": v.get("vehicle_model", "")[:60],
        "trim": v.get("vehicle_trim", "")[:200],
        "vin": v.get("vehicle_vin", "").upper(),
        "stock": v.get("vehicle_stock", "")[:32],
        "condition": condition,
    }
    has_vehicle = any(vehicle[f] for f in ("year", "make", "model", "vin", "stock"))
    row.lead = {
        "customer": {
            "first_name": v.get("first_name", "")[:100],
            "last_name": v.get("last_name", "")[:100],
            "business_name": v.get("business_name", "")[:200],
            "emails": emails,
            "phones": phones,
            "address": {
                "street": [v["street"][:200]] if v.get("street") else [],
                "city": v.get("city", "")[:100],
                "region": v.get("region", "")[:100],
                "postal_code": v.get("postal_code", "")[:20],
                "country": v.get("country", "").upper() if len(v.get("country", "")) == 2 else "",
            },
        },
        "department": department,
        "source_name": (v.get("source") or "Import")[:100],
        "received_at": received_at,
        "assigned_to": assigned_to,
        "vehicles": [vehicle | {"search_vehicle": not vehicle["stock"]}] if has_vehicle else [],
        "comments": v.get("comments", ""),
    }
    return row


def import_rows(*, dealership: Dealership, preview: Preview, actor: User | None) -> list[Lead]:
    """Take the valid rows in as leads (source kind "import"); repeat customers are matched. No alerts."""
    leads = []
    country = dealership.country or "US"
    with transaction.atomic():
        for row in preview.valid:
            data = dict(row.lead)
            customer_data = data.pop("customer")
            existing = match_customer(organization=dealership.organization, data=customer_data, country=country)
            if existing is not None:
                lead_actions.add_customer_contacts(customer=existing, data=customer_data, country=country)
            else:
                existing = lead_actions.create_customer(
                    organization=dealership.organization, data=customer_data, country=country
                )
            leads.append(
                lead_actions.create_lead(
                    dealership=dealership,
                    customer=customer_data,
                    existing_customer=existing,
                    source_kind=Lead.SourceKind.IMPORT,
                    actor=actor,
                    **data,
                )
            )
    return leads

"""Finding leads: the search box (name, phone in any format or its last digits, email, VIN, stock)
and the filters.

Each kind of query is answered from an index: phones in E.164 or by how they end (their digits
stored last first), emails exactly, names by prefix of the upper-cased names each lead carries, VIN
and stock exactly.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet

from forecourt.lib.phone import digits_last_first, to_e164
from inventory.models import Vehicle
from leads.models import Customer, CustomerEmail, CustomerPhone, Lead, VehicleInterest

VIN_PATTERN = re.compile(r"^[A-HJ-NPR-Z0-9]{17}$", re.IGNORECASE)
PHONE_PATTERN = re.compile(r"^[\d\s().+\-]+$")
# The fewest digits that find a phone by how it ends: the last four, as people read them out.
# Fewer would match one customer in a hundred ("142"), and a year or a price looks like that too.
PHONE_END_DIGITS = 4
# A search matching at most this many customers or vehicles is answered from their id list.
MATCH_LIMIT = 5000
NEWEST_FIRST = ("-received_at", "-id")
OLDEST_FIRST = ("received_at", "id")


@dataclass(frozen=True)
class LeadFilters:
    """What a leads list or API call asks for; every field optional."""

    q: str = ""
    status: str = ""  # a Lead.Status value, or "open" for new, working and appointment
    source: str = ""
    assigned_to: str = ""  # an email, or "none" for unassigned leads
    department: str = ""
    dealership: str = ""  # a slug
    has_search_vehicle: bool | None = None


def search(leads: QuerySet[Lead], q: str, *, country: str = "US") -> QuerySet[Lead]:
    """Leads whose customer or vehicle matches `q`; `leads` is already scoped to the user."""
    q = q.strip()
    if not q:
        return leads
    if "@" in q:
        emails = _few(CustomerEmail.objects.filter(email=q.lower()), "customer_id")
        return leads.filter(Q(customer_id__in=emails) | Q(co_customer_id__in=emails))
    if VIN_PATTERN.match(q):
        return leads.filter(pk__in=_few(VehicleInterest.objects.filter(vin=q.upper()), "lead_id"))
    by_stock = Q(pk__in=_few(VehicleInterest.objects.filter(stock__in={q, q.upper()}), "lead_id"))
    if (by_phone := phone_matches(q, country)) is not None:
        phones = _few(CustomerPhone.objects.filter(by_phone), "customer_id")
        # A stock number can look like a phone number; both are asked for.
        return leads.filter(Q(customer_id__in=phones) | Q(co_customer_id__in=phones) | by_stock)
    return leads.filter(_lead_name_matches(q) | by_stock)


def phone_matches(q: str, country: str) -> Q | None:
    """Phones that are `q` in any format, or end with its digits ("555-0142", "0142"); None when
    `q` is no phone number or too short a part of one.

    Numbers kept only as written (not real numbers, so no E.164) are found by their digits too.
    """
    if not PHONE_PATTERN.match(q):
        return None
    ending = digits_last_first(q)
    if len(ending) < PHONE_END_DIGITS:
        return None
    condition = _starts_with_digits("search_key", ending)
    if number := to_e164(q, country):
        # A number written with a trunk prefix (UK "07911 123456") does not end as its E.164 does.
        condition |= Q(number=number)
    return condition


def _starts_with_digits(field: str, digits: str) -> Q:
    """`field` starts with `digits`, as a range of digit strings: [digits, the next such prefix).

    A range uses the field's plain index on SQLite (whose LIKE would not) and on PostgreSQL under
    any collation, since strings of digits sort digit by digit everywhere.
    """
    condition = Q(**{f"{field}__gte": digits})
    stem = digits.rstrip("9")
    if stem:  # "2419" is followed by "242"; "999" by nothing of the same length
        condition &= Q(**{f"{field}__lt": stem[:-1] + str(int(stem[-1]) + 1)})
    return condition


def _few(matches: QuerySet[Any, Any], field: str) -> list[int] | QuerySet[Any, Any]:
    """The ids of `matches` as a list when there are few, else the query itself.

    A short list lets the database fetch exactly those leads through an index and sort them; a
    subquery it could only test lead by lead, newest first, which is quick only when matches are
    many (a one-letter name) and every page fills at once.
    """
    ids = list(matches.order_by().values_list(field, flat=True)[: MATCH_LIMIT + 1])
    return ids if len(ids) <= MATCH_LIMIT else matches.values(field)


def _lead_name_matches(q: str) -> Q:
    """Every word of `q` starts the lead's customer's first, last or business name.

    Compared with the names each lead carries (`Lead.search_last_name` and the others), not the
    customer's own: a broad name ("Smi", thousands of customers) is then a range of a name index
    that PostgreSQL intersects with the salesperson's or the dealership's leads, instead of one
    customer read for every lead walked. The same leads as `_name_matches` finds customers of.
    """
    condition = Q()
    for word in q.upper().split()[:4]:
        condition &= (
            Q(search_first_name__startswith=word)
            | Q(search_last_name__startswith=word)
            | Q(search_business_name__startswith=word)
        )
    return condition


def _name_matches(q: str) -> Q:
    """Every word of `q` starts the customer's first, last or business name."""
    condition = Q()
    for word in q.upper().split()[:4]:
        condition &= (
            Q(first_name__upper__startswith=word)
            | Q(last_name__upper__startswith=word)
            | Q(business_name__upper__startswith=word)
        )
    return condition


def page_of(
    leads: QuerySet[Lead],
    start: int,
    stop: int,
    *,
    details: Callable[[QuerySet[Lead]], QuerySet[Lead]],
    oldest_first: bool = False,
) -> list[Lead]:
    """Leads `start` to `stop` of `leads`, newest first (oldest first with `oldest_first`, for the
    page before a place), each with what `details` fetches for it.

    The page's ids are found first, on their own: asked for nothing but ids, PostgreSQL can find a
    salesperson's matches for a broad name ("Smi") from indexes alone (see the leads migration
    0006), where asked for whole rows it read every one of their leads first. Then only the leads
    of the page are read in full.
    """
    order = OLDEST_FIRST if oldest_first else NEWEST_FIRST
    ids = list(leads.order_by(*order).values_list("pk", flat=True)[start:stop])
    found = {lead.pk: lead for lead in details(Lead.objects.filter(pk__in=ids))}
    return [found[pk] for pk in ids if pk in found]


# Places in the list -----------------------------------------------------------------------------
# A place names a lead by (received_at, id), the order of the list, so the next page starts right
# after the last lead shown, costs the same at lead 10 as at lead 10 million, and leads arriving
# meanwhile move nothing.


def place_of(lead: Lead) -> str:
    """Where `lead` stands in the list, as a short URL-safe text."""
    return base64.urlsafe_b64encode(f"{lead.received_at.isoformat()}|{lead.pk}".encode()).decode().rstrip("=")


def read_place(place: str) -> tuple[datetime, int]:
    """The (received_at, id) of a `place_of` text; ValueError when it is no such text."""
    try:
        text = base64.urlsafe_b64decode(place + "=" * (-len(place) % 4)).decode()
        moment_text, _, id_text = text.partition("|")
        moment, lead_id = datetime.fromisoformat(moment_text), int(id_text)
        if moment.tzinfo is None or not 0 < lead_id < 2**63:
            raise ValueError(place)
        return moment.astimezone(UTC), lead_id
    except (ValueError, OverflowError, binascii.Error, UnicodeDecodeError):
        raise ValueError(place) from None


def older_than(leads: QuerySet[Lead], place: tuple[datetime, int]) -> QuerySet[Lead]:
    moment, lead_id = place
    return leads.filter(Q(received_at__lt=moment) | Q(received_at=moment, id__lt=lead_id))


def newer_than(leads: QuerySet[Lead], place: tuple[datetime, int]) -> QuerySet[Lead]:
    moment, lead_id = place
    return leads.filter(Q(received_at__gt=moment) | Q(received_at=moment, id__gt=lead_id))


def apply_filters(leads: QuerySet[Lead], filters: LeadFilters, *, country: str = "US") -> QuerySet[Lead]:
    if filters.status == "open":
        leads = leads.filter(status__in=Lead.OPEN_STATUSES)
    elif filters.status:
        leads = leads.filter(status=filters.status)
    if filters.source:
        leads = leads.filter(source_name=filters.source)
    if filters.assigned_to == "none":
        leads = leads.filter(assigned_to__isnull=True)
    elif filters.assigned_to:
        leads = leads.filter(assigned_to__email=filters.assigned_to.lower())
    if filters.department:
        leads = leads.filter(department=filters.department)
    if filters.dealership:
        leads = leads.filter(dealership__slug=filters.dealership)
    if filters.has_search_vehicle is not None:
        with_search = Exists(VehicleInterest.objects.filter(lead_id=OuterRef("pk"), search_vehicle=True))
        leads = leads.filter(with_search if filters.has_search_vehicle else ~with_search)
    return search(leads, filters.q, country=country)


def search_customers(customers: QuerySet[Customer], q: str, *, country: str = "US", limit: int = 10) -> list[Customer]:
    """Past customers matching `q` (email, phone in any format, or name prefixes), for picking one.

    `customers` is already scoped to the organisation; at most `limit` come back, newest first.
    """
    q = q.strip()
    if len(q) < 2:
        return []
    if "@" in q:
        matches = customers.filter(
            Exists(CustomerEmail.objects.filter(customer_id=OuterRef("pk"), email__startswith=q.lower()))
        )
    elif PHONE_PATTERN.match(q):
        by_phone = phone_matches(q, country)
        if by_phone is None:
            return []
        matches = customers.filter(Exists(CustomerPhone.objects.filter(by_phone, customer_id=OuterRef("pk"))))
    else:
        matches = customers.filter(_name_matches(q))
    return list(matches.prefetch_related("phones", "emails").order_by("-created_at", "-id")[:limit])


def search_stock(stock: QuerySet[Vehicle], q: str, *, limit: int = 10) -> list[Vehicle]:
    """Stock vehicles matching `q`: a stock number, a whole VIN or its last digits, or make/model words."""
    q = q.strip()
    if not q:
        return []
    upper = q.upper()
    if VIN_PATTERN.match(q):
        condition = Q(vin=upper)
    else:
        condition = Q(stock__iexact=q)
        if len(q) >= 4 and q.isalnum():
            # Salespeople read the last digits of a VIN off the windshield.
            condition |= Q(vin__endswith=upper)
        words = Q()
        for word in q.split()[:3]:
            words &= Q(make__istartswith=word) | Q(model__istartswith=word) | Q(trim__istartswith=word)
        condition |= words
    return list(stock.filter(condition).order_by("make", "model", "-year", "stock")[:limit])

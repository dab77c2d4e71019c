"""Which leads a report adds up for whom: the one scope every report, screen, CSV and API uses.

A report counts the leads that *arrived* in the period (whole days in each dealership's zone) at
the dealerships asked about, and only those the asker may see (`leads_visible_to`). Where the
asker sells rather than manages, only the leads assigned to them count: a salesperson's report
is their own figures, not those of the leads they help a colleague on.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from django.db import connection, transaction
from django.db.models import Q, QuerySet

from accounts.models import User
from accounts.queries import dealerships_of, dealerships_seen_whole_by
from dealerships.models import Dealership
from leads.models import Lead
from leads.queries import leads_visible_to
from reports.period import Period

# How a report can group its rows, and the lead field each grouping reads.
GROUPINGS = {
    "salesperson": "assigned_to__email",
    "source": "source_name",
    "dealership": "dealership__slug",
    "department": "department",
}


class UnknownDealership(LookupError):
    """The asker works at no dealership of that slug."""


def report_dealerships(user: User, slug: str | None = None) -> list[Dealership]:
    """The dealerships a report covers: the one named, or every one the user works at."""
    dealerships = dealerships_of(user).order_by("name")
    if slug:
        dealerships = dealerships.filter(slug=slug)
        if not dealerships:
            raise UnknownDealership(f"You work at no dealership '{slug}'.")
    return list(dealerships)


def manages_any(user: User) -> bool:
    return dealerships_seen_whole_by(user).exists()


def within_period(dealerships: Sequence[Dealership], period: Period, field: str = "received_at") -> Q:
    """`field` falls within the period, each dealership's days in its own zone."""
    where = Q(pk__in=[])
    for dealership in dealerships:
        start, end = period.bounds(dealership.timezone)
        where |= Q(dealership_id=dealership.pk, **{f"{field}__gte": start, f"{field}__lt": end})
    return where


def report_leads(user: User, dealerships: Sequence[Dealership], period: Period) -> QuerySet[Lead]:
    """The leads the user's report over `period` counts (see the module docstring)."""
    managed = set(dealerships_seen_whole_by(user).values_list("pk", flat=True))
    own = Q(pk__in=[])
    for dealership in dealerships:
        if dealership.pk not in managed:
            own |= Q(dealership_id=dealership.pk)
    scope = leads_visible_to(user).filter(within_period(dealerships, period))
    return scope.exclude(own & ~Q(assigned_to_id=user.pk))


def row_labels(keys: Sequence[str | None], by: str, dealerships: Sequence[Dealership]) -> dict[str | None, str]:
    """What a row is called on screen: a salesperson's name, a dealership's name, a source."""
    if by == "salesperson":
        names = dict(User.objects.filter(email__in=[k for k in keys if k]).values_list("email", "name"))
        return {key: (names.get(key) or key) if key else "Unassigned" for key in keys}
    if by == "dealership":
        by_slug = {d.slug: d.name for d in dealerships}
        return {key: by_slug.get(key or "", key or "") for key in keys}
    if by == "department":
        return {key: (key or "").capitalize() for key in keys}
    return {key: key or "(no source)" for key in keys}


@contextmanager
def report_reads() -> Iterator[None]:
    """On PostgreSQL, a report's reads in one transaction with JIT compilation off: they are
    short aggregates over a few thousand leads, for which compiling (tens of milliseconds per
    query) costs more than it saves; and with room to sort them in memory. Reads, and the
    Activity report's counts of past days inserted without waiting on anyone: no lock that
    would hold up a writer."""
    if connection.vendor != "postgresql":
        yield
        return
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL jit = off")
            # Sorting a few tens of thousands of leads for percentiles fits in memory, not on disk.
            cursor.execute("SET LOCAL work_mem = '32MB'")
        yield

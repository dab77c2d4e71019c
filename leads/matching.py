"""Recognising a repeat customer: the one rule for intake, the API, the new-lead screen and imports.

A customer is matched within the organisation by a real E.164 phone number or an email address.
Some addresses say nothing about who the person is, so they never match anybody: the masked
relays that listing sites hand out per lead (CarGurus, TrueCar, Cars.com…), mailboxes that are
nobody (`noreply@`), and what people type when a form insists on an address they won't give
(`none@none.com`, `noemail@gmail.com`, `test@test.com`). Made-up phone numbers are already
refused by `forecourt.lib.phone.to_e164`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from functools import partial
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from dealerships.models import Organization
from forecourt.lib.batch import read_once, remember, revise, taking_many, write_pending
from forecourt.lib.phone import to_e164
from leads.models import Customer, CustomerEmail, CustomerMatchLock, CustomerPhone

# Domains (and their subdomains) whose addresses are per-lead relays, not the customer's own.
MASKED_EMAIL_DOMAINS: tuple[str, ...] = (
    "anon.cargurus.com",
    "leads.truecarmail.com",
    "truecarmail.com",
    "reply.cars.com",
    "messages.cars.com",
    "relay.autotrader.com",
    "marketplace.facebook.com",
)
# Mailbox names that are never a person.
_NOBODY = re.compile(r"^(no-?reply|do-?not-?reply|noreply-[^@]*|mailer-daemon|postmaster)$", re.IGNORECASE)
# What a person types instead of their address (compared without dots, dashes and underscores).
_DECLINED_NAMES = frozenset(
    [
        "none",
        "noemail",
        "nomail",
        "noaddress",
        "noemailaddress",
        "na",
        "nna",
        "unknown",
        "null",
        "nil",
        "test",
        "testemail",
        "email",
        "declined",
        "refused",
        "donotemail",
        "dontemail",
        "nobody",
        "notprovided",
        "notgiven",
        "noneprovided",
        "noname",
        "asdf",
        "x",
        "xx",
        "xxx",
    ]
)
_DECLINED_DOMAINS = frozenset(
    [
        "none.com",
        "noemail.com",
        "nomail.com",
        "no.com",
        "na.com",
        "domain.com",
        "test.com",
        "unknown.com",
        "nowhere.com",
        "email.none",
    ]
)


def masked_domains() -> tuple[str, ...]:
    """The relay domains, ours included (a lead forwarded back to us carries our relay address)."""
    return (*MASKED_EMAIL_DOMAINS, settings.RELAY_DOMAIN.lower())


def identifies_nobody(address: str) -> bool:
    """True for an address that must never match one customer to another (see the module's doc)."""
    address = (address or "").strip().lower()
    local, _, domain = address.rpartition("@")
    if not local or not domain:
        return True
    if _NOBODY.match(local) or re.sub(r"[._\-]", "", local) in _DECLINED_NAMES or domain in _DECLINED_DOMAINS:
        return True
    return any(domain == masked or domain.endswith("." + masked) for masked in masked_domains())


def identifying_emails(emails: Iterable[str]) -> list[str]:
    return [e.strip().lower() for e in emails if e and not identifies_nobody(e)]


def identifying_phones(phones: Iterable[Mapping[str, Any]], country: str) -> list[str]:
    numbers = []
    for phone in phones:
        number = to_e164(str(phone.get("number") or phone.get("raw") or ""), country)
        if number and phone.get("type") != CustomerPhone.Type.FAX:
            numbers.append(number)
    return numbers


def match_customer(*, organization: Organization, data: Mapping[str, Any], country: str) -> Customer | None:
    """The organisation's customer with one of the identifying emails or phone numbers of `data`
    (a customer dict: `emails`, `phones`), by email first; the oldest such customer."""
    emails = identifying_emails(data.get("emails") or [])
    phones = identifying_phones(data.get("phones") or [], country)
    if taking_many():
        return _match_in_batch(organization, emails, phones)
    by_email = CustomerEmail.objects.filter(customer__organization=organization, email__in=emails)
    by_phone = CustomerPhone.objects.filter(customer__organization=organization, number__in=phones)
    for wanted, rows in ((emails, by_email), (phones, by_phone)):
        if wanted and (row := rows.select_related("customer").order_by("customer_id").first()):
            return row.customer
    return None


# In a batch of many (`forecourt.lib.batch`) ----------------------------------------------------


def read_ahead(customers: Iterable[tuple[Organization, Mapping[str, Any], str]]) -> None:
    """Look up every customer a batch's leads may match ((organisation, customer dict, country) each),
    in two queries per organisation for the whole batch: what `match_customer` then finds for each
    of them without asking the database again. Under the batch's customer-matching lock, taken
    here (`_lock_for_batch`), so no customer they may be is made meanwhile elsewhere."""
    wanted: dict[int, tuple[Organization, set[str], set[str]]] = {}
    for organization, data, country in customers:
        _, emails, phones = wanted.setdefault(organization.pk, (organization, set(), set()))
        emails.update(identifying_emails(data.get("emails") or []))
        phones.update(identifying_phones(data.get("phones") or [], country))
    _lock_for_batch(list(wanted.values()))
    for organization, emails, phones in wanted.values():
        for kind, values in (("email", emails), ("phone", phones)):
            if values:
                oldest = _oldest(organization, kind, sorted(values))
                for value in values:
                    remember(_contact(organization.pk, kind, value), oldest.get(value))


def note_contacts(customer: Customer, *, emails: Iterable[str], numbers: Iterable[str]) -> None:
    """`customer` was just given `emails` and phone `numbers` in a batch of many: the batch's later
    leads find them as they would in the database (the oldest customer holding each)."""

    def oldest(held: Customer | None) -> Customer:
        return held if held is not None and held.pk < customer.pk else customer

    for kind, values in (("email", emails), ("phone", numbers)):
        for value in values:
            revise(_contact(customer.organization_id, kind, value), oldest)


def _match_in_batch(organization: Organization, emails: list[str], phones: list[str]) -> Customer | None:
    """`match_customer`'s rule, each address and number read once for the batch (`read_ahead`)."""
    for kind, wanted in (("email", emails), ("phone", phones)):
        found = [
            customer
            for value in wanted
            if (
                customer := read_once(
                    _contact(organization.pk, kind, value), partial(_oldest_one, organization, kind, value)
                )
            )
            is not None
        ]
        if found:
            # It may be one this batch made: its rows are written before anything reads them back.
            write_pending()
            return min(found, key=lambda customer: customer.pk)
    return None


def _contact(organization_id: int, kind: str, value: str) -> tuple[str, int, str, str]:
    return ("customer_contact", organization_id, kind, value)


def _oldest_one(organization: Organization, kind: str, value: str) -> Customer | None:
    return _oldest(organization, kind, [value]).get(value)


def _oldest(organization: Organization, kind: str, values: list[str]) -> dict[str, Customer]:
    """The organisation's oldest customer holding each of `values` (emails, or E.164 numbers)."""
    model: type[CustomerEmail | CustomerPhone] = CustomerEmail if kind == "email" else CustomerPhone
    column = "email" if kind == "email" else "number"
    rows = model.objects.filter(customer__organization=organization, **{f"{column}__in": values})
    oldest: dict[str, Customer] = {}
    for row in rows.select_related("customer").order_by("customer_id"):
        oldest.setdefault(getattr(row, column), row.customer)
    return oldest


def _lock_for_batch(wanted: list[tuple[Organization, set[str], set[str]]]) -> None:
    """The customer-matching lock of a batch of many, for each organisation of `wanted`
    (organisation, emails, phone numbers), held until the batch's transaction ends.

    On PostgreSQL it is narrowed to the contacts the batch may match, so that two processes
    taking batches in at once wait for each other only when they may meet the same customer: the
    organisation's lock row is taken in share mode (whoever takes the whole lock, for one text or
    a merge, still waits for the batch, and the batch for them), and one advisory lock per email
    address and phone number, every one of the batch's in one statement, in one order, so that
    two batches never each hold what the other waits for. A customer is matched by nothing else
    (`match_customer`), and the contacts a batch adds to a customer are among those it locked.
    Elsewhere (SQLite, whose writers take turns anyway) the whole lock is taken.
    """
    for organization, _, _ in sorted(wanted, key=lambda entry: entry[0].pk):
        remember(("customer_matching_lock", organization.pk), True)
        if connection.vendor != "postgresql":
            _take_lock(organization)
            continue
        with connection.cursor() as cursor:
            cursor.execute(_SHARE_LOCK, [organization.pk])
            if cursor.fetchone() is None:  # first use: made as `_take_lock` makes it
                CustomerMatchLock.objects.bulk_create(
                    [CustomerMatchLock(organization=organization, taken_at=timezone.now())], ignore_conflicts=True
                )
                cursor.execute(_SHARE_LOCK, [organization.pk])
    keys = [
        f"{organization.pk}:{kind}:{value}"
        for organization, emails, phones in wanted
        for kind, values in (("email", emails), ("phone", phones))
        for value in values
    ]
    if keys and connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(_CONTACT_LOCKS, [_CONTACT_LOCK_SPACE, keys])


_SHARE_LOCK = "SELECT 1 FROM leads_customermatchlock WHERE organization_id = %s FOR SHARE"
# Advisory locks of the contacts' hashes, in ascending order; the space keeps them apart from others'.
_CONTACT_LOCK_SPACE = 1_835_101_285
_CONTACT_LOCKS = (
    "SELECT pg_advisory_xact_lock(%s::int, key) FROM "
    "(SELECT DISTINCT hashtext(contact) AS key FROM unnest(%s::text[]) AS contact ORDER BY key) AS keys"
)


def lock_customer_matching(*, organization: Organization) -> None:
    """Hold the organisation's customer-matching lock until the caller's transaction ends.

    Call it before `match_customer` when the transaction may create the customer it did not find:
    a second process doing the same waits here, then finds the customer the first one made,
    instead of making another (twenty copies of one lead at once made up to twenty customers).
    The lock is an UPDATE of one row, so it works alike on PostgreSQL (a row lock) and SQLite
    (the write lock, which IMMEDIATE transactions already take at their start); the row is made
    the first time an organisation needs it.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("lock_customer_matching needs a transaction to hold the lock in")
    if taking_many():
        # One transaction without savepoints (`forecourt.lib.batch`): the batch's lock, taken as it
        # read ahead (`_lock_for_batch`), holds for all its leads. Elsewhere a rolled-back savepoint
        # may have released it.
        read_once(("customer_matching_lock", organization.pk), lambda: _take_lock(organization))
    else:
        _take_lock(organization)


def _take_lock(organization: Organization) -> None:
    now = timezone.now()
    held = CustomerMatchLock.objects.filter(organization=organization)
    if held.update(taken_at=now):
        return
    # First use: a process inserting the row at the same moment makes this insert wait for its
    # commit and then do nothing; the UPDATE below then waits for the lock like any other.
    CustomerMatchLock.objects.bulk_create(
        [CustomerMatchLock(organization=organization, taken_at=now)], ignore_conflicts=True
    )
    held.update(taken_at=now)

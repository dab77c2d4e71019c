"""Finding customers who look like one person (`customers.keys`), with the reasons in words.

Two ways in: every likely pair among the customers of a dealership (the "Possible duplicates"
list), and the likely twins of one customer (the notice on a lead page), which reads only the
rows that could match so that opening a lead stays cheap. Pairs someone dismissed
(`NotDuplicate`) are left out of both.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import combinations

from django.db.models import Q, QuerySet, Value
from django.db.models.functions import Lower, Replace

from customers.keys import GMAIL_DOMAINS, email_key, name_postcode_key
from customers.models import NotDuplicate
from dealerships.models import Dealership
from forecourt.lib.phone import digits_last_first, display, to_e164
from leads.matching import identifies_nobody
from leads.models import Customer, CustomerEmail, CustomerPhone

# A key shared by more customers than this is no person's (a dealership's own number typed in
# as the customer's, a family's shared address): it suggests nothing.
CROWDED_KEY = 6


@dataclass
class Suggestion:
    """Two customers (lower id first) who look like one person, and why."""

    first: Customer
    second: Customer
    reasons: list[str] = field(default_factory=list)


def phone_key(number: str | None, raw: str, country: str) -> str:
    """The E.164 number a stored phone stands for, read again from what was written if need be."""
    return number or to_e164(raw, country) or ""


def _written(number: str | None, raw: str) -> str:
    return raw or display(number or "")


def _pairs(groups: dict[str, dict[int, str]], reason: str, found: dict[tuple[int, int], list[str]]) -> None:
    for members in groups.values():
        if len(members) < 2 or len(members) > CROWDED_KEY:
            continue
        for (a, a_written), (b, b_written) in combinations(sorted(members.items()), 2):
            shown = a_written if a_written == b_written else f"{a_written} and {b_written}"
            found.setdefault((a, b), []).append(f"{reason}: {shown}")


def dismissed_pairs(ids: Iterable[int]) -> set[tuple[int, int]]:
    ids = list(ids)
    rows = NotDuplicate.objects.filter(Q(first_id__in=ids) | Q(second_id__in=ids))
    return set(rows.values_list("first_id", "second_id"))


def suggestions(*, dealership: Dealership, among: QuerySet[Customer]) -> list[Suggestion]:
    """Likely pairs in `among` (the customers the user may merge), of which at least one is a
    customer of `dealership`, the most reasons first."""
    country = dealership.country or "US"
    phones: dict[str, dict[int, str]] = defaultdict(dict)
    for customer_id, number, raw, kind in CustomerPhone.objects.filter(customer__in=among).values_list(
        "customer_id", "number", "raw", "type"
    ):
        if kind != CustomerPhone.Type.FAX and (key := phone_key(number, raw, country)):
            phones[key].setdefault(customer_id, _written(number, raw))
    emails: dict[str, dict[int, str]] = defaultdict(dict)
    for customer_id, address in CustomerEmail.objects.filter(customer__in=among).values_list("customer_id", "email"):
        if not identifies_nobody(address) and (key := email_key(address)):
            emails[key].setdefault(customer_id, address.strip())
    names: dict[str, dict[int, str]] = defaultdict(dict)
    for customer_id, first, last, postal in among.exclude(postal_code="").values_list(
        "id", "first_name", "last_name", "postal_code"
    ):
        if key := name_postcode_key(first, last, postal):
            names[key].setdefault(customer_id, f"{first} {last}, {postal}")
    found: dict[tuple[int, int], list[str]] = {}
    _pairs(phones, "Same phone", found)
    _pairs(emails, "Same email", found)
    _pairs(names, "Same name and postcode", found)
    if not found:
        return []
    ids = {i for pair in found for i in pair}
    here = set(among.filter(pk__in=ids, leads__dealership=dealership).values_list("pk", flat=True))
    dismissed = dismissed_pairs(ids)
    pairs = {p: r for p, r in found.items() if p not in dismissed and (p[0] in here or p[1] in here)}
    customers = Customer.objects.in_bulk({i for pair in pairs for i in pair})
    result = [Suggestion(customers[a], customers[b], reasons) for (a, b), reasons in pairs.items()]
    result.sort(key=lambda s: (-len(s.reasons), -s.second.pk))
    return result


def twins_of(customer: Customer, *, among: QuerySet[Customer], country: str) -> list[Suggestion]:
    """The customers in `among` who look like `customer`, each with its reasons."""
    found: dict[int, list[str]] = defaultdict(list)
    others = among.exclude(pk=customer.pk)
    for number, raw, kind in customer.phones.values_list("number", "raw", "type"):
        key = phone_key(number, raw, country)
        if not key or kind == CustomerPhone.Type.FAX:
            continue
        ending = digits_last_first(key)[:7]  # any way of writing it ends with these digits
        candidates = CustomerPhone.objects.filter(customer__in=others, search_key__startswith=ending)
        for other_id, o_number, o_raw in candidates.values_list("customer_id", "number", "raw"):
            if phone_key(o_number, o_raw, country) == key:
                mine, theirs = _written(number, raw), _written(o_number, o_raw)
                found[other_id].append(f"Same phone: {mine if mine == theirs else f'{mine} and {theirs}'}")
    for address in customer.emails.values_list("email", flat=True):
        key = email_key(address)
        if not key or identifies_nobody(address):
            continue
        local, _, domain = key.partition("@")
        domains = GMAIL_DOMAINS if domain in GMAIL_DOMAINS else {domain}
        at_domain = Q()
        for name in domains:
            at_domain |= Q(email__iendswith="@" + name)
        rows = CustomerEmail.objects.filter(at_domain, customer__in=others)
        plain = Replace(Lower("email"), Value("."), Value("")) if domain in GMAIL_DOMAINS else Lower("email")
        rows = rows.annotate(plain=plain).filter(plain__startswith=local)
        for other_id, other in rows.values_list("customer_id", "email"):
            if email_key(other) == key and not identifies_nobody(other):
                shown = address if address.strip() == other.strip() else f"{address} and {other.strip()}"
                found[other_id].append(f"Same email: {shown}")
    key = name_postcode_key(customer.first_name, customer.last_name, customer.postal_code)
    if key:
        same_name = others.filter(
            first_name__upper=customer.first_name.upper(), last_name__upper=customer.last_name.upper()
        ).exclude(postal_code="")
        for other_id, first, last, postal in same_name.values_list("id", "first_name", "last_name", "postal_code"):
            if name_postcode_key(first, last, postal) == key:
                found[other_id].append(f"Same name and postcode: {first} {last}, {postal}")
    if not found:
        return []
    dismissed = dismissed_pairs([customer.pk])
    twins = Customer.objects.in_bulk(found.keys())
    result = []
    for other_id, reasons in found.items():
        pair = (min(customer.pk, other_id), max(customer.pk, other_id))
        if pair in dismissed:
            continue
        a, b = (customer, twins[other_id]) if customer.pk < other_id else (twins[other_id], customer)
        result.append(Suggestion(a, b, list(dict.fromkeys(reasons))))
    return result

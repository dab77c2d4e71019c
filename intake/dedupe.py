"""Recognising a repeat customer, and a lead we already hold.

A customer is matched within the organisation by an E.164 phone number or an email address.
Masked relay addresses that listing sites hand out per lead (CarGurus, TrueCar, Cars.com…) say
nothing about who the person is, so they never match anybody.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from django.conf import settings

from dealerships.models import Dealership, Organization
from forecourt.lib.phone import to_e164
from leads.models import Customer, CustomerEmail, CustomerPhone, Lead

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

# ADF `<id>`s name many things besides the lead (the lead type, the dealer's code, a score).
# Only values that look like a lead's own identifier are used to recognise a second delivery.
_NOT_A_LEAD_ID = re.compile(r"code|dealer|program|type|score|partner|media|campaign|promotion", re.IGNORECASE)
_PLACEHOLDER = re.compile(r"^(0+|n/?a|none|null|unknown|not ?available|\W*)$", re.IGNORECASE)


def masked_domains() -> tuple[str, ...]:
    """The relay domains, ours included (a lead forwarded back to us carries our relay address)."""
    return (*MASKED_EMAIL_DOMAINS, settings.RELAY_DOMAIN.lower())


def is_masked_email(address: str) -> bool:
    address = (address or "").strip().lower()
    local, _, domain = address.rpartition("@")
    if not local or not domain:
        return True
    if _NOBODY.match(local):
        return True
    return any(domain == masked or domain.endswith("." + masked) for masked in masked_domains())


def identifying_emails(emails: Iterable[str]) -> list[str]:
    return [e.strip().lower() for e in emails if e and not is_masked_email(e)]


def identifying_phones(phones: Iterable[Mapping[str, Any]], country: str) -> list[str]:
    numbers = []
    for phone in phones:
        number = to_e164(str(phone.get("number") or phone.get("raw") or ""), country)
        if number and phone.get("type") != CustomerPhone.Type.FAX:
            numbers.append(number)
    return numbers


def match_customer(*, organization: Organization, data: Mapping[str, Any], country: str) -> Customer | None:
    """The organisation's customer with one of these (unmasked) emails or phone numbers."""
    emails = identifying_emails(data.get("emails") or [])
    phones = identifying_phones(data.get("phones") or [], country)
    if emails:
        by_email = (
            CustomerEmail.objects.filter(customer__organization=organization, email__in=emails)
            .select_related("customer")
            .order_by("customer_id")
            .first()
        )
        if by_email:
            return by_email.customer
    if phones:
        by_phone = (
            CustomerPhone.objects.filter(customer__organization=organization, number__in=phones)
            .select_related("customer")
            .order_by("customer_id")
            .first()
        )
        if by_phone:
            return by_phone.customer
    return None


def open_lead_for(*, customer: Customer, dealership: Dealership, department: str) -> Lead | None:
    """The customer's most recent open lead in this department at this dealership."""
    return (
        Lead.objects.filter(
            customer=customer, dealership=dealership, department=department, status__in=Lead.OPEN_STATUSES
        )
        .select_related("assigned_to")
        .order_by("-received_at", "-id")
        .first()
    )


def distributes_existing_customers(dealership: Dealership, department: str) -> bool:
    """True when the dealership wants a known customer's new request distributed as a new lead."""
    config = (dealership.distribution or {}).get(department) or {}
    return config.get("existing_customers") == "distribute"


def lead_id_keys(ids: Iterable[Mapping[str, Any]], *, default_source: str) -> list[tuple[str, str]]:
    """(source, value) pairs of the ADF ids that identify the lead itself."""
    keys = []
    for entry in ids:
        value = str(entry.get("value") or "").strip()
        source = str(entry.get("source") or default_source or "").strip()
        if len(value) < 4 or len(value) > 200 or _PLACEHOLDER.match(value) or not re.search(r"\d", value):
            continue
        if _NOT_A_LEAD_ID.search(source):
            continue
        keys.append((source.lower()[:100], value))
    return list(dict.fromkeys(keys))

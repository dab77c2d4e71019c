"""Writes of lead intake: keep the raw delivery first, then turn it into leads, report what made none.

`store_inbound` commits the raw bytes before anything reads them; `process_inbound` claims a
stored row with a lease (so the SMTP server, a retry and the worker's sweep never process one
row twice), parses it and makes the leads in one transaction.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from email.header import decode_header, make_header
from email.parser import BytesHeaderParser
from email.policy import compat32
from email.utils import parseaddr
from typing import Any, Required, TypedDict, Unpack

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import Membership, User
from dealerships.models import Dealership
from forecourt.lib import batch, jobs
from forecourt.lib.batch import taking_many
from forecourt.lib.database import DATABASE_AWAY
from forecourt.lib.rows import new
from forecourt.lib.text import one_line
from forecourt.lib.wake import wake_worker
from intake.adf import AdfError, parse_document_or_email
from intake.adf.reach import nobody_to_reach
from intake.ingest import Ingested, Outcome, ingest_prospect, read_ahead
from intake.models import InboundEmail, IntakeSettings
from intake.sources import Source, source_for
from notifications.actions import queue_email

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 5
_LOOKS_LIKE_EMAIL = re.compile(rb"^\s*[A-Za-z0-9][A-Za-z0-9-]*:[ \t]", re.ASCII)


@dataclass
class Result:
    """What processing one inbound delivery made."""

    inbound: InboundEmail
    ingested: list[Ingested] = field(default_factory=list)

    @property
    def leads(self) -> list[Any]:
        return list(dict.fromkeys(item.lead for item in self.ingested))

    @property
    def took_new_request(self) -> bool:
        """A new lead, or a known customer's new request added to their open lead."""
        return any(item.outcome in (Outcome.CREATED, Outcome.RESUBMITTED) for item in self.ingested)


def settings_for(dealership: Dealership) -> IntakeSettings:
    found, _ = IntakeSettings.objects.get_or_create(dealership=dealership)
    return found


def _header(value: str | None, length: int) -> str:
    if not value:
        return ""
    try:
        text = str(make_header(decode_header(value)))
    except (ValueError, LookupError, UnicodeError):
        text = value
    # A header is shown, never trusted: NUL and other control characters, which PostgreSQL cannot
    # store in text, are dropped, so the mail itself is always kept (its bytes stay as they came).
    return one_line(text)[:length]


def email_headers(raw: bytes) -> dict[str, str]:
    """Subject, From and Message-ID of `raw` when it is an email; empty for a bare ADF document."""
    if not _LOOKS_LIKE_EMAIL.match(raw[:200]):
        return {}
    head = raw.split(b"\r\n\r\n", 1)[0].split(b"\n\n", 1)[0][:65536]
    message = BytesHeaderParser(policy=compat32).parsebytes(head)
    return {
        "subject": _header(message.get("Subject"), 300),
        "header_from": _header(message.get("From"), 320),
        "message_id": _header(message.get("Message-ID"), 300).strip(),
    }


class Delivered(TypedDict, total=False):
    """A delivery as it came, and how (`store_inbound`, `inbound_row`). `hold`: stored already
    claimed by whoever stores it, to be processed at once."""

    raw: Required[bytes]
    channel: Required[str]
    mail_from: str
    rcpt_to: str
    mailbox_ref: str
    hold: bool


def store_inbound(*, dealership: Dealership, **delivered: Unpack[Delivered]) -> InboundEmail:
    """Keep a delivery exactly as it came, in its own committed transaction, before parsing it.

    With `hold`, the row is stored already claimed by the caller, who processes it at once with
    `process_held`; should the caller die first, the lease runs out and the sweep takes over.
    """
    inbound = inbound_row(dealership_id=dealership.pk, **delivered)
    inbound.dealership = dealership
    with transaction.atomic():
        inbound.save(force_insert=True)
    return inbound


def inbound_row(*, dealership_id: int, **delivered: Unpack[Delivered]) -> InboundEmail:
    """The unsaved row `store_inbound` keeps (several at once: `InboundEmail.objects.bulk_create`)."""
    now = timezone.now()
    hold = delivered.get("hold", False)
    return InboundEmail(
        dealership_id=dealership_id,
        received_at=now,
        due_at=now,
        claimed_until=now + timedelta(seconds=settings.JOB_LEASE_SECONDS) if hold else None,
        attempts=1 if hold else 0,
        raw=delivered["raw"],
        channel=delivered["channel"],
        # Shown, never trusted: a NUL or a line break in them must not cost the mail its place.
        mail_from=one_line(delivered.get("mail_from"))[:320],
        rcpt_to=one_line(delivered.get("rcpt_to"))[:320],
        mailbox_ref=delivered.get("mailbox_ref", "")[:400],
        **email_headers(delivered["raw"]),
    )


def pending_inbound() -> QuerySet[InboundEmail]:
    return InboundEmail.objects.filter(status=InboundEmail.Status.RECEIVED)


def process_inbound(inbound_id: int) -> Result | None:
    """Turn a stored delivery into leads, once.

    1. Claim the row with a lease; if another process holds it (or it is done), do nothing.
    2. Parse it outside any transaction. Not ADF → `no_lead`, reported.
    3. In one transaction: recognise a second delivery of the same Message-ID, take every
       prospect in, link the leads, mark the row processed.
    4. Anything unexpected: try again later with back-off, then `failed`, reported. Never dropped.
    """
    if not jobs.claim(pending_inbound(), inbound_id):
        return None
    return process_held(InboundEmail.objects.select_related("dealership__organization").get(pk=inbound_id))


def process_held(inbound: InboundEmail) -> Result:
    """Steps 2 to 4 of `process_inbound`, for a row this process already holds (`store_inbound(hold=True)`):
    a batch of one (`process_batch`)."""
    return process_batch([inbound])[0]


def claim_batch(inbound_ids: Sequence[int]) -> list[InboundEmail]:
    """Claim the rows of `inbound_ids` still waiting (step 1 of `process_inbound`, row by row, so
    another process never holds one of them too); the ones this process won, ready for `process_batch`."""
    won = jobs.claim_many(pending_inbound(), inbound_ids)
    rows = InboundEmail.objects.select_related("dealership__organization").in_bulk(won)
    return [rows[pk] for pk in won if pk in rows]


@dataclass
class _Parsed:
    """A delivery read and its sources matched, waiting for the batch's transaction."""

    inbound: InboundEmail
    prospects: list[dict[str, Any]]
    sources: list[Source]
    refused: list[str]

    def __post_init__(self) -> None:
        inbound = self.inbound
        self.held = (inbound.status, inbound.reason, inbound.processed_at, inbound.claimed_until, inbound.message_key)

    def start_again(self) -> None:
        """The row as it was before a transaction that was rolled back marked it."""
        inbound = self.inbound
        inbound.status, inbound.reason, inbound.processed_at, inbound.claimed_until, inbound.message_key = self.held


def process_batch(inbounds: Sequence[InboundEmail]) -> list[Result]:
    """Steps 2 to 4 of `process_inbound` for rows this process holds, in one transaction.

    Each delivery is parsed (and its sources matched) outside any transaction, as one alone is.
    Then every lead of the batch, a lone delivery's too, is taken in within one transaction
    without savepoints (`forecourt.lib.batch.taking_many`). Should anything fail, that transaction
    is rolled back whole and each delivery is taken in again in a transaction of its own, with
    savepoints, so the one that fails is retried later (step 4) while the others commit: a bad
    message never costs its neighbours, and a round-robin turn taken for a rolled-back lead is
    given back with it. One commit for the batch is what makes a burst cheap, with what every lead
    asks of its dealership (policy, staff, default follow-ups, preferences) read once, the rows
    nothing reads back written once per table, and one ring of the worker's bell for all it
    queued (`forecourt.lib.batch`); the rules run are the single delivery's. Returns a Result per
    delivery, in order.
    """
    results: dict[int, Result] = {}
    waiting: list[_Parsed] = []
    for inbound in inbounds:
        if inbound.channel == InboundEmail.Channel.RELAY:
            results[inbound.pk] = _process_relay_mail(inbound)
        elif (parsed := _parse(inbound, results)) is not None:
            waiting.append(parsed)
    failed: list[tuple[InboundEmail, Exception]] = []
    if waiting:
        try:
            results.update(_take_in(waiting, many=True))
            waiting = []
        except DATABASE_AWAY as error:
            failed = [(item.inbound, error) for item in waiting]
            waiting = []
        except Exception:
            log.info("a batch of %s deliveries failed; taking each in alone", len(waiting), exc_info=True)
            # Alone and with savepoints: a lead another process took in at the same moment is
            # recognised there, and a delivery that fails again is retried later on its own.
        for item in waiting:
            item.start_again()
    for item in waiting:
        try:
            results.update(_take_in([item], many=False))
        except Exception as error:
            # A lost database, a failed commit or a bad delivery: it is tried again, none was taken in.
            item.start_again()
            failed.append((item.inbound, error))
    for inbound, problem in failed:
        _failed_attempt(inbound, problem)
        results[inbound.pk] = Result(inbound)
    return [results[inbound.pk] for inbound in inbounds]


def _take_in(items: Sequence[_Parsed], *, many: bool) -> dict[int, Result]:
    """Take the deliveries' leads in within one transaction (see `process_batch`)."""
    with transaction.atomic(), batch.scope(many=many, leads=sum(len(item.prospects) for item in items)):
        if many:
            read_ahead(
                [
                    (item.inbound.dealership, p, s)
                    for item in items
                    for p, s in zip(item.prospects, item.sources, strict=True)
                ]
            )
            _read_ahead_deliveries([item.inbound for item in items])
        made = {
            item.inbound.pk: _make_leads(item.inbound, item.prospects, item.sources, item.refused) for item in items
        }
        batch.end()
    return made


def read_now_take_in_later(inbound: InboundEmail) -> Result | None:
    """Read a delivery this process holds, and leave taking it in to the worker (an API caller
    that asked for an answer at once): None when it holds leads, the row then released to the
    worker's sweep and the worker woken; else the Result of the delivery that made none."""
    results: dict[int, Result] = {}
    if _parse(inbound, results) is None:
        return results[inbound.pk]
    InboundEmail.objects.filter(pk=inbound.pk).update(claimed_until=None, attempts=0)
    inbound.claimed_until, inbound.attempts = None, 0
    wake_worker()
    return None


def _parse(inbound: InboundEmail, results: dict[int, Result]) -> _Parsed | None:
    """Read the delivery's prospects and match their sources (step 2); None when that ended it
    (no lead in it, or an unexpected error), its Result then in `results`."""
    try:
        prospects = [
            p.to_dict() for p in parse_document_or_email(inbound.raw_bytes, country=inbound.dealership.country)
        ]
        if not prospects:
            raise AdfError("The ADF document holds no <prospect>.")
        # A prospect nobody could call, write or mail (a truncated `<adf><prospect>`) is no lead.
        refused = [reason for p in prospects if (reason := nobody_to_reach(p))]
        prospects = [p for p in prospects if not nobody_to_reach(p)]
        if not prospects:
            raise AdfError(refused[0])
    except AdfError as exc:
        _finish(inbound, InboundEmail.Status.NO_LEAD, str(exc))
        results[inbound.pk] = Result(inbound)
        return None
    except Exception as exc:
        _failed_attempt(inbound, exc)
        results[inbound.pk] = Result(inbound)
        return None
    try:
        # Source rules are matched before the transaction: no rule can hold a row lock meanwhile.
        sources = [_source_of(inbound, prospect) for prospect in prospects]
    except Exception as exc:
        _failed_attempt(inbound, exc)
        results[inbound.pk] = Result(inbound)
        return None
    return _Parsed(inbound, prospects, sources, refused)


def _process_relay_mail(inbound: InboundEmail) -> Result:
    """Mail to a lead's reply address: the email relay (above intake) reads it into the lead's thread."""
    from relay.inbound import process_relay_mail

    try:
        process_relay_mail(inbound)
    except Exception as exc:
        _failed_attempt(inbound, exc)
    return Result(inbound)


def _source_of(inbound: InboundEmail, prospect: dict[str, Any]) -> Source:
    provider = prospect.get("provider") or {}
    provider_ids = [entry.get("value") for entry in provider.get("ids") or []]
    return source_for(
        inbound.dealership,
        provider_names=[provider.get("name"), *provider_ids],
        vendor_name=(prospect.get("vendor") or {}).get("name"),
        sender=" ".join(part for part in (inbound.header_from, inbound.mail_from) if part),
        subject=inbound.subject,
    )


def _make_leads(
    inbound: InboundEmail, prospects: list[dict[str, Any]], sources: list[Source], refused: list[str]
) -> Result:
    first = _first_delivery(inbound)
    if first is not None:
        leads = list(first.leads.all())
        inbound.leads.set(leads)
        _mark(inbound, InboundEmail.Status.PROCESSED, f"Same Message-ID as inbound #{first.pk}: no new lead.")
        InboundEmail.objects.filter(pk=inbound.pk).update(duplicate_of=first)
        return Result(inbound, [Ingested(lead, Outcome.DUPLICATE) for lead in leads])
    dealership = inbound.dealership
    ingested = []
    for prospect, source in zip(prospects, sources, strict=True):
        ingested.append(ingest_prospect(dealership=dealership, prospect=prospect, source=source))
    # The row links no lead yet (a failed attempt rolled its links back): written without reading
    # the links first, in a batch of many as the batch ends (`forecourt.lib.batch`).
    link = InboundEmail.leads.through
    batch.insert_many(
        new(link, inboundemail=inbound, lead=lead) for lead in dict.fromkeys(item.lead for item in ingested)
    )
    summary = _summary(ingested)
    if refused:
        # Said on the row, for the Intake screen: the others in the same mail were taken in.
        summary += f"; {len(refused)} prospect{'s' if len(refused) > 1 else ''} not taken in: {refused[0]}"
    _mark(inbound, InboundEmail.Status.PROCESSED, summary)
    return Result(inbound, ingested)


def _first_delivery(inbound: InboundEmail) -> InboundEmail | None:
    """The earlier processed delivery of the same Message-ID at this dealership, if any."""
    if not inbound.message_id:
        return None

    def earlier() -> InboundEmail | None:  # a query built only when asked: in a batch, read ahead
        same = InboundEmail.objects.filter(dealership_id=inbound.dealership_id, message_key=inbound.message_id)
        return same.exclude(pk=inbound.pk).defer("raw").first()

    first = batch.read_once(_delivery_key(inbound), earlier)
    if first is not None:
        return first
    if taking_many():
        # Written as the batch ends: a copy processed meanwhile (or later in the same batch) then
        # breaks the constraint, and the batch is taken again delivery by delivery, as below.
        inbound.message_key = inbound.message_id
        batch.update(inbound, ["message_key"])
        return None
    try:
        with transaction.atomic():
            InboundEmail.objects.filter(pk=inbound.pk).update(message_key=inbound.message_id)
    except IntegrityError:
        # A copy of this message was processed at the same moment; it keeps the leads.
        return earlier()
    return None


def _delivery_key(inbound: InboundEmail) -> tuple[str, int, str]:
    return ("delivery", inbound.dealership_id, inbound.message_id)


def _read_ahead_deliveries(inbounds: Sequence[InboundEmail]) -> None:
    """In a batch of many, the earlier deliveries of its Message-IDs, in one query for the batch.
    A copy within the batch itself is not among them: it breaks the Message-ID's constraint as
    the batch ends, and the batch is taken again delivery by delivery (`_first_delivery`)."""
    ids = {inbound.message_id for inbound in inbounds if inbound.message_id}
    if not ids:
        return
    mine = {inbound.pk for inbound in inbounds}
    earlier: dict[tuple[int, str], InboundEmail] = {}
    # The rooftops named as well, for the unique index (dealership, message_key) to answer; and
    # not the stored bytes of each earlier delivery, which nothing here reads.
    dealerships = {inbound.dealership_id for inbound in inbounds}
    found = InboundEmail.objects.filter(dealership_id__in=dealerships, message_key__in=ids).exclude(pk__in=mine)
    for row in found.defer("raw").order_by("pk"):
        earlier.setdefault((row.dealership_id, row.message_key or ""), row)
    for inbound in inbounds:
        if inbound.message_id:
            batch.remember(_delivery_key(inbound), earlier.get((inbound.dealership_id, inbound.message_id)))


def _summary(ingested: list[Ingested]) -> str:
    words = {
        Outcome.CREATED: "new lead",
        Outcome.RESUBMITTED: "resubmission on open lead",
        Outcome.RESEND: "resend of lead",
        Outcome.DUPLICATE: "already held as lead",
    }
    return "; ".join(f"{words[item.outcome]} #{item.lead.pk}" for item in ingested)


def _mark(inbound: InboundEmail, status: str, reason: str) -> None:
    inbound.status, inbound.reason, inbound.processed_at, inbound.claimed_until = status, reason, timezone.now(), None
    batch.update(inbound, ["status", "reason", "processed_at", "claimed_until"])


def _finish(inbound: InboundEmail, status: str, reason: str) -> None:
    with transaction.atomic():
        _mark(inbound, status, reason)
        report_no_lead(inbound)


def _failed_attempt(inbound: InboundEmail, exc: Exception) -> None:
    """Something we did not expect (a bug, a lost database): retry with back-off, then give up loudly."""
    log.exception("inbound %s: processing failed (attempt %s)", inbound.pk, inbound.attempts)
    error = f"{type(exc).__name__}: {exc}"[:2000]
    if inbound.attempts >= MAX_ATTEMPTS:
        _finish(inbound, InboundEmail.Status.FAILED, f"Processing failed {inbound.attempts} times: {error}")
        return
    InboundEmail.objects.filter(pk=inbound.pk).update(
        due_at=timezone.now() + jobs.retry_delay(inbound.attempts), claimed_until=None, last_error=error
    )


def report_no_lead(inbound: InboundEmail) -> None:
    """Tell the dealership (its report address, else its admins) about mail that made no lead, once.

    Deliveries over HTTP or from the command line are not reported: their sender got the error.
    """
    if inbound.reported_at or inbound.channel in (InboundEmail.Channel.HTTP, InboundEmail.Channel.FILE):
        return
    dealership = inbound.dealership
    to = settings_for(dealership).report_addresses or list(
        Membership.objects.filter(dealership=dealership, role=Membership.Role.ADMIN, user__is_active=True)
        .values_list("user__email", flat=True)
        .order_by("user__email")
    )
    if not to:
        log.warning("inbound %s made no lead and %s has nobody to report it to", inbound.pk, dealership.slug)
        return
    sender = inbound.header_from or inbound.mail_from or "(unknown sender)"
    body = "\n".join(
        [
            f"An email to {dealership.name}'s lead address made no lead. It is kept, and you can retry it.",
            "",
            f"From: {sender}",
            f"Subject: {inbound.subject or '(none)'}",
            f"Received: {inbound.received_at:%Y-%m-%d %H:%M} UTC",
            f"Why: {inbound.reason}",
            "",
            f"See it: {settings.BASE_URL}/intake/{inbound.pk}/",
        ]
    )
    queue_email(
        to=to,
        subject=f"Lead email not understood: {inbound.subject or sender}"[:300],
        body=body,
        purpose="intake_report",
    )
    now = timezone.now()
    InboundEmail.objects.filter(pk=inbound.pk).update(reported_at=now)
    inbound.reported_at = now


def retry_inbound(*, inbound: InboundEmail, actor: User) -> Result | None:
    """Process a delivery again (after a fix): one that made no lead, failed, or was left stuck."""
    now = timezone.now()
    retryable = InboundEmail.objects.filter(
        pk=inbound.pk, status__in=(InboundEmail.Status.NO_LEAD, InboundEmail.Status.FAILED)
    )
    stuck = pending_inbound().filter(pk=inbound.pk).filter(jobs.lease_free(now))
    reset = (retryable | stuck).update(
        status=InboundEmail.Status.RECEIVED, due_at=now, claimed_until=None, attempts=0, reason="", last_error=""
    )
    if not reset:
        raise ValueError("Only mail that made no lead, failed, or is waiting can be retried.")
    log.info("inbound %s retried by %s", inbound.pk, actor.email)
    return process_inbound(inbound.pk)


def sender_address(inbound: InboundEmail) -> str:
    return parseaddr(inbound.header_from)[1] or inbound.mail_from

"""Writes of the SLA clock: start it when a lead arrives, stop it at the first human reply,
fire its timers. Also the timers of follow-up tasks (resubmissions).

Every race here is a conditional UPDATE whose row count decides: a reply and a timer may meet
at the deadline, and whichever commits first wins (docs/escalation.md).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.db.models import QuerySet

from escalations.models import LeadSla, Timer
from escalations.policy import deadlines, escalation_settings
from forecourt.lib import batch
from forecourt.lib.rows import new
from leads.models import Lead

if TYPE_CHECKING:
    from followups.models import FollowUp

log = logging.getLogger(__name__)
RUNNING_STATES = (LeadSla.State.RUNNING, LeadSla.State.STAGE1, LeadSla.State.STAGE2)


def pending_timers() -> QuerySet[Timer]:
    """Timers still to fire: the rows the partial index `timer_pending_due` holds."""
    return Timer.objects.filter(fired_at__isnull=True, cancelled_at__isnull=True)


def start_clock(*, lead: Lead) -> LeadSla:
    """Start the lead's reply clock from `lead.received_at` and set its timers; idempotent.

    No clock (state none) for imported leads, closed leads and dealerships with escalation
    switched off; a lead already answered starts out met.
    """
    existing = LeadSla.objects.filter(lead=lead).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            sla, timers = new_clock(lead)
            set_timers(timers)
            return sla
    except IntegrityError:  # started at the same moment elsewhere: that clock stands
        return LeadSla.objects.get(lead=lead)


def new_clock(lead: Lead) -> tuple[LeadSla, list[Timer]]:
    """`start_clock` for a lead made in this transaction, which has no clock yet and which nobody
    else can be starting one for. Its timers come back unsaved, for `leads.actions.create_lead`
    to store in one go with those of the lead's default follow-ups (`set_timers`)."""
    dealership = lead.dealership
    if lead.source_kind == Lead.SourceKind.IMPORT or not lead.is_open or lead.first_response_at is not None:
        due = None
    else:
        due = deadlines(dealership.calendar(), lead.received_at, dealership.escalation)
    # In a batch of intake, written as the batch ends (`forecourt.lib.batch`), as its timers are.
    if due is None:
        state = LeadSla.State.MET if lead.first_response_at else LeadSla.State.NONE
        return batch.insert(LeadSla(lead=lead, state=state, started_at=lead.received_at)), []
    sla = batch.insert(
        LeadSla(
            lead=lead,
            started_at=lead.received_at,
            reminder_at=due.reminder_at,
            stage1_due_at=due.stage1_due_at,
            stage2_due_at=due.stage2_due_at,
        )
    )
    moments = [
        (Timer.Kind.REMINDER, due.reminder_at),
        (Timer.Kind.STAGE1, due.stage1_due_at),
        (Timer.Kind.STAGE2, due.stage2_due_at),
    ]
    return sla, [new(Timer, lead=lead, kind=kind, due_at=at) for kind, at in moments if at]


def no_clock(lead: Lead) -> LeadSla:
    """A lead made in this transaction that gets no reply clock (its rooftop tracks leads only)."""
    return batch.insert(LeadSla(lead=lead, state=LeadSla.State.NONE, started_at=lead.received_at))


def set_timers(timers: Iterable[Timer]) -> None:
    """Store unsaved timers (a new clock's, a follow-up's), one INSERT for them all (in a batch of
    intake, with the whole batch's as it ends)."""
    batch.insert_many(timers)


def stop_clock(*, lead: Lead, at: datetime) -> bool:
    """The first human reply at `at`: the clock stops for good; True if this call stopped it.

    Cancels the lead's timers that have not fired (a timer that fired first stays fired), sets
    `first_response_at` if nothing set it yet, and records which stage the reply came after.
    Call it inside the transaction that records the reply, so both commit together.
    """
    with transaction.atomic():
        Lead.objects.filter(pk=lead.pk, first_response_at__isnull=True).update(first_response_at=at)
        pending_timers().filter(lead=lead, followup__isnull=True).update(cancelled_at=at, claimed_until=None)
        sla = LeadSla.objects.filter(lead=lead, state__in=RUNNING_STATES).first()
        if sla is None:
            return False
        passed = sla.stage_reached
        if sla.stage2_due_at and at >= sla.stage2_due_at:
            passed = LeadSla.State.STAGE2
        elif sla.stage1_due_at and at >= sla.stage1_due_at and not passed:
            passed = LeadSla.State.STAGE1
        stopped = LeadSla.objects.filter(lead=lead, state__in=RUNNING_STATES).update(
            state=LeadSla.State.MET, met_at=at, stage_reached=passed
        )
    return stopped == 1


# Follow-up tasks ------------------------------------------------------------------------------


def followup_timers(followups: Iterable[FollowUp]) -> list[Timer]:
    """The timers, unsaved, that chase these follow-ups."""
    timers = []
    for followup in followups:
        rules = escalation_settings(followup.lead.dealership.escalation)
        timers.append(
            new(Timer, lead=followup.lead, followup=followup, kind=Timer.Kind.RESUBMISSION, due_at=followup.due_at)
        )
        if rules["resubmission_stage2_minutes"] > 0:
            later = followup.due_at + timedelta(minutes=rules["resubmission_stage2_minutes"])
            timers.append(
                new(Timer, lead=followup.lead, followup=followup, kind=Timer.Kind.RESUBMISSION_STAGE2, due_at=later)
            )
    return timers


def cancel_followup(*, followup: FollowUp, at: datetime) -> int:
    """A completed follow-up chases nobody any more; timers that fired stay fired."""
    return pending_timers().filter(followup=followup).update(cancelled_at=at, claimed_until=None)

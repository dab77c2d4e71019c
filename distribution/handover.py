"""Deactivating someone, and handing on the open leads they can no longer work.

A lead left with a person who cannot log in is a lead nobody answers. Deactivating takes them
out of distribution at once (`distribution.departure`) and records a `Handover`; the worker then
releases each open lead and sends it through its dealership's distribution again, a lead per
transaction (a round-robin turn holds its rotation until commit), with the reason on its timeline.
A salesperson may hold hundreds of open leads, which is why this is not done in the request.

The handover is a leased job (`forecourt.lib.jobs`): a worker claims it, hands on a batch of
leads, and gives it back for the next pass; if the worker dies, the lease runs out and the next
sweep carries on where it stopped. A lead is released only while it is still theirs, and its
`HandedLead` row is written in the same transaction, so no lead is handed on twice.
No new-lead alert email goes out: the leads are not new; whoever gets one is told, as for any lead.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.tasks import task
from django.utils import timezone

from accounts.actions import deactivate_user
from accounts.models import User
from distribution.actions import distribute_lead
from distribution.departure import leave_distribution
from distribution.models import HandedLead, Handover, Offer
from forecourt.lib import jobs
from forecourt.lib.wake import enqueue_on_commit
from leads import actions as lead_actions
from leads.models import Activity, Lead

log = logging.getLogger(__name__)
BATCH = 25  # leads a pass: small enough to end well inside a lease, and to let other work in between


def open_leads(user: User) -> QuerySet[Lead]:
    return Lead.objects.filter(assigned_to=user, status__in=Lead.OPEN_STATUSES)


def open_leads_of(user: User) -> int:
    return open_leads(user).count()


def pending() -> QuerySet[Handover]:
    return Handover.objects.filter(finished_at__isnull=True)


def deactivate(*, user: User, actor: User | None, hand_over: bool) -> Handover:
    """Deactivate `user`, take them out of distribution and, with `hand_over`, have the worker
    hand their open leads on. Returns at once; no lead has moved yet."""
    running = pending().filter(user=user).order_by("pk").first()
    if running is not None and not user.is_active:
        return running  # the confirmation sent twice (a double tap): one handover, one count
    with transaction.atomic():
        # Read while they are still active, so that what they leave behind is seen against
        # what was there (a department that only they served).
        leaving = leave_distribution(user=user, actor=actor)
        deactivate_user(user=user, actor=actor)
        total = open_leads_of(user)
        handover = Handover.objects.create(
            user=user,
            actor=actor,
            distribute=hand_over,
            total=total,
            # Left with them, the leads are counted only to be named on the result page.
            finished_at=None if hand_over and total else timezone.now(),
            changes=[change.text for place in leaving for change in place.changes],
            warnings=[warning for place in leaving for warning in place.warnings],
        )
        if handover.finished_at is None:
            enqueue_on_commit(hand_over_leads, handover.pk)
    log.info("user %s deactivated; %s open leads, handed on: %s", user.email, total, hand_over)
    return handover


@task()
def hand_over_leads(handover_id: int) -> None:
    run_handover(handover_id)


def sweep_handovers() -> int:
    """Carry on every handover that is due and held by nobody (new, next batch, or a dead worker's)."""
    return sum(run_handover(pk) for pk in jobs.due_ids(pending()))


def run_handover(handover_id: int, *, batch: int = BATCH) -> int:
    """One pass of a handover; returns how many leads it handed on.

    1. Claim the handover with a lease (`claim`); a worker that loses the race does nothing.
    2. Hand on up to `batch` of the person's open leads, each in its own transaction (`hand_on`).
    3. Finished when they hold none (or were reactivated); otherwise give it back, due now, for
       the next pass.
    """
    handover = claim(handover_id)
    if handover is None:
        return 0
    # Reactivated meanwhile (a mistake undone): what they still hold stays with them.
    ids = (
        []
        if handover.user.is_active
        else list(open_leads(handover.user).order_by("pk").values_list("pk", flat=True)[:batch])
    )
    done = sum(hand_on(handover, lead_id) for lead_id in ids)
    now = timezone.now()
    # Asked afresh rather than judged by the batch: a worker whose lease ran out mid-batch must
    # not call finished what its successor is still doing.
    if not ids or handover.user.is_active or not open_leads(handover.user).exists():
        pending().filter(pk=handover.pk).update(finished_at=now, claimed_until=None)
        log.info("handover %s of %s finished", handover.pk, handover.user.email)
    else:
        pending().filter(pk=handover.pk).update(due_at=now, claimed_until=None)
        hand_over_leads.enqueue(handover.pk)
    return done


def claim(handover_id: int) -> Handover | None:
    """1. The handover, now held by this worker for a lease; None if someone else holds it or it is done."""
    if not jobs.claim(pending(), handover_id):
        return None
    return Handover.objects.select_related("user", "actor").get(pk=handover_id)


def hand_on(handover: Handover, lead_id: int) -> bool:
    """2. Release one lead from the deactivated person and distribute it again; False when it is
    no longer theirs (handed on already, reassigned meanwhile, closed)."""
    user, actor = handover.user, handover.actor
    try:
        with transaction.atomic():
            if not _release(handover, lead_id):
                return False
            lead = Lead.objects.get(pk=lead_id)
            outcome = distribute_lead(lead=lead, actor=actor, alert=False)
            HandedLead.objects.create(handover=handover, lead_id=lead_id, assigned_to=outcome.assigned_to)
            return True
    except IntegrityError:
        return False  # this handover has handed the lead on already
    except Exception:
        # A lead that cannot be distributed must not hold up the others, nor come back every pass:
        # it is released, marked, and waits for someone to allocate it by hand.
        log.exception("handing on lead %s of %s failed", lead_id, user.email)
        with transaction.atomic():
            if not _release(handover, lead_id):
                return False
            lead = Lead.objects.get(pk=lead_id)
            lead_actions.record_activity(
                lead=lead, kind=Activity.Kind.NOTE, actor=None, text="Not distributed: allocate this lead by hand."
            )
            HandedLead.objects.create(handover=handover, lead_id=lead_id, failed=True)
        return True


def _release(handover: Handover, lead_id: int) -> bool:
    user = handover.user
    # Conditional: a lead reassigned meanwhile by someone else stays where they put it, and of two
    # workers on the same lead the second finds it released already.
    released = Lead.objects.filter(pk=lead_id, assigned_to=user, status__in=Lead.OPEN_STATUSES).update(
        assigned_to=None, updated_at=timezone.now()
    )
    if not released:
        return False
    lead = Lead.objects.get(pk=lead_id)
    # A first-available or pool lead keeps the offer its last owner claimed; it is spent.
    Offer.objects.filter(lead=lead).delete()
    lead_actions.record_activity(
        lead=lead,
        kind=Activity.Kind.ASSIGNED,
        actor=handover.actor,
        text=f"Unassigned from {user.name}: {user.name} was deactivated. Distributed again.",
    )
    return True


@dataclass(frozen=True)
class Progress:
    """How far a handover has got, and what became of the leads, in words."""

    handover: Handover
    done: int
    owners: Counter[str]
    failed: int

    @classmethod
    def of(cls, handover: Handover) -> Progress:
        rows = list(HandedLead.objects.filter(handover=handover).values_list("assigned_to__name", "failed"))
        owners = Counter(name or "" for name, failed in rows if not failed)
        return cls(handover, len(rows), owners, sum(1 for _, failed in rows if failed))

    @property
    def finished(self) -> bool:
        return self.handover.finished_at is not None

    @property
    def total(self) -> int:
        return max(self.handover.total, self.done)

    def status(self) -> str:
        """ "Handing over 112 of 340 leads…" while it runs."""
        return f"Handing over {self.done} of {self.total} lead{'s' if self.total != 1 else ''}…"

    def summary(self) -> str:
        """ "3 open leads distributed again: 2 to Dave Seller, 1 waiting to be claimed." """
        name, total = self.handover.user.name, self.handover.total
        if not self.handover.distribute:
            if not total:
                return "They had no open leads."
            it = "it" if total == 1 else "them"
            return f"Their {_leads(total)} stay{'s' if total == 1 else ''} with {name}; reassign {it} by hand."
        if not self.done and not total:
            return "They had no open leads."
        parts = [f"{n} to {who}" for who, n in sorted(self.owners.items()) if who]
        if self.owners[""]:
            parts.append(f"{self.owners['']} waiting to be claimed")
        text = f"{_leads(self.done - self.failed)} distributed again" + (f": {', '.join(parts)}." if parts else ".")
        if self.failed:
            text += f" {self.failed} could not be distributed: allocate {'it' if self.failed == 1 else 'them'} by hand."
        if total > self.done:
            left = total - self.done
            kept = open_leads_of(self.handover.user) if self.handover.user.is_active else 0
            if kept:
                text += f" {name} was reactivated and kept {_leads(kept)}."
            if left > kept:
                text += f" {left - kept} had been reassigned or closed meanwhile."
        return text


def _leads(count: int) -> str:
    return f"{count} open lead{'s' if count != 1 else ''}"

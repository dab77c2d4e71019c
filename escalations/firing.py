"""The worker's side of the clock: fire each due timer exactly once, telling the right people."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import User
from dealerships.modes import is_tracking
from dealerships.quiet import quiet_until
from escalations.actions import pending_timers
from escalations.models import LeadSla, Timer
from escalations.recipients import supervisors_of, workers_of
from forecourt.lib import jobs
from leads.actions import record_activity
from leads.models import Activity, Lead
from notifications.actions import notify, preferences_for
from notifications.models import Kind

log = logging.getLogger(__name__)
ACTIVITY_KIND = Activity.Kind.ESCALATION
BATCH = 100
MAX_BATCHES_PER_PASS = 50


def local(lead: Lead, moment: datetime | None) -> str:
    """A moment as the dealership's staff read it: "Thu Dec 24, 9:20 AM"."""
    if moment is None:
        return "—"
    return moment.astimezone(ZoneInfo(lead.dealership.timezone)).strftime("%a %b %-d, %-I:%M %p")


def _about(lead: Lead) -> str:
    return f"{lead.customer.display_name} ({lead.source_name}, lead {lead.pk})"


def _sla(lead: Lead) -> LeadSla | None:
    try:
        return lead.sla
    except LeadSla.DoesNotExist:
        return None


def moot(timer: Timer) -> str:
    """Why the timer no longer needs to fire, or "" when it does.

    In lead tracking mode nothing chases anyone: a clock that ran when the rooftop switched to
    tracking has its reminders and escalations dropped as they fall due, not saved up for a
    burst of alerts on the day it switches back (docs/tracking-mode.md).
    """
    lead = timer.lead
    if is_tracking(lead.dealership):
        return "lead tracking mode"
    if timer.followup_id is not None:
        assert timer.followup is not None
        if timer.followup.completed_at is not None:
            return "follow-up completed"
        if lead.status == Lead.Status.LOST:
            return "lead lost"
        return ""
    if lead.first_response_at is not None:
        return "answered"
    if not lead.is_open:
        return f"lead {lead.status}"
    sla = _sla(lead)
    if sla is None or sla.state in (LeadSla.State.MET, LeadSla.State.NONE):
        return "no clock running"
    return ""


def held_until(timer: Timer, now: datetime) -> datetime | None:
    """The next opening, when the timer falls due while its dealership keeps quiet; else None.

    Every timer keeps quiet on the dealership's own days off; follow-up timers also outside
    opening hours when the dealership asks for it (`escalation.resubmission_opening_hours`).
    The held timer keeps its due time (its place in the queue, and what its alert says) and
    is leased until the opening, so no worker takes it before then, and it fires once.
    """
    dealership = timer.lead.dealership
    try:
        calendar = dealership.calendar()
    except ValueError:
        return None
    opening_hours = (
        timer.followup_id is not None and (dealership.escalation or {}).get("resubmission_opening_hours") is True
    )
    return quiet_until(calendar, now, opening_hours=opening_hours)


def hold(timer_ids: list[int], until: datetime) -> None:
    pending_timers().filter(pk__in=timer_ids).update(claimed_until=until)


def _with_everything(timers: QuerySet[Timer]) -> QuerySet[Timer]:
    """Everything a handler reads, in the one query that loads the timers."""
    return timers.select_related(
        "lead__dealership", "lead__customer", "lead__assigned_to", "lead__sla", "followup__assignee"
    ).order_by("due_at", "pk")


class Batch:
    """What one transaction of firing shares: the moment, and each person's preferences."""

    def __init__(self, now: datetime) -> None:
        self.now = now
        self._preferences: dict[int, dict[str, dict[str, bool]]] = {}
        self._supervisors: dict[tuple[int, int | None], list[User]] = {}

    def supervisors(self, lead: Lead, assignee: User | None = None) -> list[User]:
        person = assignee if assignee is not None else lead.assigned_to
        key = (lead.dealership_id, person.pk if person else None)
        if key not in self._supervisors:
            self._supervisors[key] = supervisors_of(lead, assignee=person)
        return self._supervisors[key]

    def tell(self, people: list[User], *, kind: str, lead: Lead, text: str, subject: str) -> list[str]:
        for person in people:
            if person.pk not in self._preferences:
                self._preferences[person.pk] = preferences_for(person)
            notify(
                user=person,
                kind=kind,
                lead=lead,
                text=text,
                subject=subject,
                now=self.now,
                channels=self._preferences[person.pk][kind],
                # This worker's email and text sweeps run right after the timers: no task needed.
                wake_worker=False,
            )
        return [p.name for p in people]


def fire_batch(timer_ids: list[int]) -> int:
    """Fire these due timers in one transaction; returns how many fired.

    1. Lock the ones still pending, due and unleased (FOR UPDATE SKIP LOCKED on PostgreSQL, so
       another worker, or a reply cancelling them, holds its rows alone; SQLite lets one writer
       in at a time anyway). A reply that committed first has cancelled its timers: they are
       not pending any more and are not touched.
    2. Cancel those that became moot (the lead was answered or closed, the follow-up done), and
       hold those due while their dealership keeps quiet until its next opening (`held_until`).
    3. Run each one's handler (notifications and a timeline entry), then mark them fired, all in
       the same transaction: a timer fires with its notifications or not at all.
    """
    with transaction.atomic():
        now = timezone.now()
        locked = list(
            pending_timers()
            .filter(pk__in=timer_ids, due_at__lte=now)
            .filter(jobs.lease_free(now))
            .select_for_update(skip_locked=True)
            .values_list("pk", flat=True)
        )
        batch = Batch(now)
        fired: list[int] = []
        moot_ids: dict[str, list[int]] = {}
        held: dict[datetime, list[int]] = {}
        for timer in _with_everything(Timer.objects.filter(pk__in=locked)):
            reason = moot(timer)
            if reason:
                moot_ids.setdefault(reason, []).append(timer.pk)
                continue
            if (until := held_until(timer, now)) is not None:
                held.setdefault(until, []).append(timer.pk)
                continue
            HANDLERS[timer.kind](timer, batch)
            fired.append(timer.pk)
        for reason, ids in moot_ids.items():
            Timer.objects.filter(pk__in=ids).update(cancelled_at=now, claimed_until=None, last_error=reason)
        for until, ids in held.items():
            hold(ids, until)
        Timer.objects.filter(pk__in=fired).update(fired_at=now, claimed_until=None)
    return len(fired)


def fire_timer(timer_id: int) -> bool:
    """Fire one due timer on its own, at most once; True if it fired.

    The slow, careful path, taken when a batch failed: the timer is claimed with a lease, and an
    error is recorded on it and retried with back-off without holding up the other timers.
    """
    if not jobs.claim(pending_timers(), timer_id):
        return False
    try:
        with transaction.atomic():
            now = timezone.now()
            timer = _with_everything(Timer.objects.filter(pk=timer_id)).get()
            reason = moot(timer)
            if reason:
                pending_timers().filter(pk=timer_id).update(cancelled_at=now, claimed_until=None, last_error=reason)
                return False
            if (until := held_until(timer, now)) is not None:
                hold([timer_id], until)
                return False
            if not pending_timers().filter(pk=timer_id).update(fired_at=now, claimed_until=None):
                return False  # a reply cancelled it first
            HANDLERS[timer.kind](timer, Batch(now))
        return True
    except Exception as exc:  # a bug or a lost database: retry later rather than lose the escalation
        log.exception("timer %s failed", timer_id)
        pending_timers().filter(pk=timer_id).update(
            claimed_until=None,
            due_at=timezone.now() + jobs.retry_delay(Timer.objects.get(pk=timer_id).attempts),
            last_error=f"{type(exc).__name__}: {exc}"[:2000],
        )
        return False


def _log(lead: Lead, text: str, told: list[str], timer: Timer) -> None:
    to = f" Told: {', '.join(told)}." if told else " Nobody to tell."
    record_activity(lead=lead, kind=ACTIVITY_KIND, actor=None, text=text + to, data={"timer": timer.kind, "told": told})


def _reminder(timer: Timer, batch: Batch) -> None:
    lead = timer.lead
    sla = lead.sla
    text = f"Reminder: reply to {_about(lead)} by {local(lead, sla.stage1_due_at)}."
    told = batch.tell(workers_of(lead), kind=Kind.REMINDER, lead=lead, text=text, subject=text)
    _log(lead, "Reminder sent: no reply yet.", told, timer)


def _stage1(timer: Timer, batch: Batch) -> None:
    lead = timer.lead
    sla = lead.sla
    LeadSla.objects.filter(lead=lead, state=LeadSla.State.RUNNING).update(
        state=LeadSla.State.STAGE1, stage_reached=LeadSla.State.STAGE1
    )
    text = (
        f"Overdue: {_about(lead)} has had no reply since it arrived {local(lead, lead.received_at)}; "
        f"the reply was due {local(lead, sla.stage1_due_at)}."
    )
    told = batch.tell(workers_of(lead), kind=Kind.ESCALATION, lead=lead, text=text, subject=f"Overdue: {_about(lead)}")
    _log(lead, "Escalation stage 1: no reply in time.", told, timer)


def _stage2(timer: Timer, batch: Batch) -> None:
    lead = timer.lead
    sla = lead.sla
    LeadSla.objects.filter(lead=lead, state__in=(LeadSla.State.RUNNING, LeadSla.State.STAGE1)).update(
        state=LeadSla.State.STAGE2, stage_reached=LeadSla.State.STAGE2
    )
    who = lead.assigned_to.name if lead.assigned_to else "Nobody"
    text = f"Escalation: {_about(lead)} still has no reply. {who} was to answer by {local(lead, sla.stage1_due_at)}."
    told = batch.tell(
        batch.supervisors(lead), kind=Kind.ESCALATION, lead=lead, text=text, subject=f"Escalation: {_about(lead)}"
    )
    _log(lead, "Escalation stage 2: manager alerted.", told, timer)


def _resubmission(timer: Timer, batch: Batch) -> None:
    lead, task = timer.lead, timer.followup
    assert task is not None
    text = f"Follow-up due: “{task.title}” on {_about(lead)}, due {local(lead, task.due_at)}."
    told = batch.tell(
        workers_of(lead, assignee=task.assignee), kind=Kind.RESUBMISSION, lead=lead, text=text, subject=text
    )
    _log(lead, f"Follow-up “{task.title}” is due.", told, timer)


def _resubmission_stage2(timer: Timer, batch: Batch) -> None:
    lead, task = timer.lead, timer.followup
    assert task is not None
    owner = task.assignee or lead.assigned_to
    who = owner.name if owner else "Nobody"
    text = f"Follow-up overdue: {who}'s “{task.title}” on {_about(lead)} was due {local(lead, task.due_at)}."
    told = batch.tell(batch.supervisors(lead, owner), kind=Kind.ESCALATION, lead=lead, text=text, subject=text)
    _log(lead, f"Follow-up “{task.title}” overdue: manager alerted.", told, timer)


HANDLERS: dict[str, Callable[[Timer, Batch], None]] = {
    Timer.Kind.REMINDER: _reminder,
    Timer.Kind.STAGE1: _stage1,
    Timer.Kind.STAGE2: _stage2,
    Timer.Kind.RESUBMISSION: _resubmission,
    Timer.Kind.RESUBMISSION_STAGE2: _resubmission_stage2,
}


def sweep_timers() -> int:
    """Fire every due timer nobody holds, oldest first, a batch per transaction; returns how many fired."""
    fired = 0
    # Bounded, so that one pass cannot starve the other sweeps (emails wait for this loop).
    for _ in range(MAX_BATCHES_PER_PASS):
        due = jobs.due_ids(pending_timers(), limit=BATCH)
        if not due:
            break
        try:
            fired += fire_batch(due)
        except Exception:  # one bad timer must not hold up the rest: fire them one by one
            log.exception("a batch of %s timers failed; firing them one at a time", len(due))
            fired += sum(fire_timer(pk) for pk in due)
        if len(due) < BATCH:
            break
    return fired

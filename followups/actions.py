"""Writes of follow-up tasks: add one, complete it (with a comment, offering the next), the
default tasks per lead category, and the dealership's list of defaults."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from dealerships.models import Dealership
from escalations.actions import RUNNING_STATES, cancel_followup, followup_timers, set_timers
from escalations.models import LeadSla, Timer
from followups.models import Category, DefaultTask, DefaultTasksSeeded, FollowUp
from forecourt.lib import batch
from forecourt.lib.batch import read_settled
from forecourt.lib.rows import new
from leads.actions import record_activity
from leads.models import Activity, Lead

ACTIVITY_KIND = Activity.Kind.FOLLOWUP

# What a dealership starts with; the settings screen changes them.
BUILTIN_DEFAULTS: dict[str, list[tuple[str, int]]] = {
    Category.THIRD_PARTY: [("Second contact: call or text again", 24), ("Ask for an appointment", 72)],
    Category.MANUAL: [("Thank the customer for their visit", 24)],
    Category.SOLD: [("Thank-you call after delivery", 48), ("Check in: first service", 24 * 30)],
}


def category_of(lead: Lead) -> str | None:
    """The default-task category of a new lead; None for imports (bulk imports raise no alarms)."""
    if lead.source_kind == Lead.SourceKind.IMPORT:
        return None
    if lead.source_kind in (Lead.SourceKind.MANUAL, Lead.SourceKind.WALK_IN):
        return Category.MANUAL
    return Category.THIRD_PARTY


def working_moment(dealership: Dealership, moment: datetime) -> datetime:
    """`moment`, or the next opening when the dealership is closed then (nobody works a task at 3 am)."""
    try:
        return dealership.calendar().next_opening(moment)
    except ValueError:
        return moment


def suggested_next_due(lead: Lead, now: datetime | None = None) -> datetime:
    """When the next follow-up should be, offered after completing one: a day later, at work."""
    return working_moment(lead.dealership, (now or timezone.now()) + timedelta(days=1))


def _check(title: str, due_at: datetime | None) -> tuple[str, datetime]:
    title = (title or "").strip()
    if not title:
        raise ValueError("Give the follow-up a title.")
    if len(title) > 200:
        raise ValueError("Keep the title under 200 characters.")
    if due_at is None or due_at.tzinfo is None:
        raise ValueError("Give the follow-up a due date and time.")
    return title, due_at


def create_followup(
    *,
    lead: Lead,
    title: str,
    due_at: datetime | None,
    actor: User | None,
    assignee: User | None = None,
    category: str = "",
) -> FollowUp:
    """Add a task to the lead; its salesperson is chased once it is overdue."""
    title, due = _check(title, due_at)
    if assignee is not None and not assignee.memberships.filter(dealership=lead.dealership).exists():
        raise ValueError(f"{assignee.name} does not work at {lead.dealership.name}.")
    task = new(FollowUp, lead=lead, title=title, due_at=due, assignee=assignee, category=category, created_by=actor)
    add_followups(lead=lead, tasks=[task], actor=actor)
    return task


def add_followups(
    *, lead: Lead, tasks: list[FollowUp], actor: User | None, log: bool = True, timers: Sequence[Timer] = ()
) -> list[FollowUp]:
    """Store new, checked tasks of one lead with their timers and (unless `log` is false, for the
    caller to do with `log_added` later) their timeline entries, a few rows at once. `timers`:
    other unsaved timers of the lead, stored in the same INSERT."""
    with transaction.atomic(savepoint=False):
        batch.make_many(tasks)
        set_timers([*timers, *followup_timers(tasks)])
        if log and tasks:
            log_added(lead=lead, tasks=tasks, actor=actor)
    return tasks


def log_added(*, lead: Lead, tasks: list[FollowUp], actor: User | None) -> None:
    """The timeline entries of follow-ups just added."""
    zone = ZoneInfo(lead.dealership.timezone)
    now = timezone.now()
    batch.insert_many(
        new(
            Activity,
            lead=lead,
            kind=ACTIVITY_KIND,
            actor=actor,
            text=f"Follow-up added: {task.title} (due {task.due_at.astimezone(zone):%a %b %-d, %-I:%M %p})"
            + (f", for {task.assignee.name}" if task.assignee else ""),
            data={"followup": task.pk},
            at=now,
        )
        for task in tasks
    )


@dataclass(frozen=True)
class Completed:
    """A completed follow-up and the next one, if one was asked for."""

    followup: FollowUp
    next: FollowUp | None


def complete_followup(
    *,
    followup: FollowUp,
    actor: User,
    comment: str,
    next_title: str = "",
    next_due_at: datetime | None = None,
) -> Completed:
    """Mark the task done with a comment and, if given, add the next follow-up.

    The comment is required: it is what the next person to open the lead reads. A task already
    completed (by someone else a moment ago) raises ValueError and changes nothing.
    """
    comment = (comment or "").strip()
    if not comment:
        raise ValueError("Say what happened: a comment is needed to complete a follow-up.")
    wants_next = bool((next_title or "").strip()) or next_due_at is not None
    if wants_next:
        _check(next_title, next_due_at)
    with transaction.atomic():
        now = timezone.now()
        done = FollowUp.objects.filter(pk=followup.pk, completed_at__isnull=True).update(
            completed_at=now, completed_by=actor, comment=comment
        )
        if not done:
            raise ValueError("This follow-up was already completed.")
        cancel_followup(followup=followup, at=now)
        followup.refresh_from_db()
        record_activity(
            lead=followup.lead,
            kind=ACTIVITY_KIND,
            actor=actor,
            text=f"Follow-up done: {followup.title} — {comment}",
            data={"followup": followup.pk},
        )
        following = None
        if wants_next:
            following = create_followup(
                lead=followup.lead, title=next_title, due_at=next_due_at, actor=actor, assignee=followup.assignee
            )
    return Completed(followup, following)


# Default tasks --------------------------------------------------------------------------------


def default_tasks(dealership: Dealership) -> list[DefaultTask]:
    """The dealership's default tasks, set up from BUILTIN_DEFAULTS the first time they are asked for
    (in intake, kept while the settings stay as they are: forecourt/lib/batch.py, `read_settled`)."""
    return list(read_settled(("followups.default_tasks", dealership.pk), lambda: _default_tasks(dealership)))


def _default_tasks(dealership: Dealership) -> list[DefaultTask]:
    tasks = list(DefaultTask.objects.filter(dealership=dealership))
    if tasks:
        return tasks
    with transaction.atomic():
        _, created = DefaultTasksSeeded.objects.get_or_create(dealership=dealership)
        if created:
            DefaultTask.objects.bulk_create(
                DefaultTask(dealership=dealership, category=category, title=title, due_after_hours=hours, position=i)
                for category, rows in BUILTIN_DEFAULTS.items()
                for i, (title, hours) in enumerate(rows)
            )
    return list(DefaultTask.objects.filter(dealership=dealership))


def reply_deadline(lead: Lead) -> datetime | None:
    """When the lead's first human reply is due on its running SLA clock; None without one."""
    sla = LeadSla.objects.filter(lead=lead, state__in=RUNNING_STATES).only("stage1_due_at").first()
    return sla.stage1_due_at if sla else None


def create_default_tasks(*, lead: Lead, category: str | None = None, actor: User | None = None) -> list[FollowUp]:
    """Give the lead the default tasks of its category (or of `category`, e.g. sold); idempotent.

    Sold tasks count from the sale. A new lead's tasks count from when its first reply is due
    (from its arrival when it has no reply clock): the first reply is the clock's job, with its
    reminder, overdue notice and supervisor, and the default tasks are the steps after it. So a
    "second contact a day later" never falls due before, or together with, the first reply
    (a lead at 16:50 on a Saturday is due a reply Monday 09:20: its second contact Tuesday 09:20, not
    Monday 09:00), and a salesperson is never told about the same missing reply twice. For the
    same reason a 0-hour task is left out when a clock runs: the clock already chases that reply.
    """
    category = category or category_of(lead)
    if category is None or lead.followups.filter(category=category).exists():
        return []
    sold = category == Category.SOLD
    if sold:
        _close_pre_sale_defaults(lead=lead, actor=actor)
    deadline = None if sold else reply_deadline(lead)
    start = timezone.now() if sold else (deadline or lead.received_at)
    return _add_defaults(lead, category, start=start, clock_runs=deadline is not None, actor=actor)


def start_default_tasks(*, lead: Lead, sla: LeadSla, clock_timers: list[Timer], actor: User | None) -> list[FollowUp]:
    """`create_default_tasks` for a lead made in this transaction whose clock `sla` was just
    started (`escalations.actions.new_clock`): it has no tasks yet and its reply deadline is in
    hand. The clock's unsaved timers are stored with the tasks' own. Their timeline entries are
    left to the caller (`log_added`), who writes them once the lead has its owner."""
    category = category_of(lead)
    if category is None:
        set_timers(clock_timers)
        return []
    deadline = sla.stage1_due_at if sla.state in RUNNING_STATES else None
    start = deadline or lead.received_at
    return _add_defaults(
        lead, category, start=start, clock_runs=deadline is not None, actor=actor, log=False, timers=clock_timers
    )


def _add_defaults(
    lead: Lead,
    category: str,
    *,
    start: datetime,
    clock_runs: bool,
    actor: User | None,
    log: bool = True,
    timers: Sequence[Timer] = (),
) -> list[FollowUp]:
    tasks = [
        new(
            FollowUp,
            lead=lead,
            title=default.title,
            due_at=working_moment(lead.dealership, start + timedelta(hours=default.due_after_hours)),
            category=category,
            created_by=actor,
        )
        for default in default_tasks(lead.dealership)
        if default.category == category and not (clock_runs and default.due_after_hours == 0)
    ]
    return add_followups(lead=lead, tasks=tasks, actor=actor, log=log, timers=timers)


def _close_pre_sale_defaults(*, lead: Lead, actor: User | None) -> None:
    """Once the customer has bought, the new-lead defaults ("second contact", "ask for an
    appointment") are moot: they are closed with a note and chase nobody any more. Tasks someone
    added by hand stay open; they may well be about the delivery."""
    now = timezone.now()
    with transaction.atomic():
        moot = list(
            lead.followups.filter(completed_at__isnull=True, category__in=(Category.THIRD_PARTY, Category.MANUAL))
        )
        if not moot:
            return
        FollowUp.objects.filter(pk__in=[t.pk for t in moot], completed_at__isnull=True).update(
            completed_at=now, completed_by=actor, comment="Closed: the lead was sold."
        )
        for task in moot:
            cancel_followup(followup=task, at=now)
        record_activity(
            lead=lead,
            kind=ACTIVITY_KIND,
            actor=actor,
            text="Follow-ups closed by the sale: " + ", ".join(t.title for t in moot),
            data={"followups": [t.pk for t in moot]},
        )


def set_default_tasks(
    *, dealership: Dealership, category: str, rows: Iterable[Mapping[str, Any]], actor: User
) -> list[DefaultTask]:
    """Replace the default tasks of one category with `rows` ({"title", "due_after_hours"}), in order."""
    if category not in Category.values:
        raise ValueError(f"Unknown category {category!r}.")
    cleaned = []
    for index, row in enumerate(rows, start=1):
        title = str(row.get("title") or "").strip()
        hours = row.get("due_after_hours")
        if not title:
            raise ValueError(f"Task {index}: give it a title.")
        if len(title) > 200:
            raise ValueError(f"Task {index}: keep the title under 200 characters.")
        if not isinstance(hours, int) or isinstance(hours, bool) or not 0 <= hours <= 24 * 365:
            raise ValueError(f"Task {index}: due after must be a whole number of hours from 0 to 8760.")
        cleaned.append((title, hours))
    default_tasks(dealership)  # seeds first, so other categories keep their defaults
    with transaction.atomic():
        DefaultTask.objects.filter(dealership=dealership, category=category).delete()
        DefaultTask.objects.bulk_create(
            DefaultTask(dealership=dealership, category=category, title=t, due_after_hours=h, position=i)
            for i, (t, h) in enumerate(cleaned)
        )
    return list(DefaultTask.objects.filter(dealership=dealership, category=category))

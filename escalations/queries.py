"""Reads of the SLA clock: a lead's deadlines as the API and the screens show them, and the
dashboard's "needs attention" queue, always scoped to what the user may see."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import User
from appointments.models import Appointment
from appointments.queries import unmarked_for
from escalations.models import LeadSla
from followups.models import FollowUp
from followups.queries import open_followups_for
from leads.models import Lead
from leads.queries import leads_visible_to

SOON = timedelta(minutes=60)
ATTENTION_ROWS = 20
RUNNING = (LeadSla.State.RUNNING, LeadSla.State.STAGE1, LeadSla.State.STAGE2)


def _sla_of(lead: Lead) -> LeadSla | None:
    try:
        return lead.sla
    except LeadSla.DoesNotExist:
        return None


def state_at(sla: LeadSla | None, now: datetime) -> str:
    """The state as of `now`: a deadline that has passed counts even before the worker acts on it."""
    if sla is None:
        return LeadSla.State.NONE
    if sla.state not in RUNNING:
        return sla.state
    if sla.state == LeadSla.State.STAGE2 or (sla.stage2_due_at and now >= sla.stage2_due_at):
        return LeadSla.State.STAGE2
    if sla.state == LeadSla.State.STAGE1 or (sla.stage1_due_at and now >= sla.stage1_due_at):
        return LeadSla.State.STAGE1
    return LeadSla.State.RUNNING


def _iso(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).isoformat() if moment else None


def sla_dict(lead: Lead, now: datetime | None = None) -> dict[str, Any]:
    """The `sla` object of a lead in the API (CONTRACT §4)."""
    sla = _sla_of(lead)
    return {
        "stage1_due_at": _iso(sla.stage1_due_at if sla else None),
        "reminder_at": _iso(sla.reminder_at if sla else None),
        "stage2_due_at": _iso(sla.stage2_due_at if sla else None),
        "state": state_at(sla, now or timezone.now()),
    }


@dataclass(frozen=True)
class SlaBadge:
    """What the lead's countdown or overdue badge says."""

    lead_id: int
    state: str
    label: str
    due_at: datetime | None
    seconds_left: int | None
    tone: str  # ok | warn | danger | quiet
    zone: str = "UTC"  # the dealership's, in which times are shown

    @property
    def overdue(self) -> bool:
        return self.state in (LeadSla.State.STAGE1, LeadSla.State.STAGE2)


def _span(seconds: float) -> str:
    minutes = int(abs(seconds) // 60)
    if minutes < 60:
        return f"{minutes} min"
    hours, rest = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} h {rest:02d} min"
    return f"{hours // 24} days"


def badge(lead: Lead, now: datetime | None = None) -> SlaBadge:
    """The countdown ("reply within 12 min"), overdue badge, or "answered in 4 min"."""
    now = now or timezone.now()
    sla = _sla_of(lead)
    state = state_at(sla, now)
    due = sla.stage1_due_at if sla else None
    zone = lead.dealership.timezone
    if state == LeadSla.State.MET:
        took = (lead.first_response_at - lead.received_at).total_seconds() if lead.first_response_at else None
        label = f"Answered in {_span(took)}" if took is not None and took >= 0 else "Answered"
        return SlaBadge(lead.pk, state, label, None, None, "ok", zone)
    if state == LeadSla.State.NONE or due is None:
        return SlaBadge(lead.pk, LeadSla.State.NONE, "No reply deadline", None, None, "quiet", zone)
    left = (due - now).total_seconds()
    if state == LeadSla.State.RUNNING:
        tone = "warn" if sla and sla.reminder_at and now >= sla.reminder_at else "ok"
        return SlaBadge(lead.pk, state, f"Reply within {_span(left)}", due, int(left), tone, zone)
    label = f"Overdue by {_span(left)}" + (" · manager alerted" if state == LeadSla.State.STAGE2 else "")
    return SlaBadge(lead.pk, state, label, due, int(left), "danger", zone)


# Needs attention ------------------------------------------------------------------------------


def _open_with_clock(user: User) -> QuerySet[Lead]:
    return (
        leads_visible_to(user)
        .filter(status__in=Lead.OPEN_STATUSES, first_response_at__isnull=True, sla__state__in=RUNNING)
        .select_related("customer", "dealership", "assigned_to", "sla")
    )


def followups_due_for(user: User, now: datetime) -> QuerySet[FollowUp]:
    """Open follow-ups due by now on leads the user sees; a salesperson's own, a manager's all
    (the same tasks as the Follow-ups page's "Overdue", whose rule is followups.queries)."""
    return open_followups_for(user, team=True).filter(due_at__lte=now)


@dataclass
class Attention:
    """The dashboard's needs-attention queue: rows (first few of each) and real counts."""

    overdue: list[Lead]
    overdue_count: int
    soon: list[Lead]
    soon_count: int
    followups: list[FollowUp]
    followups_count: int
    # Appointments that started and nobody marked (appointments.queries.unmarked_for).
    appointments: list[Appointment] = field(default_factory=list)
    appointments_count: int = 0

    @property
    def total(self) -> int:
        return self.overdue_count + self.soon_count + self.followups_count + self.appointments_count


def needs_attention(user: User, now: datetime | None = None) -> Attention:
    now = now or timezone.now()
    leads = _open_with_clock(user)
    overdue = leads.filter(sla__stage1_due_at__lte=now).order_by("sla__stage1_due_at", "pk")
    soon = leads.filter(sla__stage1_due_at__gt=now, sla__stage1_due_at__lte=now + SOON).order_by(
        "sla__stage1_due_at", "pk"
    )
    tasks = followups_due_for(user, now).order_by("due_at", "pk")
    unmarked = unmarked_for(user, now)
    return Attention(
        overdue=list(overdue[:ATTENTION_ROWS]),
        overdue_count=overdue.count(),
        soon=list(soon[:ATTENTION_ROWS]),
        soon_count=soon.count(),
        followups=list(tasks[:ATTENTION_ROWS]),
        followups_count=tasks.count(),
        appointments=list(unmarked[:ATTENTION_ROWS]),
        appointments_count=unmarked.count(),
    )

"""The leads behind each figure of a report: what a click on a number lists.

Every figure is a condition on the report's leads (`reports.queries.report_leads`), so the list
and the number can never disagree.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery

from escalations.models import LeadSla, Timer
from leads.models import Activity, Lead
from reports.queries import GROUPINGS

# A status change to "Appointment" on the timeline: the lead had an appointment at some point.
APPOINTMENT_TEXT = "→ Appointment"


def reminded() -> Exists:
    return Exists(
        Timer.objects.filter(
            lead_id=OuterRef("pk"), kind=Timer.Kind.REMINDER, followup__isnull=True, fired_at__isnull=False
        )
    )


def stage_reached() -> Subquery:
    """The last SLA stage the lead passed ("stage1", "stage2", "" or None without a clock), read
    by primary key per lead rather than joined (see `reports.speed.with_minutes`)."""
    return Subquery(LeadSla.objects.filter(lead_id=OuterRef("pk")).values("stage_reached"))


def had_appointment() -> Q:
    """The lead is at the appointment stage now, or its timeline shows it was."""
    history = Activity.objects.filter(
        lead_id=OuterRef("pk"), kind=Activity.Kind.STATUS, text__contains=APPOINTMENT_TEXT
    )
    return Q(status=Lead.Status.APPOINTMENT) | Q(Exists(history))


FIGURES: dict[str, tuple[str, Q]] = {
    "leads": ("All leads", Q()),
    "answered": ("Answered", Q(first_response_at__isnull=False)),
    "never": ("Never answered", Q(first_response_at__isnull=True)),
    "waiting": ("Waiting for a first reply", Q(first_response_at__isnull=True, status__in=Lead.OPEN_STATUSES)),
    "within_5": ("Answered within 5 working minutes", Q(reply_time__working_minutes__lte=5)),
    "within_30": ("Answered within 30 working minutes", Q(reply_time__working_minutes__lte=30)),
    "stage1": ("Overdue (stage 1)", Q(sla__stage_reached__in=["stage1", "stage2"])),
    "stage2": ("Supervisor told (stage 2)", Q(sla__stage_reached="stage2")),
    "working": ("Worked", Q(first_response_at__isnull=False) | ~Q(status=Lead.Status.NEW)),
    "sold": ("Sold", Q(status=Lead.Status.SOLD)),
    "lost": ("Lost", Q(status=Lead.Status.LOST)),
}


def figure_leads(leads: QuerySet[Lead], figure: str, group: str = "", key: str | None = None) -> QuerySet[Lead]:
    """The report's leads behind one figure, in one row (group, key) or all of them.

    KeyError for an unknown figure or grouping. An empty key means the row without one
    (unassigned leads, say).
    """
    if figure == "reminded":
        leads = leads.filter(reminded())
    elif figure == "appointment":
        leads = leads.filter(had_appointment())
    else:
        leads = leads.filter(FIGURES[figure][1])
    if group:
        field = GROUPINGS[group]
        leads = leads.filter(**{f"{field}__isnull": True} if not key else {field: key})
    return leads


def figure_title(figure: str) -> str:
    extra = {"reminded": "Reminder sent", "appointment": "Had an appointment"}
    return extra.get(figure) or FIGURES[figure][0]

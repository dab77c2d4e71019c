"""Reads of appointments scoped to who asks: every screen, the feed and the API go through here."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Q, QuerySet
from django.utils import timezone

from accounts.models import Membership, User
from accounts.queries import dealerships_seen_whole_by
from appointments.models import Appointment
from dealerships.models import Dealership
from leads.queries import leads_visible_to

ATTENTION_ROWS = 20


def appointments_visible_to(user: User) -> QuerySet[Appointment]:
    """Appointments the user may see: their own; those on leads they see; and, for a manager or
    admin, every one at the dealerships they manage. Never another dealership's."""
    if not user.is_authenticated or not user.is_active:
        return Appointment.objects.none()
    mine = list(Membership.objects.filter(user=user).values_list("dealership_id", flat=True))
    whole = list(dealerships_seen_whole_by(user).values_list("pk", flat=True))
    visible = Q(dealership_id__in=whole) | Q(
        dealership_id__in=mine, lead__in=leads_visible_to(user).filter(dealership_id__in=mine).values("pk")
    )
    visible |= Q(dealership_id__in=mine, user_id=user.pk)
    return Appointment.objects.filter(visible)


def appointment_for(user: User, appointment_id: int) -> Appointment:
    """One appointment the user may see, or Appointment.DoesNotExist (404, never 403)."""
    return (
        appointments_visible_to(user)
        .select_related("lead__customer", "dealership", "user", "vehicle")
        .get(pk=appointment_id)
    )


def with_details(appointments: QuerySet[Appointment]) -> QuerySet[Appointment]:
    return appointments.select_related("lead__customer", "lead__dealership", "dealership", "user", "vehicle")


def local_day_bounds(zone: str, day: date, days: int = 1) -> tuple[datetime, datetime]:
    """From midnight of `day` to midnight `days` later, in the zone (a day may last 23 or 25 hours)."""
    tz = ZoneInfo(zone)
    start = datetime.combine(day, datetime.min.time(), tz)
    end = datetime.combine(day + timedelta(days=days), datetime.min.time(), tz)
    return start, end


def today_for(user: User, now: datetime | None = None) -> list[Appointment]:
    """The dashboard's "Today's appointments": the user's own today (everyone's at dealerships
    they manage), today being the day where each dealership is; cancelled ones left out."""
    now = now or timezone.now()
    today = Q(pk__in=[])
    managed = set(dealerships_seen_whole_by(user).values_list("pk", flat=True))
    for dealership in Dealership.objects.filter(memberships__user=user).distinct():
        local = now.astimezone(ZoneInfo(dealership.timezone)).date()
        start, end = local_day_bounds(dealership.timezone, local)
        mine = Q() if dealership.pk in managed else Q(user_id=user.pk)
        today |= Q(dealership=dealership, starts_at__gte=start, starts_at__lt=end) & mine
    rows = appointments_visible_to(user).filter(today).exclude(status=Appointment.Status.CANCELLED)
    return list(with_details(rows).order_by("starts_at", "pk")[:50])


def unmarked_for(user: User, now: datetime | None = None) -> QuerySet[Appointment]:
    """Appointments that need attention until someone marks them kept, no-show or cancelled:
    every one of today (the dealership's day), and any earlier one that started and was never
    marked. A salesperson's own; a manager's, everyone's at the dealerships they manage."""
    now = now or timezone.now()
    managed = list(dealerships_seen_whole_by(user).values_list("pk", flat=True))
    due = Q(starts_at__lte=now)
    for dealership in Dealership.objects.filter(memberships__user=user).distinct():
        local = now.astimezone(ZoneInfo(dealership.timezone)).date()
        _, end_of_today = local_day_bounds(dealership.timezone, local)
        due |= Q(dealership=dealership, starts_at__lt=end_of_today)
    rows = appointments_visible_to(user).filter(due, status=Appointment.Status.BOOKED)
    return with_details(rows.filter(Q(user_id=user.pk) | Q(dealership_id__in=managed))).order_by("starts_at", "pk")


def calendar_of(
    user: User, *, start: datetime, end: datetime, dealership: Dealership | None = None
) -> QuerySet[Appointment]:
    """Events between `start` and `end`: the user's own, or with `dealership` everyone's there
    that the user may see."""
    rows = appointments_visible_to(user).filter(starts_at__gte=start, starts_at__lt=end)
    rows = rows.filter(dealership=dealership) if dealership is not None else rows.filter(user_id=user.pk)
    return with_details(rows).order_by("starts_at", "pk")

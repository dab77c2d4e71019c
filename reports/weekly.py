"""The weekly summary email: last week's figures, every Monday morning, to managers who asked.

Opt-in per user (`WeeklySummary`). The worker's sweep makes it once a user's Monday 07:00 has
passed (in the zone of the first dealership they manage), from the first Monday after they asked;
`WeeklySummarySent` (unique per user
and week) keeps it to one email a week whatever the number of workers or passes. The email goes
through the notifications outbox, which marks every email Forecourt sends by itself
`Auto-Submitted: auto-generated`.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone

from accounts.models import Membership, User
from accounts.queries import dealerships_seen_whole_by
from notifications.actions import queue_email
from reports.models import WeeklySummary, WeeklySummarySent
from reports.period import preset
from reports.queries import report_dealerships
from reports.screen import ReportRequest, build_report

SEND_FROM = time(7, 0)  # local time on Monday
PURPOSE = "weekly_report"


def set_weekly_summary(*, user: User, on: bool) -> None:
    """Start or stop the user's weekly summary email."""
    if on:
        WeeklySummary.objects.get_or_create(user=user)
    else:
        WeeklySummary.objects.filter(user=user).delete()


def _due_week(user: User, now: datetime, since: datetime) -> ReportRequest | None:
    """The report due for the user now (last week, all their dealerships), or None. A summary
    whose Monday morning came before the user asked for summaries (`since`) is not due."""
    managed = list(dealerships_seen_whole_by(user).order_by("name"))
    if not managed:
        return None
    zone = ZoneInfo(managed[0].timezone)
    local_now = now.astimezone(zone)
    monday = local_now.date() - timedelta(days=local_now.weekday())
    if local_now < datetime.combine(monday, SEND_FROM, zone):
        monday -= timedelta(days=7)  # before Monday 07:00: the week before last is the one due
    if datetime.combine(monday, SEND_FROM, zone) < since:
        return None
    period = preset("last_week", monday)
    return ReportRequest(report_dealerships(user), "", period, "last_week", "salesperson")


def send_weekly_summary(*, subscription: WeeklySummary, now: datetime) -> bool:
    """Make the subscriber's summary of last week if due and not made yet; True if made now."""
    user = subscription.user
    asked = _due_week(user, now, subscription.subscribed_at)
    if asked is None:
        return False
    if WeeklySummarySent.objects.filter(user=user, week=asked.period.first).exists():
        return False
    report = build_report(user, asked, now, sections=("speed", "sla", "activity"))
    context = {"report": report, "asked": asked, "user": user, "url": f"{settings.BASE_URL}/reports/?period=last_week"}
    subject = f"Weekly summary: {asked.period.describe()}"
    try:
        with transaction.atomic():
            sent = WeeklySummarySent.objects.create(user=user, week=asked.period.first)
            sent.email = queue_email(
                to=[user.email],
                subject=subject,
                body=render_to_string("reports/weekly_summary.txt", context),
                html=render_to_string("reports/weekly_summary.html", context),
                purpose=PURPOSE,
                wake_worker=False,
            )
            sent.save(update_fields=["email"])
    except IntegrityError:  # another worker made it first
        return False
    return True


def sweep_weekly_summaries() -> int:
    """The worker's sweep: every subscriber's summary that is due.

    Cheap on every pass but the first after Monday morning: subscribers whose summary of the
    week before last (by the UTC calendar) is made are left out in the query itself. Zones
    west of UTC may have one more look around Monday 07:00 local, which finds the row and stops.
    """
    now = timezone.now()
    today = now.date()
    last_monday = today - timedelta(days=today.weekday() + 7)
    made_already = WeeklySummarySent.objects.filter(week=last_monday).values("user_id")
    subscribers = (
        WeeklySummary.objects.filter(user__is_active=True, user__memberships__role__in=Membership.MANAGING_ROLES)
        .exclude(user_id__in=made_already)
        .select_related("user")
        .distinct()
    )
    made = 0
    for subscription in subscribers:
        made += send_weekly_summary(subscription=subscription, now=now)
    return made

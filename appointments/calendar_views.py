"""The calendar screens (a day or a week, mine or a dealership's, listed day by day so it reads on
a phone), the page with the person's secret feed address, and the `.ics` feed itself."""

from __future__ import annotations

from datetime import date, timedelta
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from accounts.queries import dealerships_of, dealerships_seen_whole_by
from appointments import actions
from appointments.ics import feed_calendar
from appointments.models import Appointment, CalendarFeed
from appointments.queries import calendar_of, local_day_bounds, with_details
from appointments.views import _user
from dealerships.calendar import WEEKDAYS

FEED_PAST = timedelta(days=30)


def _day_from(text: str, default: date) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        return default


def calendar(request: HttpRequest) -> HttpResponse:
    """`?view=day|week`, `?date=YYYY-MM-DD`, `?dealership=slug` (everyone's there) or mine."""
    user = _user(request)
    mine = list(dealerships_of(user).order_by("name"))
    if not mine:
        raise Http404("You work at no dealership.")
    slug = request.GET.get("dealership", "")
    dealership = next((d for d in mine if d.slug == slug), None)
    if slug and dealership is None:
        raise Http404("No such dealership.")
    zone_of = dealership or mine[0]
    zone = ZoneInfo(zone_of.timezone)
    today = timezone.now().astimezone(zone).date()
    view = "day" if request.GET.get("view") == "day" else "week"
    day = _day_from(request.GET.get("date", ""), today)
    first = day if view == "day" else day - timedelta(days=day.weekday())
    length = 1 if view == "day" else 7
    start, end = local_day_bounds(zone_of.timezone, first, length)
    rows = list(calendar_of(user, start=start, end=end, dealership=dealership))
    days = []
    for offset in range(length):
        this = first + timedelta(days=offset)
        hours = zone_of.hours.get(WEEKDAYS[this.weekday()]) or []
        closed = zone_of.calendar().holiday_name(this) or ("Closed" if not hours or this in zone_of.days_off else "")
        days.append(
            {
                "date": this,
                "is_today": this == today,
                "hours": ", ".join(hours),
                "closed": closed,
                "events": [a for a in rows if a.starts_at.astimezone(zone).date() == this],
            }
        )
    step = timedelta(days=length)
    context = {
        "view": view,
        "days": days,
        "first": first,
        "last": first + timedelta(days=length - 1),
        "previous": first - step,
        "next_day": first + step,
        "today": today,
        "dealership": dealership,
        "dealerships": mine,
        "whole": set(dealerships_seen_whole_by(user).values_list("pk", flat=True)),
        "zone": zone_of.timezone,
        "now": timezone.now(),
        "here": request.get_full_path(),
    }
    return render(request, "appointments/calendar.html", context)


def feed_page(request: HttpRequest) -> HttpResponse:
    """The person's secret calendar address, to subscribe to from their phone, and a way to change it."""
    user = _user(request)
    feed = actions.feed_of(user)
    url = request.build_absolute_uri(reverse("calendar-feed", args=[feed.token]))
    context = {"subscribe_url": url, "webcal_url": "webcal://" + url.split("://", 1)[1]}
    return render(request, "appointments/feed.html", context)


@require_POST
def renew_feed(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    actions.renew_feed(user=user, actor=user)
    messages.success(request, "Your calendar has a new address; the old one no longer works. Subscribe again.")
    return HttpResponseRedirect(reverse("calendar-feed-page"))


@login_not_required
@require_GET
def feed(request: HttpRequest, token: str) -> HttpResponse:
    """The `.ics` feed: no login (a phone's calendar cannot log in); the token is the key."""
    try:
        owner = CalendarFeed.objects.select_related("user").get(token=token).user
    except CalendarFeed.DoesNotExist:
        raise Http404("No such calendar.") from None
    if not owner.is_active:
        raise Http404("No such calendar.")
    now = timezone.now()
    mine = dealerships_of(owner).values("pk")
    rows = with_details(
        Appointment.objects.filter(user=owner, dealership__in=mine, starts_at__gte=now - FEED_PAST)
    ).order_by("starts_at", "pk")
    body = feed_calendar(rows, name=f"Forecourt: {owner.name}", now=now)
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, max-age=300"
    return response

"""A person's appointments as an iCalendar feed (RFC 5545), built with the `icalendar` library."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from urllib.parse import urlsplit

from django.conf import settings
from icalendar import Calendar, Event

from appointments.models import Appointment


def uid_of(appointment: Appointment) -> str:
    """Stable for the appointment's whole life, so a phone updates the event instead of adding one."""
    host = urlsplit(settings.BASE_URL).hostname or "forecourt"
    return f"appointment-{appointment.pk}@{host}"


def summary_of(appointment: Appointment) -> str:
    return f"{appointment.get_kind_display()}: {appointment.what}"


def feed_calendar(appointments: Iterable[Appointment], *, name: str, now: datetime) -> bytes:
    """The VCALENDAR text: one VEVENT per appointment, times in UTC; cancelled ones stay in with
    STATUS:CANCELLED so calendars that kept them take them off."""
    calendar = Calendar()
    calendar.add("prodid", "-//Forecourt//Appointments//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", name)
    for appointment in appointments:
        event = Event()
        event.add("uid", uid_of(appointment))
        event.add("dtstamp", now.astimezone(UTC))
        event.add("dtstart", appointment.starts_at.astimezone(UTC))
        event.add("dtend", appointment.ends_at.astimezone(UTC))
        event.add("summary", summary_of(appointment))
        event.add("location", appointment.dealership.name)
        event.add("status", "CANCELLED" if appointment.status == Appointment.Status.CANCELLED else "CONFIRMED")
        details = []
        if appointment.vehicle_id:
            details.append(f"Vehicle: {appointment.vehicle}")
        if appointment.note:
            details.append(appointment.note)
        if appointment.status not in (Appointment.Status.BOOKED, Appointment.Status.CANCELLED):
            details.append(f"Marked {appointment.get_status_display().lower()}")
        if appointment.lead_id:
            url = f"{settings.BASE_URL}/leads/{appointment.lead_id}/"
            event.add("url", url)
            details.append(url)
        if details:
            event.add("description", "\n".join(details))
        calendar.add_component(event)
    return calendar.to_ical()

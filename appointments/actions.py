"""Every write of appointments: book one, mark it kept, no-show or cancelled, and renew a
person's calendar feed. Each takes keyword arguments and an explicit actor; the lead's timeline
says what happened."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from appointments import notices
from appointments.models import REMINDER_BEFORE, Appointment, CalendarFeed, new_feed_token
from appointments.rules import DEFAULT_LENGTH, BookingRefused, check_times
from dealerships.models import Dealership
from followups.actions import create_followup, working_moment
from forecourt.lib.text import one_line
from leads import actions as lead_actions
from leads.models import Activity, Lead, VehicleInterest

CALL_BACK_LENGTH = timedelta(minutes=15)
# A no-show's follow-up: ring them to book again, a couple of working hours later.
NO_SHOW_FOLLOWUP_AFTER = timedelta(hours=2)


def book_appointment(
    *,
    dealership: Dealership,
    actor: User,
    starts_at: datetime,
    lead: Lead | None = None,
    user: User | None = None,
    kind: str = Appointment.Kind.APPOINTMENT,
    ends_at: datetime | None = None,
    vehicle: VehicleInterest | None = None,
    note: str = "",
    title: str = "",
    insist: bool = False,
    now: datetime | None = None,
) -> Appointment:
    """Book a time with the lead's customer (or, without a lead, a free-standing event).

    With the lead's salesperson unless `user` says whom (else the actor). Refused (BookingRefused
    or ValueError, nothing stored) in the past, outside opening hours unless `insist`, for someone
    who does not work at the dealership or a vehicle not on the lead. A lead still new or being
    worked moves to Appointment; the customer gets a confirmation (text, else email) and the
    salesperson hears of it when someone else booked it.
    """
    now = now or timezone.now()
    if lead is not None and lead.dealership_id != dealership.pk:
        raise ValueError("The lead belongs to another dealership.")
    if kind not in Appointment.Kind.values:
        raise BookingRefused(f"Unknown kind of event {kind!r}.", "kind")
    user = user or (lead.assigned_to if lead is not None and lead.assigned_to else None) or actor
    if not user.is_active or not user.memberships.filter(dealership=dealership).exists():
        raise BookingRefused(f"{user.name} does not work at {dealership.name}.", "user")
    if vehicle is not None and (lead is None or vehicle.lead_id != lead.pk):
        raise BookingRefused("That vehicle is not one of this lead's.", "vehicle")
    if lead is None and kind in Appointment.CUSTOMER_KINDS and not title.strip():
        raise BookingRefused("Say what the event is (a title), or book it on a lead.", "title")
    length = CALL_BACK_LENGTH if kind == Appointment.Kind.CALL_BACK else DEFAULT_LENGTH
    ends_at = ends_at or starts_at + length
    outside = check_times(
        starts_at=starts_at,
        ends_at=ends_at,
        now=now,
        calendar=dealership.calendar(),
        insist=insist,
        name=dealership.name,
        shown=notices.when(starts_at, dealership.timezone),
    )
    reminder_at = starts_at - REMINDER_BEFORE
    with transaction.atomic():
        appointment = Appointment.objects.create(
            dealership=dealership,
            lead=lead,
            user=user,
            kind=kind,
            title=one_line(title)[:200],
            starts_at=starts_at,
            ends_at=ends_at,
            vehicle=vehicle,
            note=note.strip(),
            outside_hours=outside,
            booked_by=actor,
            created_at=now,
            # Booked less than a day ahead: the confirmation is the reminder.
            reminder_due_at=reminder_at if reminder_at > now else None,
        )
        if lead is not None:
            lead_actions.record_activity(
                lead=lead,
                kind=Activity.Kind.APPOINTMENT,
                actor=actor,
                text=f"{appointment.get_kind_display()} booked for {notices.shown(appointment)} with {user.name}"
                + (f" ({vehicle})" if vehicle else "")
                + (" — outside opening hours" if outside else "")
                + (f": {appointment.note}" if appointment.note else ""),
                data={"appointment": appointment.pk},
            )
            if lead.status in (Lead.Status.NEW, Lead.Status.WORKING):
                lead_actions.set_status(lead=lead, status=Lead.Status.APPOINTMENT, actor=actor)
        appointment.customer_notice = notices.tell_customer(appointment, reminder=False)
        if appointment.customer_notice:
            appointment.save(update_fields=["customer_notice"])
        notices.tell_salesperson(appointment, reminder=False)
    return appointment


OUTCOMES: dict[str, str] = {
    Appointment.Status.KEPT: "kept",
    Appointment.Status.NO_SHOW: "a no-show",
    Appointment.Status.CANCELLED: "cancelled",
}


def mark_appointment(
    *, appointment: Appointment, outcome: str, actor: User, now: datetime | None = None
) -> Appointment:
    """Say how it went: kept (the lead records a visit, which counts as contact with the
    customer), no-show (a follow-up to book again) or cancelled. Once only: ValueError for an
    appointment already marked, a no-show before it started, or an unknown outcome.
    """
    now = now or timezone.now()
    if outcome not in OUTCOMES:
        raise ValueError("The outcome is one of kept, no_show or cancelled.")
    if outcome == Appointment.Status.NO_SHOW and appointment.starts_at > now:
        raise ValueError("It has not started yet: a no-show can only be marked once the time has come.")
    with transaction.atomic():
        # Conditional, so two people marking it at once cannot both record a visit or a follow-up.
        marked = Appointment.objects.filter(pk=appointment.pk, status=Appointment.Status.BOOKED).update(
            status=outcome, marked_at=now, marked_by=actor
        )
        if not marked:
            appointment.refresh_from_db()
            raise AlreadyMarked(f"This appointment is already marked {appointment.get_status_display().lower()}.")
        appointment.refresh_from_db()
        lead = appointment.lead
        if lead is not None:
            _after_outcome(appointment=appointment, lead=lead, actor=actor, now=now)
    return appointment


class AlreadyMarked(ValueError):
    """An appointment whose outcome was given already (the API answers 409)."""


def _after_outcome(*, appointment: Appointment, lead: Lead, actor: User, now: datetime) -> None:
    label = appointment.get_kind_display()
    lead_actions.record_activity(
        lead=lead,
        kind=Activity.Kind.APPOINTMENT,
        actor=actor,
        text=f"{label} of {notices.shown(appointment)} {OUTCOMES[appointment.status]}",
        data={"appointment": appointment.pk, "outcome": appointment.status},
    )
    if appointment.status == Appointment.Status.KEPT:
        if appointment.kind in Appointment.CUSTOMER_KINDS:
            lead_actions.log_contact(lead=lead, kind="visit", note=f"{label} kept", actor=actor)
        return
    if appointment.status == Appointment.Status.NO_SHOW:
        create_followup(
            lead=lead,
            title=f"No-show: call {lead.customer.display_name} to book again",
            due_at=working_moment(lead.dealership, now + NO_SHOW_FOLLOWUP_AFTER),
            actor=actor,
        )
    still_booked = lead.appointments.filter(status=Appointment.Status.BOOKED).exists()
    if lead.status == Lead.Status.APPOINTMENT and not still_booked:
        lead_actions.set_status(lead=lead, status=Lead.Status.WORKING, actor=actor)


def feed_of(user: User) -> CalendarFeed:
    """The person's calendar feed, made the first time it is asked for."""
    feed, _ = CalendarFeed.objects.get_or_create(user=user)
    return feed


def renew_feed(*, user: User, actor: User) -> CalendarFeed:
    """A new secret address for the person's calendar feed; the old one stops working at once."""
    if actor.pk != user.pk:
        raise PermissionError("People renew their own calendar address.")
    feed = feed_of(user)
    feed.token = new_feed_token()
    feed.created_at = timezone.now()
    feed.save(update_fields=["token", "created_at"])
    return feed

"""What the customer and the salesperson are told about an appointment: the confirmation when it
is booked and the reminder the day before.

The customer's messages go through the one door for messages (`conversations.actions.send_message`,
automated), so consent and quiet hours apply and the conversation outbox sends them: a text when
the customer can take one, else an email. The salesperson is told through notifications.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction

from appointments.models import Appointment
from conversations.actions import send_message
from forecourt.lib.names import name_for_customers
from forecourt.templatetags.moments import when
from notifications.actions import notify
from notifications.models import Kind

CUSTOMER_CHANNELS = ("sms", "email")


def shown(appointment: Appointment) -> str:
    """The start as the dealership reads it: "Tue Mar 10, 10:00 AM"."""
    return when(appointment.starts_at, appointment.dealership.timezone)


def customer_text(appointment: Appointment, *, reminder: bool) -> str:
    lead = appointment.lead
    assert lead is not None
    first = lead.customer.first_name or "there"
    what = appointment.get_kind_display().lower()
    person = name_for_customers(appointment.user, appointment.dealership)
    with_whom = f" with {person}" if person else ""
    vehicle = f" ({appointment.vehicle})" if appointment.vehicle else ""
    where = appointment.dealership.name
    if reminder:
        return (
            f"Hi {first}, a reminder of your {what}{vehicle} at {where}{with_whom}: {shown(appointment)}. "
            "Reply if you need to change it."
        )
    return (
        f"Hi {first}, your {what}{vehicle} at {where}{with_whom} is booked for {shown(appointment)}. "
        "Reply if you need to change it."
    )


def tell_customer(appointment: Appointment, *, reminder: bool) -> str:
    """Queue the confirmation or reminder to the customer; returns "" or why it could not go.

    Tries a text, then an email. Nothing is stored for a channel that refuses (opted out, no
    number, no email transport), and a refusal never undoes the booking: it is kept on the
    appointment (`customer_notice`) and shown beside it.
    """
    lead = appointment.lead
    if lead is None or appointment.kind not in Appointment.CUSTOMER_KINDS:
        return ""
    body = customer_text(appointment, reminder=reminder)
    reasons = []
    for channel in CUSTOMER_CHANNELS:
        try:
            with transaction.atomic():
                subject = f"Your {appointment.get_kind_display().lower()} at {appointment.dealership.name}"
                send_message(
                    lead=lead,
                    channel=channel,
                    body=body,
                    actor=None,
                    automated=True,
                    subject=subject if channel == "email" else "",
                )
            return ""
        except ValueError as refusal:  # CannotSend (opted out, no address) or a channel not set up
            reasons.append(str(refusal))
    return ("Customer not told: " + " ".join(reasons))[:300]


def tell_salesperson(appointment: Appointment, *, reminder: bool, wake_worker: bool = True) -> None:
    """The salesperson hears of an appointment someone else booked for them, and of every
    appointment the day before."""
    if not reminder and appointment.booked_by_id == appointment.user_id:
        return
    what = f"{appointment.get_kind_display()}: {appointment.what}, {shown(appointment)}"
    booker = appointment.booked_by.name if appointment.booked_by else "Forecourt"
    text = f"Reminder: {what}" if reminder else f"{booker} booked you: {what}"
    day = appointment.starts_at.astimezone(ZoneInfo(appointment.dealership.timezone)).date()
    url = (
        f"{settings.BASE_URL}/leads/{appointment.lead_id}/"
        if appointment.lead_id
        else f"{settings.BASE_URL}/calendar/?date={day.isoformat()}"
    )
    notify(
        user=appointment.user,
        kind=Kind.APPOINTMENT,
        lead=appointment.lead,
        text=text,
        url=url,
        wake_worker=wake_worker,
    )

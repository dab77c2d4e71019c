"""The worker's sweep of appointment reminders: the day before, the customer and the salesperson
are reminded, once."""

from __future__ import annotations

import logging
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from appointments import notices
from appointments.models import Appointment

log = logging.getLogger(__name__)
BATCH = 100


def sweep_reminders() -> int:
    """Remind of every booked appointment whose reminder is due; returns how many were reminded.

    1. Each reminder is claimed by a conditional UPDATE of `reminder_sent_at` (the row count
       decides: two workers never both remind), in the same transaction as the messages it
       queues. A worker killed before the commit leaves nothing behind and the next pass reminds;
       one killed after it has reminded, and the next pass finds nothing to do.
    2. The messages only wait in the outbox (no provider is called here); the outbox sends them,
       each once, customer texts after the customer's quiet hours.
    """
    now = timezone.now()
    due = list(
        Appointment.objects.filter(
            status=Appointment.Status.BOOKED,
            reminder_sent_at__isnull=True,
            reminder_due_at__lte=now,
            starts_at__gt=now,
        ).values_list("pk", flat=True)[:BATCH]
    )
    done = 0
    for pk in due:
        try:
            done += remind(pk, now=now)
        except Exception:  # one bad row must not stop the others; it is tried again next pass
            log.exception("appointment %s: reminder failed; trying again on the next pass", pk)
    return done


def remind(pk: int, *, now: datetime | None = None) -> int:
    """Remind of one appointment if nobody has yet; 1 if this call did."""
    moment = now or timezone.now()
    with transaction.atomic():
        claimed = Appointment.objects.filter(
            pk=pk, status=Appointment.Status.BOOKED, reminder_sent_at__isnull=True
        ).update(reminder_sent_at=moment)
        if not claimed:
            return 0
        appointment = Appointment.objects.select_related("lead__customer", "dealership", "user", "vehicle").get(pk=pk)
        notice = notices.tell_customer(appointment, reminder=True)
        if notice:
            Appointment.objects.filter(pk=pk).update(customer_notice=notice)
        notices.tell_salesperson(appointment, reminder=True, wake_worker=False)
    return 1

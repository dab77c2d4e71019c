"""Checks on a time to book, with no Django in them: the answer in a dealership's words."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Protocol

DEFAULT_LENGTH = timedelta(minutes=60)
LONGEST = timedelta(hours=12)


class Calendar(Protocol):
    def working_minutes_between(self, a: datetime, b: datetime) -> float: ...


class BookingRefused(ValueError):
    """A time that cannot be booked; `field` names the input at fault (starts_at, ends_at)."""

    def __init__(self, message: str, field: str = "starts_at", *, outside_hours: bool = False) -> None:
        super().__init__(message)
        self.field = field
        self.outside_hours = outside_hours


def check_times(
    *, starts_at: datetime, ends_at: datetime, now: datetime, calendar: Calendar, insist: bool, name: str, shown: str
) -> bool:
    """Refuse a time in the past, one that ends before it starts or lasts over 12 hours, and (unless
    the user insists) one outside the dealership's opening hours. True if it is outside them.

    `shown` is the start as the user reads it ("Sat Mar 14, 6:00 PM"), `name` the dealership's.
    """
    if starts_at.tzinfo is None or ends_at.tzinfo is None:
        raise BookingRefused("Give the time with its time zone.")
    if starts_at < now:
        raise BookingRefused(f"{shown} is in the past: pick a time still to come.")
    if ends_at <= starts_at:
        raise BookingRefused("The end must be after the start.", "ends_at")
    if ends_at - starts_at > LONGEST:
        raise BookingRefused("An appointment lasts at most 12 hours.", "ends_at")
    try:
        open_minutes = calendar.working_minutes_between(starts_at, ends_at)
    except ValueError:  # a calendar without hours: nothing is inside them
        open_minutes = 0
    outside = open_minutes < (ends_at - starts_at) / timedelta(minutes=1)
    if outside and not insist:
        raise BookingRefused(
            f"{name} is closed at {shown} (or closes before the end). Pick a time inside opening hours, "
            "or tick “Book outside opening hours” to book it anyway.",
            outside_hours=True,
        )
    return outside

"""When a lead's deadlines fall: pure maths over the dealership's business calendar.

CONTRACT §3: stage 1 falls due `stage1_minutes` of *working* time after arrival; the reminder
`reminder_minutes` of working time before stage 1; stage 2 `stage2_minutes` of *calendar* time
after stage 1. So a lead that arrives after closing is due shortly after the next opening, and
stage 1 never falls on a day off, while stage 2 may (the supervisor is told whatever the day).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from dealerships.calendar import BusinessCalendar

DEFAULTS = {"stage1_minutes": 30, "reminder_minutes": 10, "stage2_minutes": 60, "resubmission_stage2_minutes": 120}


@dataclass(frozen=True)
class Deadlines:
    """A lead's reminder, stage 1 and stage 2 instants (UTC); reminder/stage 2 may be absent."""

    reminder_at: datetime | None
    stage1_due_at: datetime
    stage2_due_at: datetime | None


def escalation_settings(raw: Mapping[str, Any] | None) -> dict[str, int]:
    """The dealership's escalation settings with the defaults filled in for anything missing."""
    merged = dict(DEFAULTS)
    for key, value in (raw or {}).items():
        if key in merged and isinstance(value, int) and not isinstance(value, bool) and value >= 0:
            merged[key] = value
    return merged


def deadlines(calendar: BusinessCalendar, received_at: datetime, escalation: Mapping[str, Any]) -> Deadlines | None:
    """The deadlines of a lead received at `received_at`, or None when there is no clock.

    No clock when stage1_minutes is 0 (escalation switched off) or the calendar never opens.
    A reminder that would not fall strictly inside the stage 1 window is left out.
    """
    rules = escalation_settings(escalation)
    stage1 = rules["stage1_minutes"]
    if stage1 <= 0:
        return None
    try:
        stage1_due = calendar.add_working_minutes(received_at, stage1)
    except ValueError:
        return None
    reminder_before = rules["reminder_minutes"]
    reminder_at = None
    if 0 < reminder_before < stage1:
        reminder_at = calendar.add_working_minutes(received_at, stage1 - reminder_before)
    stage2_due = stage1_due + timedelta(minutes=rules["stage2_minutes"]) if rules["stage2_minutes"] > 0 else None
    return Deadlines(reminder_at=reminder_at, stage1_due_at=stage1_due, stage2_due_at=stage2_due)

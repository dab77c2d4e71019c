"""A lead's first human reply is measured when it is recorded (see leads.signals)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.dispatch import receiver

from leads.models import Lead
from leads.signals import human_replied
from reports.actions import measure_first_reply


@receiver(human_replied, dispatch_uid="reports.measure_first_reply")
def measure_on_reply(sender: Any, lead: Lead, at: datetime, **kwargs: Any) -> None:
    measure_first_reply(lead=lead)

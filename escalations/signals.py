"""The SLA clock stops at a lead's first human reply, whoever records it (see leads.signals)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.dispatch import receiver

from escalations.actions import stop_clock
from leads.models import Lead
from leads.signals import human_replied


@receiver(human_replied, dispatch_uid="escalations.stop_clock")
def stop_clock_on_reply(sender: Any, lead: Lead, at: datetime, **kwargs: Any) -> None:
    stop_clock(lead=lead, at=at)

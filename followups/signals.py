"""A sold lead gets the dealership's sold follow-ups (see leads.signals)."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from accounts.models import User
from followups.actions import create_default_tasks
from leads.models import Lead
from leads.signals import status_changed


@receiver(status_changed, dispatch_uid="followups.sold_tasks")
def add_sold_tasks(sender: Any, lead: Lead, new: str, actor: User | None, **kwargs: Any) -> None:
    if new == Lead.Status.SOLD:
        create_default_tasks(lead=lead, category="sold", actor=actor)

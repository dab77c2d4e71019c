"""Handing on the open leads of someone who can no longer work them (a deactivated user).

A lead left with a person who cannot log in is a lead nobody answers. Each open lead is released
and goes through its dealership's distribution again, in a transaction of its own (a round-robin
turn holds its rotation until commit), with the reason on its timeline. No new-lead alert email
goes out: the leads are not new; whoever gets one is told, as for any lead.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from distribution.actions import Outcome, distribute_lead
from distribution.models import Offer
from leads import actions as lead_actions
from leads.models import Activity, Lead


@dataclass(frozen=True)
class Handover:
    """What became of the leads handed on: who got how many, and how many wait to be claimed."""

    outcomes: list[Outcome]

    def summary(self) -> str:
        """ "3 open leads distributed again: 2 to Dave Seller, 1 waiting to be claimed" """
        if not self.outcomes:
            return "They had no open leads."
        owners = Counter(o.assigned_to.name if o.assigned_to else "" for o in self.outcomes)
        parts = [f"{n} to {name}" for name, n in sorted(owners.items()) if name]
        if owners[""]:
            parts.append(f"{owners['']} waiting to be claimed")
        count = len(self.outcomes)
        return f"{count} open lead{'s' if count != 1 else ''} distributed again: {', '.join(parts)}."


def open_leads_of(user: User) -> int:
    return Lead.objects.filter(assigned_to=user, status__in=Lead.OPEN_STATUSES).count()


def hand_on_open_leads(*, user: User, actor: User | None, why: str) -> Handover:
    """Release `user`'s open leads and distribute each again; `why` goes on each timeline
    ("Carol Seller was deactivated")."""
    outcomes = []
    ids = Lead.objects.filter(assigned_to=user, status__in=Lead.OPEN_STATUSES).values_list("pk", flat=True)
    for lead_id in list(ids):
        with transaction.atomic():
            # Conditional: a lead reassigned meanwhile by someone else stays where they put it.
            released = Lead.objects.filter(pk=lead_id, assigned_to=user, status__in=Lead.OPEN_STATUSES).update(
                assigned_to=None, updated_at=timezone.now()
            )
            if not released:
                continue
            lead = Lead.objects.get(pk=lead_id)
            # A first-available or pool lead keeps the offer its last owner claimed; it is spent.
            Offer.objects.filter(lead=lead).delete()
            lead_actions.record_activity(
                lead=lead,
                kind=Activity.Kind.ASSIGNED,
                actor=actor,
                text=f"Unassigned from {user.name}: {why}. Distributed again.",
            )
            outcomes.append(distribute_lead(lead=lead, actor=actor, alert=False))
    return Handover(outcomes)

"""Open worksheets follow the lead's trades: a removed trade no longer counts towards them.

(A trade's allowance and payoff change through `worksheets.actions.set_trade_figures`, which
makes the worksheets follow itself; a trade is removed on the lead page, in `leads/`, which knows
nothing of worksheets, so that is heard here.)
"""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete
from django.dispatch import receiver

from leads.models import Lead, Trade


@receiver(post_delete, sender=Trade)
def trade_removed(sender: type[Trade], instance: Trade, **kwargs: Any) -> None:
    from worksheets.actions import follow_trades

    lead = Lead.objects.filter(pk=instance.lead_id).first()
    if lead is not None:
        follow_trades(lead)

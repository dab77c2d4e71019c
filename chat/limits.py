"""How fast a website's visitors may chat: per visitor, per address for new chats, per website.

Each request that would post writes its row first (`ChatHit`), then counts the rows in the window,
its own included, and goes on only if the count is within the limit; a refused one removes its row
at once. So however many requests arrive together, no more than the limit get through (the way
accounts.throttle counts login attempts), and a visitor held back is let through again as soon as
their oldest counted message leaves the window.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from chat.models import ChatHit
from dealerships.models import Dealership

MINUTE = timedelta(minutes=1)
HOUR = timedelta(hours=1)


@dataclass(frozen=True)
class Refused:
    """Over a limit: what to tell the visitor, and the whole seconds until they may try again."""

    message: str
    retry_after: int


def _count(dealership: Dealership, who: str, window: timedelta) -> int:
    return ChatHit.objects.filter(dealership=dealership, who=who, at__gt=timezone.now() - window).count()


def _wait(dealership: Dealership, who: str | None, window: timedelta, limit: int) -> int:
    """Seconds until the oldest counted hit that keeps the count at `limit` leaves the window."""
    hits = ChatHit.objects.filter(dealership=dealership, at__gt=timezone.now() - window)
    if who is not None:
        hits = hits.filter(who=who)
    oldest = list(hits.order_by("-at").values_list("at", flat=True)[: max(limit, 1)])
    if not oldest:
        return 1
    return max(1, math.ceil((oldest[-1] + window - timezone.now()).total_seconds()))


def take_turn(*, dealership: Dealership, visitor_id: int | None, address: str) -> Refused | None:
    """Count one message about to be posted; a Refused (and nothing counted) when over a limit.

    `visitor_id` is None for a visitor's first message: it is counted against their address as a
    new chat. Runs in autocommit, so every other request sees this one's row.
    """
    now = timezone.now()
    who = f"visitor:{visitor_id}" if visitor_id is not None else f"address:{address}"
    hit = ChatHit.objects.create(dealership=dealership, who=who, at=now)
    refused: Refused | None = None
    per_visitor, per_site = settings.CHAT_MESSAGES_PER_VISITOR, settings.CHAT_MESSAGES_PER_SITE
    if visitor_id is not None and _count(dealership, who, MINUTE) > per_visitor:
        refused = Refused(
            f"That is a lot of messages at once: {per_visitor} a minute at most. Please wait a moment.",
            _wait(dealership, who, MINUTE, per_visitor),
        )
    elif visitor_id is None and _count(dealership, who, HOUR) > settings.CHAT_NEW_CHATS_PER_ADDRESS:
        refused = Refused(
            "Too many new chats from this connection; please try again later or call us.",
            _wait(dealership, who, HOUR, settings.CHAT_NEW_CHATS_PER_ADDRESS),
        )
    elif ChatHit.objects.filter(dealership=dealership, at__gt=now - MINUTE).count() > per_site:
        refused = Refused(
            f"{dealership.name}'s chat is very busy right now; please try again in a minute.",
            _wait(dealership, None, MINUTE, per_site),
        )
    if refused is not None:
        hit.delete()
    # Hits that have left every window count no more: the table holds an hour of the site's chat.
    ChatHit.objects.filter(dealership=dealership, at__lte=now - HOUR).delete()
    return refused

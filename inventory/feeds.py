"""Inventory feeds: a CSV at an address the worker fetches every `every_minutes` and applies.

A fetch that fails (the server is down, answers an error, sends something that is not a stock
file) changes nothing: the stock stays as the last good file left it, and the error is kept on the
feed for the Inventory screen. The address must be on the public internet unless
FORECOURT_INVENTORY_FEED_ALLOW_PRIVATE is set (the worker is not a way into the private network).
"""

from __future__ import annotations

import ipaddress
import logging
import socket
from datetime import timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from forecourt.lib.http import HttpError, get_bytes
from inventory.models import StockFeed, StockUpload
from inventory.sheet import MAX_BYTES

log = logging.getLogger(__name__)
FETCH_SECONDS = 60


class FeedRefused(Exception):
    """The feed's address may not be fetched."""


def due_feeds() -> list[int]:
    now = timezone.now()
    return list(
        StockFeed.objects.exclude(url="")
        .filter(Q(next_poll_at__isnull=True) | Q(next_poll_at__lte=now))
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
        .values_list("pk", flat=True)
    )


def poll_due_feeds() -> int:
    """Fetch, check and apply every feed that is due; one failing feed does not stop the others."""
    done = 0
    for pk in due_feeds():
        try:
            done += poll_feed(pk)
        except Exception:
            log.exception("inventory feed %s could not be polled", pk)
    return done


def poll_feed(pk: int) -> bool:
    """1. Claim the feed (one worker wins), due again in `every_minutes` whatever happens.
    2. Fetch the file; a failure is kept on the feed and nothing else changes.
    3. Store the file and check it; a feed's file is applied as soon as it is checked."""
    from inventory.actions import check_upload, receive_file

    now = timezone.now()
    feed = StockFeed.objects.select_related("dealership").get(pk=pk)
    won = (
        StockFeed.objects.filter(pk=pk)
        .filter(Q(next_poll_at__isnull=True) | Q(next_poll_at__lte=now))
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
        .update(
            next_poll_at=now + timedelta(minutes=feed.every_minutes),
            claimed_until=now + timedelta(seconds=FETCH_SECONDS * 3),
            last_polled_at=now,
        )
    )
    if not won:
        return False
    try:
        check_address(feed.url)
        data = get_bytes(feed.url, limit=MAX_BYTES, timeout=FETCH_SECONDS).content
    except (HttpError, FeedRefused) as failure:
        StockFeed.objects.filter(pk=pk).update(
            last_error=f"The feed could not be fetched: {failure}", claimed_until=None
        )
        return True
    upload = receive_file(
        dealership=feed.dealership, data=data, name=feed.url, actor=None, source=StockUpload.Source.FEED
    )
    StockFeed.objects.filter(pk=pk).update(claimed_until=None)
    check_upload(upload.pk)
    return True


def check_address(url: str) -> None:
    """Refuse an address whose host resolves, in part or whole, inside a private network."""
    host = urlsplit(url).hostname or ""
    if settings.INVENTORY_FEED_ALLOW_PRIVATE:
        return
    try:
        found = {str(info[4][0]) for info in socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)}
    except (OSError, UnicodeError, ValueError) as exc:
        raise FeedRefused(f"{host!r} does not resolve: {exc}") from None
    for address in found:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
        if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped
        if not ip.is_global or ip.is_multicast:
            raise FeedRefused(f"{host!r} is on a private network ({address}); feeds are fetched from the internet")

"""Login throttling that slows down password guessing without letting anyone lock a victim out,
and a limit on password-reset emails.

Failures are counted per (client address, email) and per client address inside a sliding
window, never per email alone: someone guessing at carol@… from one address cannot stop Carol
logging in from hers. Over a limit, the login is refused before the password is checked, so
an attacker learns nothing more from further guesses. Refused attempts are not recorded, so the
table cannot be grown without bound and the block lifts on time.

Simultaneous attempts: each attempt first writes its row (`begin_attempt`), then counts the rows
in the window, its own and those of attempts still being checked included, and goes on to the
password only if that count is within the limits; one attempt of an address at a time writes and
counts, so exactly the first ones up to the limit are checked however many arrive at once (a
read-then-write check let 9 of 24 through; writing and counting unlocked once let none through). A wrong password keeps its row as the
failure; a right one clears the pair's rows; a refused attempt removes its row at once.
"""

from __future__ import annotations

import ipaddress
import logging
import math
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.http import HttpRequest
from django.utils import timezone

from accounts.models import LoginFailure, ResetRequest

log = logging.getLogger(__name__)

# Stored when the server gives us no usable address (misconfigured proxy); see docs/accounts.md.
UNKNOWN_ADDRESS = "0.0.0.0"  # noqa: S104 - a marker value, nothing listens on it


def client_address(request: HttpRequest) -> str:
    """The address to count failures against.

    REMOTE_ADDR, unless FORECOURT_TRUSTED_PROXY_HEADER names a header that our own reverse
    proxy sets; then the last address in that header (the one the proxy appended; earlier ones
    come from the client and may be forged). IPv6 clients are counted per /64, the block a
    single customer line usually gets, so rotating through it does not reset the count.
    """
    raw = request.META.get("REMOTE_ADDR", "")
    header = getattr(settings, "TRUSTED_PROXY_HEADER", "")
    if header:
        forwarded = request.META.get("HTTP_" + header.upper().replace("-", "_"), "")
        if forwarded:
            raw = forwarded.split(",")[-1].strip()
    return bucket(raw)


def bucket(raw: str) -> str:
    try:
        address = ipaddress.ip_address(raw.strip())
    except ValueError:
        log.warning("login throttle: no usable client address (%r); is the proxy header set?", raw)
        return UNKNOWN_ADDRESS
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, 64), strict=False).network_address)
    return str(address)


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()[:254]


def _window() -> timedelta:
    return timedelta(seconds=settings.LOGIN_FAILURE_WINDOW_SECONDS)


def _blocked_until(failures: list[datetime], limit: int, window: timedelta | None = None) -> datetime | None:
    """With `failures` newest first, the count drops below `limit` once the limit-th ages out."""
    if limit <= 0 or len(failures) < limit:
        return None
    return failures[limit - 1] + (window or _window())


def _minutes_until(moments: list[datetime | None], now: datetime) -> int | None:
    latest = max((m for m in moments if m is not None), default=None)
    if latest is None or latest <= now:
        return None
    return max(1, math.ceil((latest - now).total_seconds() / 60))


def minutes_to_wait(*, address: str, email: str, now: datetime | None = None) -> int | None:
    """None if this login may be tried; otherwise whole minutes (≥ 1) until it may."""
    now = now or timezone.now()
    recent = LoginFailure.objects.filter(address=address, at__gt=now - _window()).order_by("-at")
    per_pair = settings.LOGIN_FAILURES_PER_ACCOUNT_AND_ADDRESS
    per_address = settings.LOGIN_FAILURES_PER_ADDRESS
    until = [
        _blocked_until(list(recent.filter(email=email).values_list("at", flat=True)[:per_pair]), per_pair),
        _blocked_until(list(recent.values_list("at", flat=True)[:per_address]), per_address),
    ]
    return _minutes_until(until, now)


def begin_attempt(*, address: str, email: str) -> LoginFailure | None:
    """Count this attempt before its password is checked; None (and nothing kept) when it is over
    a limit. The row returned stands as the failure unless the password proves right
    (`clear_failures`). Commits before the password is checked: the row must be seen by every other
    attempt. On SQLite the row's write lock holds the other attempts back until then."""
    with transaction.atomic():
        # One attempt of an address at a time writes and counts: without it, attempts that all
        # write before any counts could each see the others and all refuse themselves.
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"login:{address}"])
        now = timezone.now()
        attempt = LoginFailure.objects.create(address=address, email=email, at=now)
        recent = LoginFailure.objects.filter(address=address, at__gt=now - _window())
        if (
            recent.filter(email=email).count() > settings.LOGIN_FAILURES_PER_ACCOUNT_AND_ADDRESS
            or recent.count() > settings.LOGIN_FAILURES_PER_ADDRESS
        ):
            attempt.delete()
            return None
    return attempt


def forget_old_failures() -> None:
    """Failures that have left the window count no more: delete them."""
    LoginFailure.objects.filter(at__lte=timezone.now() - _window()).delete()


def clear_failures(*, address: str, email: str) -> None:
    """A successful login from this address forgives its earlier mistakes with this email."""
    LoginFailure.objects.filter(address=address, email=email).delete()


def clear_failures_for_email(email: str) -> None:
    """Whoever set a new password through the emailed link controls the mailbox: unblock them."""
    LoginFailure.objects.filter(email=normalise_email(email)).delete()


# Password-reset emails ----------------------------------------------------------------------
# Every request counts, whether or not an account has the email, so that being refused says
# nothing about who has an account here.


def reset_minutes_to_wait(*, address: str, email: str, now: datetime | None = None) -> int | None:
    """None if a reset email may be asked for; otherwise whole minutes (≥ 1) until it may."""
    now = now or timezone.now()
    window = timedelta(seconds=settings.RESET_REQUEST_WINDOW_SECONDS)
    recent = ResetRequest.objects.filter(at__gt=now - window).order_by("-at")
    per_email, per_address = settings.RESET_REQUESTS_PER_EMAIL, settings.RESET_REQUESTS_PER_ADDRESS
    until = [
        _blocked_until(list(recent.filter(email=email).values_list("at", flat=True)[:per_email]), per_email, window),
        _blocked_until(
            list(recent.filter(address=address).values_list("at", flat=True)[:per_address]), per_address, window
        ),
    ]
    return _minutes_until(until, now)


def record_reset_request(*, address: str, email: str) -> None:
    """Count one reset request, and forget requests that have left the window."""
    now = timezone.now()
    ResetRequest.objects.create(address=address, email=email, at=now)
    ResetRequest.objects.filter(at__lte=now - timedelta(seconds=settings.RESET_REQUEST_WINDOW_SECONDS)).delete()

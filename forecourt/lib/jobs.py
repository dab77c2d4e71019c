"""Claiming due rows with a lease, so that any number of workers share work and none is lost.

A row to work on (an email to send, a timer to fire) carries `due_at` and `claimed_until`.
A worker claims it with one conditional UPDATE; the row count decides who won, which works the
same on SQLite (where `select_for_update` is ignored) and PostgreSQL. If the worker dies, the
lease runs out and the next sweep claims the row again.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from django.conf import settings
from django.db import models, transaction
from django.db.models import F, Q
from django.utils import timezone


class LeasedJob(models.Model):
    """Fields shared by every row a worker claims: when it is due and who holds it until when."""

    due_at = models.DateTimeField(default=timezone.now)
    claimed_until = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        abstract = True


def lease_free(now: datetime) -> Q:
    return Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)


def lease_holds(row: LeasedJob) -> bool:
    """True while at least half of the lease this worker took on `row` is left: a row it claimed
    long ago (it waited behind slow work) may see its lease end mid-work and another worker take
    it, so it is left for that instead, and the work is never done twice."""
    soon = timezone.now() + timedelta(seconds=settings.JOB_LEASE_SECONDS / 2)
    return row.claimed_until is not None and row.claimed_until > soon


def claim(pending: models.QuerySet[models.Model], pk: int, *, lease_seconds: int | None = None) -> bool:
    """Take row `pk` out of `pending` for this worker; True only for the one worker that won it."""
    now = timezone.now()
    lease = timedelta(seconds=lease_seconds or settings.JOB_LEASE_SECONDS)
    won = (
        pending.filter(pk=pk, due_at__lte=now)
        .filter(lease_free(now))
        .update(claimed_until=now + lease, attempts=F("attempts") + 1)
    )
    return won == 1


def claim_many(
    pending: models.QuerySet[models.Model], pks: Sequence[int], *, lease_seconds: int | None = None
) -> list[int]:
    """`claim` for many rows in two statements: the ones of `pks` this worker won, in `pks`' order.

    The rows are locked as they are read (PostgreSQL; rows another worker is claiming at this
    moment are skipped, not waited for), so no row is won twice; SQLite's transactions take the
    write lock at their start, which does the same.
    """
    now = timezone.now()
    lease = timedelta(seconds=lease_seconds or settings.JOB_LEASE_SECONDS)
    with transaction.atomic():
        free = pending.filter(pk__in=pks, due_at__lte=now).filter(lease_free(now)).select_for_update(skip_locked=True)
        won = set(free.values_list("pk", flat=True))
        pending.filter(pk__in=won).update(claimed_until=now + lease, attempts=F("attempts") + 1)
    return [pk for pk in pks if pk in won]


def due_ids(pending: models.QuerySet[models.Model], *, limit: int = 500) -> list[int]:
    """Rows of `pending` that are due and held by nobody, oldest first."""
    now = timezone.now()
    return list(
        pending.filter(due_at__lte=now).filter(lease_free(now)).order_by("due_at").values_list("pk", flat=True)[:limit]
    )


def retry_delay(attempts: int) -> timedelta:
    """Back off 30 s, 1 min, 2 min … up to an hour between attempts."""
    return timedelta(seconds=min(30 * 2 ** max(attempts - 1, 0), 3600))

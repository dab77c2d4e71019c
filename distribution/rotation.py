"""Round robin's turns: who is next in a rotation, taken so that concurrent leads never share one.

A rotation (per dealership department, per distribution group) is a `Rotation` row. Taking a turn
locks that row first and reads it after, in one statement; docs/distribution.md explains why.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from django.db import connection
from django.utils import timezone

from accounts.models import User
from distribution import assign
from distribution.models import Rotation
from forecourt.lib import batch


def take_turn(
    key: str,
    load: Callable[[], list[assign.Candidate]],
    *,
    department: str,
    cap: int | None,
    today: date,
    label: str = "round robin",
) -> assign.Choice:
    """Take the next turn of rotation `key`: lock its row first, then read and choose.

    `UPDATE … SET counter = counter + 1` waits for any other lead's turn on this rotation to
    commit, then holds the row until this transaction commits (on SQLite, `BEGIN IMMEDIATE`
    has serialised writers already). Only then is the rotation's position read, the next person
    chosen and the position written; with a cap, the candidates and their open leads are read
    under the lock too, so the cap counts every lead assigned before. Concurrent leads are served exactly as if they had come one
    after another, and none of them waits only to find what it read out of date and read again.
    The row stays locked until the commit, so callers take the turn last (`create_lead`); in a
    batch of many, from its first lead's turn until the batch commits (`forecourt.lib.batch`).
    """
    # Without a cap nothing a concurrent lead writes changes who is eligible: the candidates are
    # read before the row is locked, to keep the locked time short.
    people = load() if cap is None else []
    rotation = _locked_rotation(key)
    if cap is not None:
        people = load()
    last = None
    if rotation.last_order is not None and rotation.last_round is not None:
        last = assign.Position(rotation.last_round, rotation.last_order)
    last_name = next((c.name for c in people if c.user_id == rotation.last_user_id), None)
    if last_name is None and rotation.last_user_id is not None:
        last_name = User.objects.filter(pk=rotation.last_user_id).values_list("name", flat=True).first()
    choice = assign.round_robin(
        people, last, department=department, cap=cap, last_name=last_name, today=today, label=label
    )
    if choice.user_id is not None and choice.position is not None:
        rotation.last_round, rotation.last_order = choice.position.round, choice.position.order
        rotation.last_user_id = choice.user_id
        if batch.taking_many():  # one transaction holding the row: N turns, one write as it ends
            batch.at_end(("rotation", key), lambda: _write(rotation))
        else:
            _write(rotation)
    return choice


def _write(rotation: Rotation) -> None:
    Rotation.objects.filter(pk=rotation.pk).update(
        last_round=rotation.last_round,
        last_order=rotation.last_order,
        last_user_id=rotation.last_user_id,
        updated_at=timezone.now(),
    )


def _locked_rotation(key: str) -> Rotation:
    """The rotation's row, as it stands once this transaction holds it (made if new): one
    `UPDATE … RETURNING`, the row read in the statement that locks it. In a batch of many the
    row is locked by the batch's first turn and held, as it stands after each turn, for the rest."""
    if batch.taking_many():
        return batch.read_once(("rotation", key), lambda: _lock(key))
    return _lock(key)


def _lock(key: str) -> Rotation:
    sql = (
        "UPDATE distribution_rotation SET counter = counter + 1 WHERE key = %s "
        "RETURNING id, counter, last_round, last_order, last_user_id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [key])
        row = cursor.fetchone()
        if row is None:
            Rotation.objects.get_or_create(key=key)
            cursor.execute(sql, [key])
            row = cursor.fetchone()
    pk, counter, last_round, last_order, last_user_id = row
    return Rotation(
        pk=pk, key=key, counter=counter, last_round=last_round, last_order=last_order, last_user_id=last_user_id
    )

""" "Copy me": whether a salesperson gets a copy of every email they send a customer (yes unless they said no)."""

from __future__ import annotations

from accounts.models import User
from relay.models import CopyMe


def copies_me(user: User) -> bool:
    choice = CopyMe.objects.filter(user=user).values_list("copy_me", flat=True).first()
    return True if choice is None else bool(choice)


def set_copy_me(*, user: User, actor: User, copy_me: bool) -> None:
    if actor.pk != user.pk:
        raise PermissionError("People choose their own copies.")
    CopyMe.objects.update_or_create(user=user, defaults={"copy_me": copy_me})

"""Writes of the notifications app: telling staff about an event, queueing emails and texts."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from forecourt.lib.batch import read_once
from forecourt.lib.phone import to_e164
from forecourt.lib.text import one_line
from forecourt.lib.wake import enqueue_on_commit
from leads.models import Lead
from notifications.models import (
    CHANNELS,
    DEFAULT_CHANNELS,
    INFORMATIONAL,
    Kind,
    Notification,
    NotificationPreference,
    OutboundEmail,
    OutboundText,
)


def queue_email(
    *,
    to: list[str],
    subject: str,
    body: str,
    purpose: str,
    html: str = "",
    reply_to: str = "",
    from_email: str = "",
    due_at: datetime | None = None,
    wake_worker: bool = True,
) -> OutboundEmail:
    """Store an email and hand it to the worker once the surrounding transaction commits.

    With `due_at` in the future the worker leaves it alone until then (the hours rule).
    `wake_worker=False` queues no task: for rows made by the worker itself, whose email sweep
    runs later in the same pass anyway.
    """
    from notifications.tasks import send_email

    domain = settings.RELAY_DOMAIN
    email = OutboundEmail.objects.create(
        to=to,
        subject=one_line(subject)[:300],  # a header: never a line break, whatever the data
        body=body,
        html=html,
        reply_to=one_line(reply_to),
        from_email=one_line(from_email),
        purpose=purpose,
        message_id=f"<{uuid.uuid4().hex}@{domain}>",
        due_at=due_at or timezone.now(),
    )
    if wake_worker:
        enqueue_on_commit(send_email, email.pk)
    return email


def queue_text(
    *,
    to: str,
    body: str,
    purpose: str,
    from_number: str = "",
    due_at: datetime | None = None,
    notification: Notification | None = None,
    wake_worker: bool = True,
) -> OutboundText:
    """Store a staff text and hand it to the worker once the surrounding transaction commits."""
    from notifications.tasks import send_text

    text = OutboundText.objects.create(
        to=to,
        from_number=from_number,
        body=body[:1600],
        purpose=purpose,
        due_at=due_at or timezone.now(),
        notification=notification,
    )
    if wake_worker:
        enqueue_on_commit(send_text, text.pk)
    return text


# Preferences --------------------------------------------------------------------------------


def preferences_for(user: User) -> dict[str, dict[str, bool]]:
    """Every kind of event → {"in_app", "email", "sms"}: the user's choices over the defaults (read
    once per batch of leads: forecourt/lib/batch.py)."""
    return read_once(("notifications.preferences", user.pk), lambda: _preferences_for(user))


def _preferences_for(user: User) -> dict[str, dict[str, bool]]:
    chosen = {kind: dict(channels) for kind, channels in DEFAULT_CHANNELS.items()}
    for row in NotificationPreference.objects.filter(user=user):
        if row.kind in chosen:
            chosen[row.kind] = {channel: getattr(row, channel) for channel in CHANNELS}
    return chosen


def set_preferences(*, user: User, actor: User, choices: Mapping[str, Mapping[str, bool]]) -> None:
    """Store the channels `user` wants per kind; kinds left out keep what they had."""
    if actor.pk != user.pk:
        raise PermissionError("People choose their own notifications.")
    unknown = sorted(set(choices) - set(Kind.values))
    if unknown:
        raise ValueError(f"Unknown kind of notification: {unknown[0]}")
    with transaction.atomic():
        for kind, channels in choices.items():
            NotificationPreference.objects.update_or_create(
                user=user, kind=kind, defaults={c: bool(channels.get(c)) for c in CHANNELS}
            )


# Telling staff ------------------------------------------------------------------------------


def hold_until(*, kind: str, lead: Lead | None, now: datetime) -> datetime:
    """When a notification of `kind` may go out: informational ones wait for the dealership to open.

    Escalations (reminder, escalation, resubmission) go out when they fall due, whatever the
    hour; their own due times already follow the rules of CONTRACT §3.
    """
    if kind not in INFORMATIONAL or lead is None:
        return now
    try:
        return lead.dealership.calendar().next_opening(now)
    except ValueError:  # a dealership without working hours: never hold a notice for ever
        return now


def notify(
    *,
    user: User,
    kind: str,
    lead: Lead | None,
    text: str,
    subject: str = "",
    url: str = "",
    now: datetime | None = None,
    channels: Mapping[str, bool] | None = None,
    wake_worker: bool = True,
) -> Notification | None:
    """Tell `user` about an event on every channel they chose for its kind.

    Makes the Notification (the bell's row) and, per preference, an email and a text to send.
    Informational kinds are held until the dealership's next opening (`hold_until`). Runs in
    the caller's transaction: the event and its deliveries commit together or not at all.
    Nobody inactive is told anything (None). `channels` saves looking the user's preferences
    up again when the caller has them (the worker, telling many people at once).
    """
    if kind not in Kind.values:
        raise ValueError(f"Unknown kind of notification: {kind}")
    if not user.is_active:
        return None
    now = now or timezone.now()
    channels = channels if channels is not None else preferences_for(user)[kind]
    if lead is not None and not url:
        url = f"{settings.BASE_URL}/leads/{lead.pk}/"
    due_at = hold_until(kind=kind, lead=lead, now=now)
    where = f" ({lead.dealership.name})" if lead is not None else ""
    with transaction.atomic(savepoint=False):
        email = None
        if channels["email"] and user.email:
            email = queue_email(
                to=[user.email],
                subject=(subject or text)[:280] + where,
                body=f"Hello {user.first_name},\n\n{text}\n\n{url}\n\n"
                f"Choose what you are told about: {settings.BASE_URL}/notifications/preferences/\n",
                purpose=f"notify_{kind}",
                due_at=due_at,
                wake_worker=wake_worker,
            )
        notification = Notification.objects.create(
            user=user,
            kind=kind,
            lead=lead,
            text=text[:500],
            url=url[:300],
            in_app=channels["in_app"],
            email=email,
            created_at=now,
        )
        mobile = to_e164(user.mobile) if user.mobile else None
        if channels["sms"] and mobile:
            sender = (lead.dealership.leads_phone or lead.dealership.main_phone) if lead is not None else ""
            queue_text(
                to=mobile,
                body=f"{text} {url}".strip(),
                purpose=f"notify_{kind}",
                from_number=sender,
                due_at=due_at,
                notification=notification,
                wake_worker=wake_worker,
            )
    return notification


def mark_read(*, user: User, notification_id: int | None = None) -> int:
    """Mark one of the user's notifications read, or all of them; returns how many changed."""
    unread = Notification.objects.filter(user=user, read_at__isnull=True)
    if notification_id is not None:
        unread = unread.filter(pk=notification_id)
    return unread.update(read_at=timezone.now())

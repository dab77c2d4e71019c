"""Writes of the notifications app: telling staff about an event, queueing emails and texts."""

from __future__ import annotations

import base64
import binascii
import re
import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from dealerships.modes import is_tracking
from dealerships.quiet import quiet_until
from forecourt.lib import batch
from forecourt.lib.batch import read_settled
from forecourt.lib.phone import to_e164
from forecourt.lib.rows import new
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
    OutboundAttachment,
    OutboundEmail,
    OutboundPush,
    OutboundText,
    PushSubscription,
)
from notifications.push import device_label
from notifications.push_keys import b64url


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
    attachments: Sequence[tuple[str, bytes, str]] = (),
    message_id: str = "",
) -> OutboundEmail:
    """Store an email and hand it to the worker once the surrounding transaction commits.

    With `due_at` in the future the worker leaves it alone until then (the hours rule).
    `wake_worker=False` queues no task: for rows made by the worker itself, whose email sweep
    runs later in the same pass anyway. `attachments` are (file name, content, MIME type), stored
    with the email. A `message_id` the caller derives from what the email is about (unique in the
    table) makes "once per thing" a rule of the database, not of the caller's care.
    """
    from notifications.tasks import send_email

    domain = settings.RELAY_DOMAIN
    # Written as the batch ends in a batch of intake (`forecourt.lib.batch`), as the rows below.
    email = batch.insert(
        new(
            OutboundEmail,
            to=to,
            subject=one_line(subject)[:300],  # a header: never a line break, whatever the data
            body=body,
            html=html,
            reply_to=one_line(reply_to),
            from_email=one_line(from_email),
            purpose=purpose,
            message_id=one_line(message_id) or f"<{uuid.uuid4().hex}@{domain}>",
            due_at=due_at or timezone.now(),
        )
    )
    batch.insert_many(
        OutboundAttachment(email=email, name=one_line(name)[:200] or "attachment", content=content, content_type=kind)
        for name, content, kind in attachments
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

    text = batch.insert(
        new(
            OutboundText,
            to=to,
            from_number=from_number,
            body=body[:1600],
            purpose=purpose,
            due_at=due_at or timezone.now(),
            notification=notification,
        )
    )
    if wake_worker:
        enqueue_on_commit(send_text, text.pk)
    return text


# What a push alert's title says, per kind: the body is the notification's own text.
PUSH_TITLES = {
    Kind.NEW_LEAD: "New lead",
    Kind.CUSTOMER_REPLIED: "Customer replied",
    Kind.REMINDER: "Reminder",
    Kind.ESCALATION: "Overdue",
    Kind.REASSIGNED: "Lead reassigned",
    Kind.RESUBMISSION: "Follow-up due",
    Kind.MISSED_CALL: "Missed call",
    Kind.APPOINTMENT: "Appointment",
}
# Escalations and a waiting customer may wake a phone in power-saving mode; the rest need not.
URGENT_PUSHES = frozenset({Kind.NEW_LEAD, Kind.ESCALATION, Kind.CUSTOMER_REPLIED, Kind.MISSED_CALL})
KINDS = frozenset(Kind.values)  # asked for every notification: Django makes `Kind.values` anew each time
MAX_DEVICES = 20


def queue_push(
    *,
    device: PushSubscription,
    title: str,
    body: str,
    url: str,
    tag: str,
    purpose: str,
    urgency: str = "normal",
    due_at: datetime | None = None,
    notification: Notification | None = None,
    wake_worker: bool = True,
) -> OutboundPush:
    """Store a web push alert to one device and hand it to the worker once the transaction commits."""
    from notifications.tasks import send_push

    push = batch.insert(
        OutboundPush(
            subscription=device,
            title=one_line(title)[:120],
            body=body[:500],
            url=url[:300],
            tag=tag[:64],
            key=uuid.uuid4().hex,
            urgency=urgency,
            purpose=purpose,
            due_at=due_at or timezone.now(),
            notification=notification,
        )
    )
    if wake_worker:
        enqueue_on_commit(send_push, push.pk)
    return push


# Devices that receive push alerts -------------------------------------------------------------


class DeviceRefused(ValueError):
    """A subscription the browser sent that cannot be used; the message says why, for the user."""


def _key_bytes(value: object, name: str) -> bytes:
    if not isinstance(value, str) or not value:
        raise DeviceRefused(f"The browser sent no {name} key.")
    if not re.fullmatch(r"[A-Za-z0-9_-]+={0,2}", value):  # the decoder would skip other characters
        raise DeviceRefused(f"The browser's {name} key is not base64url.")
    try:
        return base64.urlsafe_b64decode(value.rstrip("=") + "=" * (-len(value.rstrip("=")) % 4))
    except (binascii.Error, ValueError):
        raise DeviceRefused(f"The browser's {name} key is not base64url.") from None


def subscribe_device(*, user: User, actor: User, subscription: object, user_agent: str) -> PushSubscription:
    """Keep the push subscription a browser made (`PushSubscription.toJSON()`), for `user`.

    The same browser subscribing again updates its row (and moves it to this user, should
    someone else have signed in on that phone before). Refuses anything malformed, changing nothing.
    """
    if actor.pk != user.pk:
        raise PermissionError("People turn alerts on for their own devices.")
    if not isinstance(subscription, dict):
        raise DeviceRefused("The browser sent no subscription.")
    endpoint = subscription.get("endpoint")
    given = subscription.get("keys")
    keys: dict[str, object] = given if isinstance(given, dict) else {}
    if (
        not isinstance(endpoint, str)
        or not endpoint.startswith(("https://", "http://"))
        or not urlsplit(endpoint).hostname
        or len(endpoint) > 1000
    ):
        raise DeviceRefused("The browser sent no push service address.")
    if not endpoint.startswith("https://") and not settings.PUSH_ALLOW_PRIVATE:
        raise DeviceRefused("A push service address must start with https://.")
    p256dh, auth = _key_bytes(keys.get("p256dh"), "p256dh"), _key_bytes(keys.get("auth"), "auth")
    if len(p256dh) != 65 or p256dh[0] != 4:
        raise DeviceRefused("The browser's p256dh key is not a P-256 public key.")
    if len(auth) != 16:
        raise DeviceRefused("The browser's auth secret is not 16 bytes.")
    with transaction.atomic():
        existing = PushSubscription.objects.filter(endpoint=endpoint).first()
        if existing is None and PushSubscription.objects.filter(user=user).count() >= MAX_DEVICES:
            raise DeviceRefused(f"You have alerts on {MAX_DEVICES} devices already: remove one first.")
        device, _ = PushSubscription.objects.update_or_create(
            endpoint=endpoint,
            defaults={
                "user": user,
                "p256dh": b64url(p256dh),
                "auth": b64url(auth),
                "label": device_label(user_agent)[:100],
                "failures": 0,
            },
        )
    return device


def remove_device(*, user: User, actor: User, device_id: int) -> bool:
    """Stop alerts to one of the user's devices; False if it was not theirs (or gone already)."""
    if actor.pk != user.pk:
        raise PermissionError("People remove their own devices.")
    deleted, _ = PushSubscription.objects.filter(user=user, pk=device_id).delete()
    return bool(deleted)


def send_test_alert(*, user: User, actor: User) -> int:
    """A test alert to each of the user's devices, at once whatever the hour; how many were queued."""
    if actor.pk != user.pk:
        raise PermissionError("People test their own devices.")
    url = f"{settings.BASE_URL}/notifications/preferences/"
    with transaction.atomic():
        devices = list(PushSubscription.objects.filter(user=user))
        for device in devices:
            queue_push(
                device=device,
                title="Test alert from Forecourt",
                body=f"Alerts reach this device ({device.label}).",
                url=url,
                tag="forecourt-test",
                purpose="push_test",
                urgency="high",
            )
    return len(devices)


# Preferences --------------------------------------------------------------------------------


def preferences_for(user: User) -> dict[str, dict[str, bool]]:
    """Every kind of event → {"in_app", "email", "sms", "push"}: the user's choices over the defaults (in
    intake, kept while the settings stay as they are: forecourt/lib/batch.py, `read_settled`)."""
    return read_settled(("notifications.preferences", user.pk), lambda: _preferences_for(user))


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
    hour (their own due times already follow the rules of CONTRACT §3), except on one of the
    dealership's own days off, which is quiet for every alert (`dealerships.quiet`).
    """
    if lead is None:
        return now
    try:
        calendar = lead.dealership.calendar()
    except ValueError:  # settings the calendar cannot read: never hold a notice for ever
        return now
    if kind not in INFORMATIONAL:
        return quiet_until(calendar, now) or now
    try:
        return calendar.next_opening(now)
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

    Makes the Notification (the bell's row) and, per preference, an email, a text and a push
    alert to each of the user's devices to send.
    Informational kinds are held until the dealership's next opening (`hold_until`). Runs in
    the caller's transaction: the event and its deliveries commit together or not at all.
    Nobody inactive is told anything (None), and nobody about a lead of a rooftop in lead tracking
    mode (None: its leads are worked in another CRM). The bell's row of a held notification shows
    from the same moment as its email and text (`created_at`), so no channel speaks earlier.
    `channels` saves looking the user's preferences up again when the caller has them (the
    worker, telling many people at once).
    """
    if kind not in KINDS:
        raise ValueError(f"Unknown kind of notification: {kind}")
    if not user.is_active or (lead is not None and is_tracking(lead.dealership)):
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
        notification = batch.insert(
            new(
                Notification,
                user=user,
                kind=kind,
                lead=lead,
                text=text[:500],
                url=url[:300],
                in_app=channels["in_app"],
                email=email,
                created_at=max(now, due_at),
            )
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
        if channels.get("push"):
            dealership = f" · {lead.dealership.name}" if lead is not None else ""
            for device in devices_of(user):
                queue_push(
                    device=device,
                    title=PUSH_TITLES.get(Kind(kind), "Forecourt") + dealership,
                    body=text,
                    url=url or f"{settings.BASE_URL}/notifications/",
                    tag=f"lead-{lead.pk}-{kind}" if lead is not None else f"forecourt-{kind}",
                    purpose=f"notify_{kind}",
                    urgency="high" if kind in URGENT_PUSHES else "normal",
                    due_at=due_at,
                    notification=notification,
                    wake_worker=wake_worker,
                )
    return notification


def devices_of(user: User) -> list[PushSubscription]:
    """The devices `user` turned push alerts on for (in intake, kept while the settings stay as
    they are: `forecourt.lib.batch.read_settled`)."""
    return read_settled(("push_devices", user.pk), lambda: list(PushSubscription.objects.filter(user=user)))


def mark_read(*, user: User, notification_id: int | None = None) -> int:
    """Mark one of the user's notifications read, or all of them; returns how many changed."""
    # Not those still held for the opening: they are news when they show.
    unread = Notification.objects.filter(user=user, read_at__isnull=True, created_at__lte=timezone.now())
    if notification_id is not None:
        unread = unread.filter(pk=notification_id)
    return unread.update(read_at=timezone.now())

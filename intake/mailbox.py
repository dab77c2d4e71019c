"""Polling a dealership's own IMAP mailbox for lead email.

Mail is never deleted: each message taken in is marked \\Seen plus the keyword
`$ForecourtProcessed`, and only messages without that keyword are fetched. A message is stored
before it is marked; should marking fail, the next poll finds it stored already and only marks it.
"""

from __future__ import annotations

import contextlib
import imaplib
import logging
import re
from datetime import timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from forecourt.lib.database import DATABASE_AWAY
from intake.actions import process_held, store_inbound
from intake.models import InboundEmail, IntakeSettings

log = logging.getLogger(__name__)
PROCESSED_KEYWORD = "$ForecourtProcessed"
MAX_MESSAGES_PER_POLL = 50


class MailboxError(Exception):
    """The mailbox could not be read; the message says why, for the settings page."""


def due_mailboxes() -> list[int]:
    now = timezone.now()
    return list(
        IntakeSettings.objects.exclude(imap_host="")
        .exclude(imap_user="")
        .filter(imap_next_poll_at__lte=now)
        .filter(Q(imap_claimed_until__isnull=True) | Q(imap_claimed_until__lt=now))
        .values_list("pk", flat=True)
    )


def claim_mailbox(pk: int) -> bool:
    """One worker polls a mailbox at a time: a conditional UPDATE decides which."""
    now = timezone.now()
    lease = now + timedelta(seconds=settings.JOB_LEASE_SECONDS)
    return (
        IntakeSettings.objects.filter(pk=pk, imap_next_poll_at__lte=now)
        .filter(Q(imap_claimed_until__isnull=True) | Q(imap_claimed_until__lt=now))
        .update(imap_claimed_until=lease)
        == 1
    )


def poll_due_mailboxes() -> int:
    taken = 0
    for pk in due_mailboxes():
        if claim_mailbox(pk):
            taken += poll_mailbox(IntakeSettings.objects.select_related("dealership").get(pk=pk))
    return taken


def poll_mailbox(config: IntakeSettings) -> int:
    """Take new mail in from one mailbox; records the outcome on its settings. Returns how many.

    1. Log in (with a timeout) and open the folder.
    2. Find messages without our keyword (or, where keywords cannot be kept, unseen ones).
    3. For each: store it raw, mark it, then make its leads.
    """
    now = timezone.now()
    error = ""
    taken = 0
    try:
        taken = _fetch_new_mail(config)
    except (MailboxError, imaplib.IMAP4.error, OSError) as exc:
        error = f"{type(exc).__name__}: {exc}"[:1000] if not isinstance(exc, MailboxError) else str(exc)
        log.warning("mailbox of %s: %s", config.dealership.slug, error)
    except DATABASE_AWAY:
        raise  # not this mailbox's fault: the worker waits for the database
    except Exception:  # a setting the IMAP client cannot send, a bug: this mailbox only waits
        log.exception("mailbox of %s cannot be polled", config.dealership.slug)
        error = "The mailbox could not be read because of an error on our side; it has been logged."
    IntakeSettings.objects.filter(pk=config.pk).update(
        imap_claimed_until=None,
        imap_last_polled_at=now,
        imap_last_error=error,
        imap_next_poll_at=timezone.now() + timedelta(seconds=max(config.imap_poll_seconds, 10)),
    )
    return taken


def _connect(config: IntakeSettings) -> imaplib.IMAP4:
    timeout = settings.OUTBOUND_TIMEOUT_SECONDS
    if config.imap_ssl:
        return imaplib.IMAP4_SSL(config.imap_host, config.imap_port, timeout=timeout)
    return imaplib.IMAP4(config.imap_host, config.imap_port, timeout=timeout)


def _quoted(folder: str) -> str:
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _fetch_new_mail(config: IntakeSettings) -> int:
    imap = _connect(config)
    try:
        imap.login(config.imap_user, config.imap_password)
        status, _ = imap.select(_quoted(config.imap_folder or "INBOX"))
        if status != "OK":
            raise MailboxError(f"The folder {config.imap_folder!r} cannot be opened.")
        keeps_keywords = _keeps_keywords(imap)
        criterion = f"UNKEYWORD {PROCESSED_KEYWORD}" if keeps_keywords else "UNSEEN"
        status, data = imap.uid("SEARCH", criterion)
        if status != "OK":
            raise MailboxError(f"The mailbox refused to search: {data!r}")
        uids = (data[0] or b"").split()[:MAX_MESSAGES_PER_POLL]
        validity = _uidvalidity(imap)
        taken = 0
        for uid in uids:
            taken += _take_message(imap, config, uid.decode(), validity, keeps_keywords)
        return taken
    finally:
        with contextlib.suppress(imaplib.IMAP4.error, OSError):
            imap.logout()


def _keeps_keywords(imap: imaplib.IMAP4) -> bool:
    """Whether the server keeps new keywords in this folder (`\\*` in PERMANENTFLAGS)."""
    _, flags = imap.response("PERMANENTFLAGS")
    return any(b"\\*" in (line or b"") for line in flags)


def _uidvalidity(imap: imaplib.IMAP4) -> str:
    _, values = imap.response("UIDVALIDITY")
    return (values[0] or b"").decode() if values and values[0] else ""


def _take_message(imap: imaplib.IMAP4, config: IntakeSettings, uid: str, validity: str, keeps_keywords: bool) -> int:
    ref = f"imap://{config.imap_user}@{config.imap_host}:{config.imap_port}/{config.imap_folder};UIDVALIDITY={validity}/;UID={uid}"
    already = InboundEmail.objects.filter(dealership_id=config.dealership_id, mailbox_ref=ref).exists()
    inbound = None
    if not already:
        status, data = imap.uid("FETCH", uid, "(BODY.PEEK[])")
        raw = _message_bytes(data) if status == "OK" else None
        if raw is None:
            raise MailboxError(f"Message {uid} could not be fetched: {data!r}")
        inbound = store_inbound(
            dealership=config.dealership,
            raw=raw,
            channel=InboundEmail.Channel.IMAP,
            rcpt_to=f"{config.imap_user} ({config.imap_folder})",
            mailbox_ref=ref,
            mail_from=_return_path(raw),
            hold=True,
        )
    flags = f"(\\Seen {PROCESSED_KEYWORD})" if keeps_keywords else "(\\Seen)"
    imap.uid("STORE", uid, "+FLAGS", flags)
    if inbound is not None:
        process_held(inbound)
        return 1
    return 0


def _message_bytes(data: list[object]) -> bytes | None:
    for part in data:
        if isinstance(part, tuple) and len(part) == 2 and isinstance(part[1], bytes):
            return part[1]
    return None


_RETURN_PATH = re.compile(rb"^Return-Path:\s*<([^>]*)>", re.IGNORECASE | re.MULTILINE)


def _return_path(raw: bytes) -> str:
    head = raw.split(b"\r\n\r\n", 1)[0].split(b"\n\n", 1)[0][:65536]
    found = _RETURN_PATH.search(head)
    return found.group(1).decode("ascii", errors="replace") if found else ""


def reset_poll(config: IntakeSettings) -> None:
    """Poll soon after the settings changed, and forget the last error."""
    IntakeSettings.objects.filter(pk=config.pk).update(
        imap_next_poll_at=timezone.now(), imap_last_error="", imap_claimed_until=None
    )
    config.refresh_from_db()

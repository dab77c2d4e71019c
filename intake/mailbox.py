"""Polling a dealership's own IMAP mailbox for lead email.

Mail is never deleted: each message taken in is marked \\Seen plus the keyword
`$ForecourtProcessed`, and only messages without that keyword are fetched. A message is stored
before it is marked; should marking fail, the next poll finds it stored already and only marks it.

The host is an admin's free text, so polling must not become a way to probe the network: the
host is resolved once, every address it resolves to must be public (unless the operator allows
the local network), the connection goes to the address checked, and every failure before a
successful sign-in reads the same (`NEUTRAL_ERROR`) whether the port was closed, open or silent.
Each mailbox is polled in a thread of its own, so one slow server holds up no one else.
"""

from __future__ import annotations

import contextlib
import imaplib
import ipaddress
import logging
import re
import socket
import ssl
import threading
import time
from datetime import timedelta

from django.conf import settings
from django.db import connection
from django.db.models import Q
from django.utils import timezone

from forecourt.lib.database import DATABASE_AWAY
from intake.actions import process_held, store_inbound
from intake.models import InboundEmail, IntakeSettings

log = logging.getLogger(__name__)
PROCESSED_KEYWORD = "$ForecourtProcessed"
MAX_MESSAGES_PER_POLL = 50
MAX_POLLING_THREADS = 32
NEUTRAL_ERROR = "Could not sign in to that mailbox."


class MailboxError(Exception):
    """The mailbox could not be read; the message says why, for the settings page."""


class SignInError(MailboxError):
    """Anything before a successful sign-in: always shown as `NEUTRAL_ERROR`, details only logged."""

    def __init__(self, detail: str) -> None:
        super().__init__(NEUTRAL_ERROR)
        self.detail = detail


class PrivateAddress(SignInError):
    """The host resolves to an address inside a private network: never connected to."""


def _allowed(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])  # an IPv6 zone ("fe80::1%eth0") is local anyway
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    # Not global covers private, loopback, link-local (cloud metadata), shared, reserved, unspecified.
    return ip.is_global and not ip.is_multicast


def resolve_mailbox_host(host: str, port: int) -> list[str]:
    """Every address `host` resolves to, or `SignInError` when it does not resolve or one of them is
    not on the public internet (unless FORECOURT_MAILBOX_ALLOW_PRIVATE). Checking every address
    means a name that also points inside cannot slip through on a lucky answer."""
    try:
        found = socket.getaddrinfo(host.strip("[]"), port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError, ValueError) as exc:
        raise SignInError(f"{host!r} does not resolve: {exc}") from None
    addresses = list(dict.fromkeys(str(info[4][0]) for info in found))
    if not settings.MAILBOX_ALLOW_PRIVATE:
        refused = [address for address in addresses if not _allowed(address)]
        if refused or not addresses:
            raise PrivateAddress(f"{host!r} resolves to an address on a private network: {', '.join(refused)}")
    return addresses


def private_host_refused(host: str, port: int) -> bool:
    """For the settings form: whether `host` resolves, in part or whole, to a non-public address.
    A host that does not resolve (yet) is not refused here; its polls will say they failed."""
    try:
        resolve_mailbox_host(host, port)
    except PrivateAddress:
        return True
    except SignInError:
        return False
    return False


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


_polling: dict[int, threading.Thread] = {}


def poll_due_mailboxes() -> int:
    """Start a poll, each in a thread of its own, of every mailbox that is due; returns how many
    were started. A server that never answers holds only its own thread (until its time-out),
    never the worker's other work nor another dealership's mailbox. The threads are not daemons:
    `runworker --once` exits when its polls are done."""
    for pk, thread in list(_polling.items()):
        if not thread.is_alive():
            del _polling[pk]
    started = 0
    for pk in due_mailboxes():
        if pk in _polling or len(_polling) >= MAX_POLLING_THREADS:
            continue  # still polling, or busy enough: its turn comes in a later pass
        if claim_mailbox(pk):
            thread = threading.Thread(target=_poll_in_thread, args=(pk,), name=f"mailbox-{pk}")
            _polling[pk] = thread
            thread.start()
            started += 1
    return started


def _poll_in_thread(pk: int) -> None:
    try:
        poll_mailbox(IntakeSettings.objects.select_related("dealership").get(pk=pk))
    except Exception:
        # The lease runs out and a later pass polls it again.
        log.exception("mailbox %s: poll failed", pk)
    finally:
        connection.close()  # the thread's own connection


def wait_for_polls(timeout: float | None = None) -> None:
    """Wait for the polls started by this process to end (for shutdown and tests)."""
    for thread in list(_polling.values()):
        thread.join(timeout)


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
    except SignInError as exc:
        error = NEUTRAL_ERROR
        log.warning("mailbox of %s: %s", config.dealership.slug, exc.detail)
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


class _PinnedImap(imaplib.IMAP4):
    """IMAP to the address that was checked, not to whatever the name resolves to a moment later."""

    def __init__(self, host: str, port: int, *, address: str, timeout: float) -> None:
        self.address = address
        super().__init__(host, port, timeout)

    def _create_socket(self, timeout: float | None) -> socket.socket:
        return socket.create_connection((self.address, self.port), timeout)


class _PinnedImapSsl(imaplib.IMAP4_SSL):
    """IMAP over TLS to the checked address; the certificate is still checked for the host name."""

    def __init__(self, host: str, port: int, *, address: str, timeout: float) -> None:
        self.address = address
        super().__init__(host, port, timeout=timeout)

    def _create_socket(self, timeout: float | None) -> ssl.SSLSocket:
        sock = socket.create_connection((self.address, self.port), timeout)
        return self.ssl_context.wrap_socket(sock, server_hostname=self.host)


def _connect(config: IntakeSettings) -> imaplib.IMAP4:
    """Connect and sign in; any failure on the way is a `SignInError`, the same for every cause."""
    timeout = settings.MAILBOX_TIMEOUT_SECONDS
    address = resolve_mailbox_host(config.imap_host, config.imap_port)[0]
    kind = _PinnedImapSsl if config.imap_ssl else _PinnedImap
    try:
        imap = kind(config.imap_host, config.imap_port, address=address, timeout=timeout)
    except (imaplib.IMAP4.error, OSError, EOFError) as exc:
        raise SignInError(f"{type(exc).__name__}: {exc}") from None
    try:
        imap.login(config.imap_user, config.imap_password)
    except (imaplib.IMAP4.error, OSError, EOFError) as exc:
        with contextlib.suppress(imaplib.IMAP4.error, OSError, EOFError):
            imap.shutdown()
        raise SignInError(f"{type(exc).__name__}: {exc}") from None
    return imap


def _quoted(folder: str) -> str:
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _fetch_new_mail(config: IntakeSettings) -> int:
    imap = _connect(config)
    try:
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
        # A server answering slowly but never quite timing out stops within its lease; the rest
        # waits for the next poll rather than for a second worker to poll alongside this one.
        deadline = time.monotonic() + settings.JOB_LEASE_SECONDS / 2
        for uid in uids:
            if time.monotonic() > deadline:
                break
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

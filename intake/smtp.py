"""The SMTP intake server: accepts mail for `<intake>@FORECOURT_INTAKE_DOMAIN` and for the leads'
reply addresses `lead-<token>@FORECOURT_RELAY_DOMAIN` (the email relay), nothing else.

Unknown recipients are refused at RCPT time (550), so the sending server keeps the bounce. A
reply address that was retired is still accepted: the mail is kept on the Intake screen and
attached to no lead, so a customer's late reply is never lost.
DATA is answered 250 only once the raw message is committed to the database, by this process's
desk thread (`Desk`), which stores the messages that arrive together in one transaction;
processing then runs in this process's processing thread (`Processor`): a message alone at once,
and the messages of a burst in batches. If this process dies in between, the stored row's lease runs out
and the worker's sweep processes it.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import gc
import logging
import queue
import re
import signal
import socket
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from email._header_value_parser import get_addr_spec, get_angle_addr
from email.errors import HeaderParseError
from typing import Any

import uvloop
from aiosmtpd.smtp import MISSING, SMTP, syntax
from django.conf import settings
from django.db import close_old_connections, connection

from dealerships.models import Dealership
from forecourt.lib import jobs
from forecourt.lib.database import DATABASE_AWAY, drop_connections
from forecourt.lib.held import letting_go
from forecourt.lib.prefork import STOP_SIGNALS
from forecourt.lib.rows import insert_numbered
from intake.actions import inbound_row, process_batch
from intake.models import InboundEmail

log = logging.getLogger(__name__)
MAX_MESSAGE_BYTES = 25 * 1024 * 1024


def dealership_for_address(address: str) -> int | None:
    """The dealership whose intake address `address` is (any case; a `+tag` is ignored)."""
    local, _, domain = address.strip().strip("<>").rpartition("@")
    if not local or domain.lower().rstrip(".") != settings.INTAKE_DOMAIN.lower():
        return None
    local = local.split("+", 1)[0]
    # Asked at every RCPT, so sent as the one statement it is: Django's building of the same
    # query (`intake_address__iexact`) cost three times what running it does.
    with connection.cursor() as cursor:
        cursor.execute(_DEALERSHIP_BY_INTAKE_ADDRESS, [local])
        found = cursor.fetchone()
    return found[0] if found else None


_DEALERSHIP_BY_INTAKE_ADDRESS = "SELECT id FROM dealerships_dealership WHERE UPPER(intake_address) = UPPER(%s) LIMIT 1"


def relay_dealership(address: str) -> int | None:
    """The dealership of the lead whose reply address (live or retired) `address` is."""
    from relay.addresses import relay_for  # the relay sits above intake

    relay = relay_for(address)
    return relay.lead.dealership_id if relay is not None else None


@dataclass(frozen=True)
class Recipient:
    """An address this server takes mail for, as RCPT found it: the dealership its mail is stored
    for, and how (lead email, or a reply to a lead through the relay)."""

    address: str
    dealership_id: int
    channel: str

    @property
    def row_key(self) -> int | str:
        """One stored row per key: a message to two rooftops is a lead for each, and one to two
        leads' reply addresses reaches both, but an address named twice is stored once."""
        return self.dealership_id if self.channel == InboundEmail.Channel.SMTP else self.address.lower()


def recipient(address: str) -> Recipient | None:
    """What mail to `address` is, or None when this server takes none for it."""
    if not address.isprintable():  # a NUL or a line break: no address of ours, and no query's
        return None
    if (dealership_id := dealership_for_address(address)) is not None:
        return Recipient(address, dealership_id, InboundEmail.Channel.SMTP)
    if (dealership_id := relay_dealership(address)) is not None:
        return Recipient(address, dealership_id, InboundEmail.Channel.RELAY)
    return None


def answered_whatever_happens[T]() -> concurrent.futures.Future[T]:
    """A future for the desk to answer, that the session waiting for it cannot cancel.

    The session's task is cancelled when its sender hangs up, and asyncio then cancels the future
    it awaits too. Answering a cancelled future raises, which ended the desk's thread: the
    process then never answered RCPT or DATA again. This one stays open; the answer goes nowhere.
    """
    future: concurrent.futures.Future[T] = concurrent.futures.Future()
    future.set_running_or_notify_cancel()
    return future


@dataclass
class Delivery:
    """A message answered 250 only once it is stored: its rows, one per recipient's row key.
    Stored whether or not its sender is still there to hear it (`answered_whatever_happens`)."""

    raw: bytes
    mail_from: str
    recipients: Sequence[Recipient]
    stored: concurrent.futures.Future[list[InboundEmail]] = field(default_factory=answered_whatever_happens)

    def rows(self) -> list[InboundEmail]:
        rows, keys = [], set()
        for found in self.recipients:
            if found.row_key in keys:
                continue
            keys.add(found.row_key)
            rows.append(
                inbound_row(
                    dealership_id=found.dealership_id,
                    raw=self.raw,
                    channel=found.channel,
                    mail_from=self.mail_from,
                    rcpt_to=found.address,
                    hold=True,
                )
            )
        return rows


def store_deliveries(deliveries: Sequence[Delivery]) -> list[list[InboundEmail]]:
    """Store the deliveries' rows, already held for this process's processing, in one statement
    (one transaction, one round trip to the database)."""
    rows = [delivery.rows() for delivery in deliveries]
    insert_numbered(InboundEmail, [row for each in rows for row in each])
    return rows


def store_together(deliveries: Sequence[Delivery]) -> None:
    """Store the deliveries in one transaction and answer each (`Delivery.stored`). Should the
    database refuse that transaction, each is stored again alone, so that a message it refuses
    (its rooftop deleted since RCPT) costs only its own sender a "try again later"; should the
    database be away, each is told so at once."""
    try:
        stored = _again_if_away(lambda: store_deliveries(deliveries))
    except Exception as error:
        if len(deliveries) > 1 and not isinstance(error, DATABASE_AWAY):
            for delivery in deliveries:
                store_together([delivery])
            return
        log.exception("storing %s messages failed", len(deliveries))
        for delivery in deliveries:
            delivery.stored.set_exception(error)
        return
    for delivery, rows in zip(deliveries, stored, strict=True):
        delivery.stored.set_result(rows)


KNOWN_SECONDS = 10.0  # how long an intake address found at RCPT is answered from memory
MAX_KNOWN = 1000  # intake addresses remembered at most, per process
IDLE_SECONDS = 1.0  # a thread idle this long checks its connection before using it again


class _Line[T]:
    """A thread of this process and the line of work waiting for it, taken in the order put; `None`
    in the line ends the thread once what came before it is done (`stop`)."""

    def __init__(self, name: str) -> None:
        self.waiting: queue.SimpleQueue[T | None] = queue.SimpleQueue()
        self.thread = threading.Thread(target=self._run, name=name, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        """Do everything put so far, then end the thread."""
        self.waiting.put(None)
        self.thread.join()

    def take(self, most: int) -> tuple[list[T], bool]:
        """The next work: the first in line (waited for), then up to `most` in all of what else is
        already there; and True when the line ended among them."""
        taken: list[T] = []
        while len(taken) < most:
            try:
                item = self.waiting.get() if not taken else self.waiting.get_nowait()
            except queue.Empty:
                break
            if item is None:
                return taken, True
            taken.append(item)
        return taken, False

    def _run(self) -> None:
        raise NotImplementedError


class Desk(_Line[tuple[str, concurrent.futures.Future[Recipient | None]] | Delivery]):
    """This process's receiving desk: one thread, with one database connection, that looks up the
    recipients of RCPT and stores the messages of DATA, in the order asked.

    Messages whose DATA ends while the desk is storing others wait, and are then stored together
    in one transaction: in a burst each costs a fraction of one stored alone, which leaves the
    CPU to taking the leads in. Should that transaction fail, each is stored again alone, so that
    a message the database refuses costs only its own sender a "try again later". Each stored
    row goes to the processing thread (`Processor`) from here, whether or not its session is
    still there to hear the 250 (a sender that missed it sends again, and the Message-ID tells).
    """

    def __init__(self, processor: Processor) -> None:
        self.processor = processor
        super().__init__("desk")

    async def recipient(self, address: str) -> Recipient | None:
        found: concurrent.futures.Future[Recipient | None] = answered_whatever_happens()
        self.waiting.put((address, found))
        return await asyncio.wrap_future(found)

    async def store(self, delivery: Delivery) -> list[InboundEmail]:
        self.waiting.put(delivery)
        return await asyncio.wrap_future(delivery.stored)

    def _run(self) -> None:
        stopping, last = False, time.monotonic()
        while not stopping:
            asked, stopping = self.take(sys.maxsize)
            if time.monotonic() - last > IDLE_SECONDS:
                close_old_connections()  # one idle a while is checked (and renewed when old) first
            deliveries = []
            for job in asked:
                if isinstance(job, Delivery):
                    deliveries.append(job)
                else:
                    self._look_up(*job)
            if deliveries:
                self._store(deliveries)
            last = time.monotonic()
        connection.close()  # the thread ends: its connection is never used again

    @staticmethod
    def _look_up(address: str, found: concurrent.futures.Future[Recipient | None]) -> None:
        try:
            found.set_result(_again_if_away(lambda: recipient(address)))
        except Exception as error:
            log.exception("looking up recipient %s failed", address)
            found.set_exception(error)

    def _store(self, deliveries: list[Delivery]) -> None:
        store_together(deliveries)
        for delivery in deliveries:
            if delivery.stored.exception() is None:
                for inbound in delivery.stored.result():
                    self.processor.submit(inbound)


def _again_if_away[T](work: Callable[[], T]) -> T:
    """`work()`; should the connection turn out to be lost (the database restarted since it was
    last used), once more on a new one."""
    try:
        return work()
    except DATABASE_AWAY:
        drop_connections()
        return work()


def process_stored(inbounds: Sequence[InboundEmail], *, check_connection: bool = True) -> None:
    """Take the stored rows in as one batch. `check_connection`: check the thread's database
    connection first (and renew it when old), as one idle a while needs; after a failure it
    always is, so a connection the database dropped is not used again."""
    if not inbounds:
        return
    if check_connection:
        close_old_connections()
    try:
        # Stored by the desk with their dealership's id: each is read here once for the batch.
        dealerships = Dealership.objects.select_related("organization").in_bulk({i.dealership_id for i in inbounds})
        for inbound in inbounds:
            if inbound.dealership_id in dealerships:
                inbound.dealership = dealerships[inbound.dealership_id]
        with letting_go():  # what the batch made is dropped here: freed at once, not in a pause
            process_batch(inbounds)
    except Exception:
        # The rows stay `received` with their lease; the worker's sweep will try again.
        log.exception("inbound %s: processing after receipt failed", [inbound.pk for inbound in inbounds])
        close_old_connections()


class Processor(_Line[InboundEmail]):
    """This process's processing thread: takes in what the process stored, in the order stored.

    A message that arrives while the thread is idle is taken in at once, alone. Messages that
    arrive while it is busy wait and are taken in together, up to `FORECOURT_INBOUND_BATCH_SIZE`
    at a time, as one batch (`intake.actions.process_batch`): in a burst each lead then costs a
    fraction of what it costs alone, and the leads reach their salespeople sooner than when every
    message takes its own transaction and they queue for the customer-matching lock and the
    rotation one by one.
    """

    def __init__(self) -> None:
        super().__init__("intake")

    def submit(self, inbound: InboundEmail) -> None:
        self.waiting.put(inbound)

    def _run(self) -> None:
        stopping, last = False, time.monotonic()
        while not stopping:
            batch, stopping = self.take(settings.INBOUND_BATCH_SIZE)
            if batch:
                # Checked after an idle while, or once a query failed (the database may have restarted).
                check = time.monotonic() - last > IDLE_SECONDS or connection.errors_occurred
                process_stored(_still_held(batch), check_connection=check)
            last = time.monotonic()
        connection.close()  # the thread ends: its connection is never used again


def _still_held(inbounds: list[InboundEmail]) -> list[InboundEmail]:
    """The rows whose lease (taken when they were stored) has time left for their batch: one that
    waited here so long that its lease may run out meanwhile is left to the worker's sweep, which
    takes it once the lease is over, so that no row is ever taken in twice."""
    held = [inbound for inbound in inbounds if jobs.lease_holds(inbound)]
    if len(held) < len(inbounds):
        log.warning("inbound %s waited too long here: left to the worker", [i.pk for i in inbounds if i not in held])
    return held


class IntakeHandler:
    """aiosmtpd handler. Database work runs on the desk's thread (`Desk`), never on the event loop.

    A dealership's intake address, once found at RCPT, is answered from memory for
    `KNOWN_SECONDS`: a marketplace sends all its leads to the same few addresses, and each look-up
    cost the desk a statement and two hand-overs between threads. An address found to be nobody's
    is asked about every time, so that a rooftop's new address takes mail at once; a reply address
    (one a lead) is asked about every time too.
    """

    def __init__(self, desk: Desk) -> None:
        self.desk = desk
        self.known: dict[str, tuple[float, Recipient]] = {}

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]) -> str:
        found = self._known(address)
        if found is None:
            try:
                found = await self.desk.recipient(address)
            except Exception:
                return "451 4.3.0 Temporary failure, try again later"
            if found is not None and found.channel == InboundEmail.Channel.SMTP:
                if len(self.known) >= MAX_KNOWN:  # +tags make as many addresses as a sender likes
                    self.known.clear()
                self.known[address] = (time.monotonic() + KNOWN_SECONDS, found)
        if found is None:
            return "550 5.1.1 No lead intake or reply address here by that name"
        envelope.rcpt_tos.append(address)
        envelope.__dict__.setdefault("recipients", []).append(found)  # a new envelope after RSET
        return "250 OK"

    def _known(self, address: str) -> Recipient | None:
        until, found = self.known.get(address, (0.0, None))
        return found if until > time.monotonic() else None

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        raw = envelope.original_content or envelope.content
        if isinstance(raw, str):
            raw = raw.encode("utf-8", errors="surrogateescape")
        recipients = envelope.__dict__.get("recipients", [])
        if not recipients:
            return "554 5.1.1 No valid recipients"
        try:
            stored = await self.desk.store(Delivery(bytes(raw), envelope.mail_from or "", recipients))
        except Exception:
            return "451 4.3.0 The message could not be stored; try again later"
        log.info("stored message from %s as inbound %s", envelope.mail_from, [i.pk for i in stored])
        return f"250 OK stored as {' '.join(str(i.pk) for i in stored)}"


# An address as nearly every sending server writes it: <dot-atom@host>, then spaces and parameters.
_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_PLAIN_ADDRESS = re.compile(rf"<(?P<address>{_ATOM}(?:\.{_ATOM})*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*)>[ \t]*")


class IntakeSMTP(SMTP):
    """aiosmtpd's SMTP session, reading MAIL's and RCPT's addresses as it does, but without the
    class aiosmtpd 1.4 makes (a typing `Protocol`) each time it reads one, which made up 5 to 7%
    of this server's time at 320 messages/s; and a lone `"` or an unclosed `[`, on which the
    standard library's parser fails with an IndexError or an AttributeError, is a malformed
    address (553) rather than a 500 naming Python's error.

    A session's objects refer to each other in cycles (the bound methods aiosmtpd keeps of the
    session, its task's cancellation and traceback), which reference counting never frees. At
    320 sessions/s Python's cyclic collector freed some 40,000 of them in one go every few
    seconds, in a pause of 100 to 250 ms in which no session of the process was answered. A
    session that has ended lets go of them (`_let_go`), and they are freed at once.

    aiosmtpd finds a session's commands and AUTH mechanisms by name, through `dir` and
    `inspect.getmembers` of the new session, which read every attribute of it (its properties
    too), for each connection: 93 µs to open a session. `dir` of a session names those methods
    alone, listed once (`_NAMED`), and a session opens in 35 µs.
    """

    def __dir__(self) -> list[str]:
        return _NAMED

    async def push(self, status: str | bytes) -> None:
        """Send a reply line. The lines of a reply of several (EHLO's `250-…` ones) wait for its
        last, and go in one write with it: one packet, where aiosmtpd sends one a line."""
        line = (
            status.encode("utf-8" if self.enable_SMTPUTF8 else "ascii") if isinstance(status, str) else status
        ) + b"\r\n"
        waiting = vars(self).setdefault("_reply", [])
        waiting.append(line)
        if line[3:4] == b"-":
            return
        self._writer.write(b"".join(waiting))
        waiting.clear()
        await self._writer.drain()

    @syntax("DATA")
    async def smtp_DATA(self, arg: str) -> None:
        """DATA as aiosmtpd answers it, with the message read in a few large pieces rather than a
        line at a time (`_message`): a lead email of 60 lines cost 60 waits on the connection."""
        if await self.check_helo_needed() or await self.check_auth_needed("DATA"):
            return
        assert self.envelope is not None
        if not self.envelope.rcpt_tos:
            await self.push("503 Error: need RCPT command")
            return
        if arg:
            await self.push("501 Syntax: DATA")
            return
        await self.push("354 End data with <CR><LF>.<CR><LF>")
        try:
            message = await self._message()
        except asyncio.CancelledError:  # the connection was lost during the message
            self._writer.close()
            raise
        if isinstance(message, str):  # too large, or a line too long: refused once it has all come
            self._set_post_data_state()
            await self.push(message)
            return
        self.envelope.content = self.envelope.original_content = message
        status = await self._call_handler_hook("DATA")
        self._set_post_data_state()
        await self.push("250 OK" if status is MISSING else status)

    async def _message(self) -> bytes | str:
        """The message up to the line holding a lone dot, its dot-stuffing undone (RFC 5321,
        4.5.2); or, once all of it has come, the refusal of one over `data_size_limit` or with a
        line over `line_length_limit` (its end of line counted), as aiosmtpd refuses them.

        Read up to each ".<CR><LF>" that arrives: the end when its dot is alone on its line, else
        a line ending in a dot. Once a message is sure to be over the size limit, what came is
        dropped as it comes (its last bytes kept, to see the end): it never sits in memory."""
        received = bytearray()
        dropped = 0
        limit = self.data_size_limit
        while True:
            try:
                received += await self._reader.readuntil(_DOT_END)
            except asyncio.LimitOverrunError as unfound:  # no dot's line end within the reader's limit yet
                received += await self._reader.read(unfound.consumed)
            else:
                if received[-5:-3] == b"\r\n" or (len(received) == len(_DOT_END) and not dropped):
                    break
            if limit and dropped + len(received) > limit + len(_DOT_END):
                dropped += len(received) - 4
                del received[:-4]
        if dropped:
            return "552 Error: Too much mail data"
        content = received[: -len(_DOT_END)]
        if limit and len(content) > limit:
            return "552 Error: Too much mail data"
        if max(map(len, content.split(b"\r\n"))) + 2 > self.line_length_limit:
            return "500 Line too long (see RFC5321 4.5.3.1.6)"
        if content.startswith(b"."):
            del content[0]
        return bytes(content.replace(b"\r\n.", b"\r\n"))

    def connection_lost(self, error: Exception | None) -> None:
        super().connection_lost(error)
        if self._handler_coroutine is not None:  # cancelled by aiosmtpd, or already over
            self._handler_coroutine.add_done_callback(self._let_go)

    def _let_go(self, task: asyncio.Task[None]) -> None:
        """The connection is closed and the session's task over: nothing uses the session again.
        How the connection ended (asyncio's `_closed`, an error for one the sender reset) is read
        first, as asyncio does when it frees the session itself, so it is not logged as an error."""
        closed = vars(self).get("_closed")
        if closed is not None and closed.done() and not closed.cancelled():
            closed.exception()
        vars(self).clear()

    def _getaddr(self, arg: str) -> tuple[str | None, str | None]:
        """The address at the start of `arg` (in angle brackets or bare) and what follows it;
        `("", "")` for nothing, `(None, None)` for no address or a local part over the limit."""
        if not arg:
            return "", ""
        if (plain := _PLAIN_ADDRESS.match(arg)) and not arg.startswith("(", plain.end()):
            found, rest = plain["address"], arg[plain.end() :]  # as the parser reads it, in 1 µs, not 30
        else:
            try:
                address, rest = (get_angle_addr if arg.lstrip().startswith("<") else get_addr_spec)(arg)
                found = address.addr_spec
            except (HeaderParseError, IndexError, AttributeError):  # the parser's failures on some malformed ones
                return None, None
        if self.local_part_limit and len(found.rpartition("@")[0]) > self.local_part_limit:
            return None, None
        return found, rest


_DOT_END = b".\r\n"  # a line ending in a dot; alone on its line, the end of a message
_NAMED = [name for name in dir(IntakeSMTP) if name.startswith(("smtp_", "auth_"))]


def listen(host: str, port: int) -> socket.socket:
    """The listening socket every serving process shares.

    Made as a TCP socket by name (IPPROTO_TCP): asyncio sets TCP_NODELAY only on sockets that say
    so, and without it every session waits ~40 ms for the client's delayed ACK after EHLO.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    listener = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if family == socket.AF_INET6:
            listener.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        listener.bind((host, port))
        listener.listen(128)
    except OSError:
        listener.close()
        raise
    listener.setblocking(False)
    return listener


def serve(listener: socket.socket) -> None:
    """Answer SMTP on `listener` until SIGTERM or SIGINT. Messages already stored then finish
    processing before this returns; anything cut short is swept by the worker."""
    # What the process made to start (Django, the apps, their modules) lives as long as it does:
    # frozen, it is left out of the cyclic collector's full passes, which then take 10 to 40 ms
    # at 320 messages/s instead of 60 to 150 ms, in which no session is answered.
    gc.collect()
    gc.freeze()
    processor = Processor()
    desk = Desk(processor)
    try:
        # uvloop's event loop runs a session on about three quarters of the CPU asyncio's takes.
        asyncio.run(_serve(listener, IntakeHandler(desk)), loop_factory=uvloop.new_event_loop)
    finally:
        desk.stop()
        processor.stop()


async def open_sessions(listener: socket.socket, handler: IntakeHandler) -> asyncio.Server:
    """Answer each connection to `listener` with an SMTP session of this process's running loop."""
    loop = asyncio.get_running_loop()
    return await loop.create_server(
        lambda: IntakeSMTP(
            handler,
            data_size_limit=MAX_MESSAGE_BYTES,
            decode_data=False,
            hostname=settings.INTAKE_DOMAIN,
            ident="Forecourt lead intake",
            loop=loop,
        ),
        sock=listener,
    )


async def _serve(listener: socket.socket, handler: IntakeHandler) -> None:
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for signum in STOP_SIGNALS:
        loop.add_signal_handler(signum, stop.set)
    # The command blocks these until here, so one sent as soon as the port is open stops us cleanly.
    signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)
    server = await open_sessions(listener, handler)
    await stop.wait()
    log.info("smtpd: stopping")
    # No new connections; sessions still open are cancelled when the loop ends (a message not
    # yet answered 250 is sent again by its sender, and recognised by its Message-ID).
    server.close()

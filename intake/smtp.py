"""The SMTP intake server: accepts mail for `<intake>@FORECOURT_INTAKE_DOMAIN` and for the leads'
reply addresses `lead-<token>@FORECOURT_RELAY_DOMAIN` (the email relay), nothing else.

Unknown recipients are refused at RCPT time (550), so the sending server keeps the bounce. A
reply address that was retired is still accepted: the mail is kept on the Intake screen and
attached to no lead, so a customer's late reply is never lost.
DATA is answered 250 only once the raw message is committed to the database; processing then
runs in this process's processing thread (`Processor`): a message alone at once, and the
messages of a burst in batches. If this process dies in between, the stored row's lease runs out
and the worker's sweep processes it.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import signal
import socket
import threading
from collections.abc import Sequence
from typing import Any

from aiosmtpd.smtp import SMTP
from django.conf import settings
from django.db import close_old_connections

from dealerships.models import Dealership
from forecourt.lib import jobs
from forecourt.lib.prefork import STOP_SIGNALS
from intake.actions import process_batch, store_inbound
from intake.models import InboundEmail

log = logging.getLogger(__name__)
MAX_MESSAGE_BYTES = 25 * 1024 * 1024


def dealership_for_address(address: str) -> int | None:
    """The dealership whose intake address `address` is (any case; a `+tag` is ignored)."""
    local, _, domain = address.strip().strip("<>").rpartition("@")
    if not local or domain.lower().rstrip(".") != settings.INTAKE_DOMAIN.lower():
        return None
    local = local.split("+", 1)[0]
    return Dealership.objects.filter(intake_address__iexact=local).values_list("pk", flat=True).first()


def relay_dealership(address: str) -> int | None:
    """The dealership of the lead whose reply address (live or retired) `address` is."""
    from relay.addresses import relay_for  # the relay sits above intake

    relay = relay_for(address)
    return relay.lead.dealership_id if relay is not None else None


def _recipient_lookup(address: str) -> int | None:
    close_old_connections()
    try:
        return dealership_for_address(address) or relay_dealership(address)
    finally:
        close_old_connections()


def store_delivery(raw: bytes, mail_from: str, rcpt_tos: list[str]) -> list[InboundEmail]:
    """One stored row per dealership addressed (a message to two rooftops is a lead for each)."""
    close_old_connections()
    try:
        stored = []
        seen: set[int | str] = set()
        for rcpt in rcpt_tos:
            dealership_id = dealership_for_address(rcpt)
            channel = InboundEmail.Channel.SMTP
            key: int | str = rcpt.lower()
            if dealership_id is None:
                # A lead's reply address: one row per address, so mail to two leads reaches both.
                dealership_id, channel = relay_dealership(rcpt), InboundEmail.Channel.RELAY
            else:
                key = dealership_id
            if dealership_id is None or key in seen:
                continue
            seen.add(key)
            dealership = Dealership.objects.select_related("organization").get(pk=dealership_id)
            stored.append(
                store_inbound(
                    dealership=dealership,
                    raw=raw,
                    channel=channel,
                    mail_from=mail_from,
                    rcpt_to=rcpt,
                    hold=True,
                )
            )
        return stored
    finally:
        close_old_connections()


def process_stored(inbounds: Sequence[InboundEmail]) -> None:
    if not inbounds:
        return
    close_old_connections()
    try:
        process_batch(inbounds)
    except Exception:
        # The rows stay `received` with their lease; the worker's sweep will try again.
        log.exception("inbound %s: processing after receipt failed", [inbound.pk for inbound in inbounds])
    finally:
        close_old_connections()


class Processor:
    """This process's processing thread: takes in what the process stored, in the order stored.

    A message that arrives while the thread is idle is taken in at once, alone. Messages that
    arrive while it is busy wait and are taken in together, up to `FORECOURT_INBOUND_BATCH_SIZE`
    at a time, as one batch (`intake.actions.process_batch`): in a burst each lead then costs a
    fraction of what it costs alone, and the leads reach their salespeople sooner than when every
    message takes its own transaction and they queue for the customer-matching lock and the
    rotation one by one.
    """

    def __init__(self) -> None:
        self.waiting: queue.SimpleQueue[InboundEmail | None] = queue.SimpleQueue()
        self.thread = threading.Thread(target=self._run, name="intake", daemon=True)
        self.thread.start()

    def submit(self, inbound: InboundEmail) -> None:
        self.waiting.put(inbound)

    def stop(self) -> None:
        """Take in everything submitted so far, then end the thread."""
        self.waiting.put(None)
        self.thread.join()

    def _run(self) -> None:
        stopping = False
        while not stopping:
            first = self.waiting.get()
            if first is None:
                return
            batch = [first]
            while len(batch) < settings.INBOUND_BATCH_SIZE:
                try:
                    more = self.waiting.get_nowait()
                except queue.Empty:
                    break
                if more is None:
                    stopping = True
                    break
                batch.append(more)
            process_stored(_still_held(batch))


def _still_held(inbounds: list[InboundEmail]) -> list[InboundEmail]:
    """The rows whose lease (taken when they were stored) has time left for their batch: one that
    waited here so long that its lease may run out meanwhile is left to the worker's sweep, which
    takes it once the lease is over, so that no row is ever taken in twice."""
    held = [inbound for inbound in inbounds if jobs.lease_holds(inbound)]
    if len(held) < len(inbounds):
        log.warning("inbound %s waited too long here: left to the worker", [i.pk for i in inbounds if i not in held])
    return held


class IntakeHandler:
    """aiosmtpd handler. Database work runs in threads, never on the event loop."""

    def __init__(self, processor: Processor) -> None:
        self.processor = processor

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]) -> str:
        try:
            dealership_id = await asyncio.to_thread(_recipient_lookup, address)
        except Exception:
            log.exception("looking up recipient %s failed", address)
            return "451 4.3.0 Temporary failure, try again later"
        if dealership_id is None:
            return "550 5.1.1 No lead intake or reply address here by that name"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        raw = envelope.original_content or envelope.content
        if isinstance(raw, str):
            raw = raw.encode("utf-8", errors="surrogateescape")
        try:
            stored = await asyncio.to_thread(store_delivery, bytes(raw), envelope.mail_from or "", envelope.rcpt_tos)
        except Exception:
            log.exception("storing a message from %s failed", envelope.mail_from)
            return "451 4.3.0 The message could not be stored; try again later"
        if not stored:
            return "554 5.1.1 No valid recipients"
        for inbound in stored:
            self.processor.submit(inbound)
        log.info("stored message from %s as inbound %s", envelope.mail_from, [i.pk for i in stored])
        return f"250 OK stored as {' '.join(str(i.pk) for i in stored)}"


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
    processor = Processor()
    try:
        asyncio.run(_serve(listener, IntakeHandler(processor)))
    finally:
        processor.stop()


async def _serve(listener: socket.socket, handler: IntakeHandler) -> None:
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for signum in STOP_SIGNALS:
        loop.add_signal_handler(signum, stop.set)
    # The command blocks these until here, so one sent as soon as the port is open stops us cleanly.
    signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)
    server = await loop.create_server(
        lambda: SMTP(
            handler,
            data_size_limit=MAX_MESSAGE_BYTES,
            decode_data=False,
            hostname=settings.INTAKE_DOMAIN,
            ident="Forecourt lead intake",
            loop=loop,
        ),
        sock=listener,
    )
    await stop.wait()
    log.info("smtpd: stopping")
    # No new connections; sessions still open are cancelled when the loop ends (a message not
    # yet answered 250 is sent again by its sender, and recognised by its Message-ID).
    server.close()

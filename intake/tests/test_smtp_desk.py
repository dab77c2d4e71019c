"""smtpd's desk stores the messages that arrive together in one transaction, and never lets one the
database refuses cost the others their place (`intake.smtp.store_together`)."""

from __future__ import annotations

import gc
import logging
import smtplib
import socket
import struct
import threading

import pytest
import uvloop
from django.db import IntegrityError

from dealerships.models import Dealership
from forecourt.testing import wait_until
from intake.models import InboundEmail
from intake.smtp import (
    Delivery,
    Desk,
    IntakeHandler,
    IntakeSMTP,
    Processor,
    listen,
    open_sessions,
    recipient,
    store_together,
)
from intake.tests.conftest import adf, intake_address, lead_email

pytestmark = pytest.mark.django_db(transaction=True)


def delivery(n: int, *addresses: str) -> Delivery:
    found = [recipient(address) for address in addresses]
    assert None not in found
    raw = lead_email(adf(first=f"Buyer{n}", email=f"buyer{n}@example.com", lead_id=None))
    return Delivery(raw, f"sender{n}@marketplace.example", [r for r in found if r is not None])


def test_messages_stored_together_each_get_their_own_held_rows(riverside, lakeside):
    first = delivery(1, intake_address())
    both = delivery(2, intake_address(), intake_address("lakeside-honda").upper(), intake_address())

    store_together([first, both])

    [one] = first.stored.result()
    assert (one.dealership_id, one.mail_from, one.status) == (riverside.pk, "sender1@marketplace.example", "received")
    assert one.claimed_until is not None, "held for this process's processing"
    assert one.subject
    assert InboundEmail.objects.get(pk=one.pk).raw_bytes == first.raw
    assert [row.dealership_id for row in both.stored.result()] == [riverside.pk, lakeside.pk], "one row per rooftop"
    assert InboundEmail.objects.count() == 3


def test_a_message_the_database_refuses_fails_alone_and_the_others_stored_with_it_are_kept(riverside, lakeside):
    before, gone, after = (delivery(n, intake_address(slug)) for n, slug in enumerate(_SLUGS))
    Dealership.objects.filter(pk=lakeside.pk).delete()  # between its RCPT and its DATA

    store_together([before, gone, after])

    assert isinstance(gone.stored.exception(), IntegrityError)  # its sender is told to try again
    kept = [row.pk for row in (*before.stored.result(), *after.stored.result())]
    assert sorted(InboundEmail.objects.values_list("pk", flat=True)) == sorted(kept)
    assert InboundEmail.objects.filter(dealership=riverside).count() == 2


_SLUGS = ("riverside-toyota", "lakeside-honda", "riverside-toyota")


def test_a_sender_address_holding_a_nul_byte_costs_nobody_their_message(riverside):
    hostile = delivery(1, intake_address())
    hostile.mail_from = "bounce\x00@marketplace.example\r\nX-Injected: yes"
    other = delivery(2, intake_address())

    store_together([hostile, other])

    [kept] = hostile.stored.result()
    assert InboundEmail.objects.get(pk=kept.pk).mail_from == "bounce@marketplace.example X-Injected: yes"
    assert InboundEmail.objects.get(pk=kept.pk).raw_bytes == hostile.raw
    assert len(other.stored.result()) == 1


def test_an_address_holding_a_nul_byte_is_no_recipient(riverside):
    assert recipient(intake_address().replace("@", "\x00@")) is None
    assert recipient(intake_address()) is not None


def test_an_intake_address_is_found_in_any_case_and_only_as_written(riverside):
    local, domain = intake_address().split("@")
    found = recipient(f"{local.upper()}+CarGurus@{domain.upper()}")
    assert found is not None
    assert found.dealership_id == riverside.pk
    for near in ("riverside_toyota", "riverside%", "riverside-toyot", "%"):
        assert recipient(f"{near}@{domain}") is None, near


def test_sessions_that_ended_leave_nothing_for_the_cyclic_collector(riverside, caplog):
    """smtpd's sessions, on the event loop smtpd runs, as senders use them (a message, an unknown
    address refused, a reset, a connection the sender resets): once over, nothing of them is left
    for Python's cyclic collector, which would stop every session of the process while it freed
    what piled up, and nothing is logged as an error."""
    processor = Processor()
    desk = Desk(processor)
    listener = listen("127.0.0.1", 0)
    loop = uvloop.new_event_loop()
    server = loop.run_until_complete(open_sessions(listener, IntakeHandler(desk)))
    serving = threading.Thread(target=loop.run_forever)
    serving.start()
    domain = intake_address().split("@")[1]
    mails = [lead_email(adf(first=f"Buyer{n}", email=f"buyer{n}@example.com", lead_id=None)) for n in range(5)]
    gc.collect()
    gc.disable()
    try:
        for n in range(5):
            with smtplib.SMTP("127.0.0.1", listener.getsockname()[1], timeout=10) as client:
                client.ehlo()
                client.mail("leads@cargurus.com")
                assert client.rcpt(f"nobody-{n}@{domain}")[0] == 550
                client.rset()
                client.sendmail("leads@cargurus.com", [intake_address()], mails[n])
            with socket.create_connection(listener.getsockname(), timeout=10) as reset:
                assert reset.recv(200).startswith(b"220 ")
                reset.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # RST, not FIN
        # Each session's end reaches the loop, and with nothing of it left in a cycle, it is freed.
        freed = wait_until(lambda: IntakeSMTP not in {type(o) for o in gc.get_objects()})
        left_for_the_collector = gc.collect()
    finally:
        gc.enable()
        loop.call_soon_threadsafe(server.close)
        loop.call_soon_threadsafe(loop.stop)
        serving.join()
        loop.close()
        desk.stop()
        processor.stop()
        listener.close()

    assert freed, "each session freed as soon as it was over"
    assert left_for_the_collector == 0
    assert InboundEmail.objects.count() == 5
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []

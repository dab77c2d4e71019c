"""A phone between masts: Carol's open lead page keeps its thread live after a request the network
lost. Between the browser and gunicorn, a relay passes everything on until it is told to lose
what comes next: from then, what a connection sends is swallowed and that connection never
answers nor closes, as a dead mobile link does. Connections made afterwards work again."""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec

from conversations.inbound import receive_text
from forecourt.testing import wait_until
from tests.browser.conftest import PHONE
from tests.browser.test_a_messenger_conversation import log_in

pytestmark = [pytest.mark.browser, pytest.mark.slow]

LEADS_PHONE = "+15125550199"
CUSTOMER = "+15125550100"


class LossyRelay:
    """A TCP relay on a loopback port to `upstream`. While `losing` is set, the next bytes any
    connection sends are dropped and the connection goes silent for good (kept open, never
    answered); `lost` holds what was dropped."""

    def __init__(self, upstream: tuple[str, int]) -> None:
        self.upstream = upstream
        self.losing = threading.Event()
        self.lost: list[bytes] = []
        self.held: list[socket.socket] = []
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:  # closed
                return
            server = socket.create_connection(self.upstream)
            self.held += [client, server]
            silent = threading.Event()  # set once this connection lost what it sent
            threading.Thread(target=self._up, args=(client, server, silent), daemon=True).start()
            threading.Thread(target=self._down, args=(server, client, silent), daemon=True).start()

    def _up(self, client: socket.socket, server: socket.socket, silent: threading.Event) -> None:
        try:
            while data := client.recv(65536):
                if self.losing.is_set():
                    self.lost.append(data)
                    silent.set()
                    return
                server.sendall(data)
            server.shutdown(socket.SHUT_WR)
        except OSError:
            return

    def _down(self, server: socket.socket, client: socket.socket, silent: threading.Event) -> None:
        # Once silent, not even gunicorn closing its end reaches the browser (which would retry).
        try:
            while (data := server.recv(65536)) and not silent.is_set():
                client.sendall(data)
            if not silent.is_set():
                client.shutdown(socket.SHUT_WR)
        except OSError:
            return

    def close(self) -> None:
        # Shut down first: on Linux that, not close(), wakes a thread blocked in accept() or recv().
        for sock in [self.listener, *self.held]:
            with contextlib.suppress(OSError):  # not connected, or closed by the other side already
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()


@pytest.fixture
def relay(web: str) -> Iterator[LossyRelay]:
    address = urlsplit(web)
    relayed = LossyRelay((address.hostname or "127.0.0.1", address.port or 80))
    yield relayed
    relayed.close()


def test_the_thread_stays_live_after_a_poll_the_network_lost(relay, open_browser, riverside, carol):
    riverside.leads_phone = LEADS_PHONE
    riverside.save()
    first = receive_text(
        to_number=LEADS_PHONE, from_number=CUSTOMER, body="Is the Tacoma still there?", provider_id="SM1"
    )
    lead = first.lead
    lead.assigned_to = carol
    lead.save(update_fields=["assigned_to"])

    base = f"http://127.0.0.1:{relay.port}"
    driver = open_browser(PHONE)
    wait = log_in(driver, base, "carol@example.com")
    driver.get(f"{base}/leads/{lead.pk}/#conversation")
    wait.until(ec.text_to_be_present_in_element((By.ID, "thread"), "Is the Tacoma still there?"))

    # The thread's next poll is lost on the way; nothing will ever answer it.
    relay.losing.set()
    assert wait_until(lambda: any(b"/conversation/" in data for data in relay.lost), timeout=15), relay.lost
    relay.losing.clear()

    receive_text(to_number=LEADS_PHONE, from_number=CUSTOMER, body="Still there? I can come at 5", provider_id="SM2")
    wait.until(
        ec.text_to_be_present_in_element((By.ID, "thread"), "Still there? I can come at 5"),
        "the thread stopped refreshing after one lost request",
    )

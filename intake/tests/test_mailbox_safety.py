"""The mailbox settings cannot be used to probe the network, and one slow mailbox server delays
no other dealership's leads."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator

import pytest

from forecourt.testing import wait_until
from forecourt.worker import Worker
from intake.actions import settings_for
from intake.mailbox import NEUTRAL_ERROR, poll_mailbox, wait_for_polls
from intake.models import IntakeSettings
from intake.tests.conftest import free_port, lead_email
from intake.tests.imap_server import PASSWORD, USER, Mailbox, dovecot
from leads.models import Lead

pytestmark = pytest.mark.slow


@pytest.fixture
def mailbox() -> Iterator[Mailbox]:
    with dovecot() as server:
        yield server


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A server that takes connections and never says a word (the kernel accepts them for it)."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(16)
        yield server.getsockname()[1]
    # Closing the listener resets the connections it held: any poll still waiting ends now.
    wait_for_polls()


@pytest.fixture
def chatty_port() -> Iterator[int]:
    """An open port that is not a mail server: it greets like SSH and hangs up."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    server.settimeout(0.2)
    running = True

    def serve() -> None:
        while running:
            try:
                conn, _ = server.accept()
            except OSError:
                continue
            with conn:
                conn.sendall(b"SSH-2.0-OpenSSH_9.6\r\n")

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield server.getsockname()[1]
    running = False
    thread.join(timeout=10)
    server.close()


def configure(dealership, host: str, port: int, password: str = PASSWORD) -> IntakeSettings:
    config = settings_for(dealership)
    config.imap_host, config.imap_port, config.imap_ssl = host, port, False
    config.imap_user, config.imap_password = USER, password
    config.save()
    return config


def error_after_poll(config: IntakeSettings) -> str:
    poll_mailbox(config)
    config.refresh_from_db()
    return config.imap_last_error


@pytest.mark.django_db(transaction=True)
def test_a_silent_mailbox_server_does_not_delay_another_dealerships_lead(
    riverside, lakeside, mailbox, silent_port, settings
):
    settings.MAILBOX_ALLOW_PRIVATE = True  # both servers are on loopback here
    settings.MAILBOX_TIMEOUT_SECONDS = 600  # the silent server holds its poll until the test ends
    silent = configure(riverside, "127.0.0.1", silent_port)
    configure(lakeside, "127.0.0.1", mailbox.port)
    mailbox.deliver(lead_email())

    Worker().run_sweeps()

    assert wait_until(lambda: Lead.objects.filter(dealership=lakeside).exists(), timeout=60)
    silent.refresh_from_db()
    assert silent.imap_last_polled_at is None  # Riverside's poll is still waiting on its server


def test_a_private_or_local_mailbox_address_is_refused_with_the_neutral_error(riverside, alice, client_for):
    client = client_for(alice)
    for host in ("127.0.0.1", "localhost", "10.20.30.40", "192.168.1.10", "169.254.169.254", "::1", "::ffff:10.0.0.1"):
        response = client.post(
            "/intake/settings/riverside-toyota/",
            {
                "report_email": "",
                "crm_email": "",
                "imap_host": host,
                "imap_port": 143,
                "imap_user": "leads",
                "imap_password": "pw",
                "imap_folder": "INBOX",
                "imap_poll_seconds": 60,
            },
        )

        assert response.status_code == 200, host
        assert NEUTRAL_ERROR in response.content.decode()
    assert settings_for(riverside).imap_host == ""


def test_a_mailbox_saved_with_a_private_address_is_never_connected_to(riverside):
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        config = configure(riverside, "127.0.0.1", server.getsockname()[1])

        assert error_after_poll(config) == NEUTRAL_ERROR

        server.setblocking(False)
        with pytest.raises(BlockingIOError):
            server.accept()  # nobody knocked


def test_closed_open_silent_and_wrong_password_mailboxes_give_the_same_error(
    riverside, mailbox, silent_port, chatty_port, settings
):
    settings.MAILBOX_ALLOW_PRIVATE = True
    settings.MAILBOX_TIMEOUT_SECONDS = 1
    errors = {
        "closed": error_after_poll(configure(riverside, "127.0.0.1", free_port())),
        "open, not mail": error_after_poll(configure(riverside, "127.0.0.1", chatty_port)),
        "silent": error_after_poll(configure(riverside, "127.0.0.1", silent_port)),
        "wrong password": error_after_poll(configure(riverside, "127.0.0.1", mailbox.port, password="wrong")),
    }

    assert set(errors.values()) == {NEUTRAL_ERROR}


def test_an_operator_may_allow_mailboxes_on_the_local_network(riverside, alice, client_for, settings):
    settings.MAILBOX_ALLOW_PRIVATE = True
    response = client_for(alice).post(
        "/intake/settings/riverside-toyota/",
        {
            "report_email": "",
            "crm_email": "",
            "imap_host": "192.168.1.10",
            "imap_port": 143,
            "imap_user": "leads",
            "imap_password": "pw",
            "imap_folder": "INBOX",
            "imap_poll_seconds": 60,
        },
    )

    assert response.status_code == 302
    assert settings_for(riverside).imap_host == "192.168.1.10"

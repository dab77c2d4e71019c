"""Tests cannot reach beyond this machine: the guard refuses before anything is sent."""

from __future__ import annotations

import re
import socket
import threading

import pytest

from forecourt.lib import loopback_only
from forecourt.testing import run_manage

TEST_NET = "192.0.2.1"  # RFC 5737 documentation address: routed nowhere, never ours to reach


def numeric_look_up_refused() -> bool:
    """Whether the guard is on, asked in a way that sends nothing even without it (a numeric address)."""
    try:
        socket.getaddrinfo(TEST_NET, 80, flags=socket.AI_NUMERICHOST)
    except loopback_only.NetworkBlockedError:
        return True
    return False


@pytest.fixture
def operating_system_calls(monkeypatch):
    """The calls the guard would hand on to the operating system, replaced by a recorder that
    refuses too: should the guard ever let one through, still nothing is sent."""
    if not numeric_look_up_refused():
        pytest.fail("the network guard is off in this test run; nothing was tried")
    handed_on: list[tuple[str, object]] = []

    def recorder(name: str):
        def call(*args, **kwargs):
            handed_on.append((name, args))
            raise AssertionError(f"the guard handed {name}{args!r} on to the operating system")

        return call

    for name in ("connect", "connect_ex", "sendto", "getaddrinfo", "gethostbyname"):
        monkeypatch.setitem(loopback_only._real, name, recorder(name))
    return handed_on


def test_a_connection_to_an_outside_address_is_refused_before_anything_is_sent(operating_system_calls):
    with pytest.raises(loopback_only.NetworkBlockedError, match="tests may only reach loopback"):
        socket.create_connection((TEST_NET, 80), timeout=1)
    with socket.socket() as sock, pytest.raises(loopback_only.NetworkBlockedError, match=re.escape(TEST_NET)):
        sock.connect_ex((TEST_NET, 25))
    assert operating_system_calls == []


def test_a_name_is_never_looked_up_and_no_datagram_leaves(operating_system_calls):
    with pytest.raises(loopback_only.NetworkBlockedError, match=r"imap\.example\.com"):
        socket.getaddrinfo("imap.example.com", 993)
    with pytest.raises(loopback_only.NetworkBlockedError):
        socket.gethostbyname("example.com")
    with socket.socket(socket.AF_INET6, socket.SOCK_DGRAM) as udp, pytest.raises(loopback_only.NetworkBlockedError):
        udp.sendto(b"query", ("2001:db8::53", 53))
    assert operating_system_calls == []


def test_loopback_servers_are_still_reached():
    with socket.create_server(("127.0.0.1", 0)) as server:
        accepted = threading.Thread(target=lambda: server.accept()[0].close())
        accepted.start()
        with socket.create_connection(("localhost", server.getsockname()[1]), timeout=5) as client:
            assert client.getpeername()[0] == "127.0.0.1"
        accepted.join(5)


def test_processes_started_by_tests_are_guarded_too():
    # A numeric address needs no look-up, so even an unguarded child sends nothing here.
    probe = f"import socket; socket.getaddrinfo({TEST_NET!r}, 80, flags=socket.AI_NUMERICHOST)"
    result = run_manage("shell", "--no-imports", "-c", probe)
    assert result.returncode != 0
    assert "NetworkBlockedError" in result.stderr
    assert "tests may only reach loopback" in result.stderr

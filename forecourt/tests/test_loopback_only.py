"""Tests cannot reach beyond this machine: the guard refuses before anything is sent."""

from __future__ import annotations

import re
import socket
import threading

import pytest

from forecourt.lib import loopback_only
from forecourt.testing import run_manage

TEST_NET = "192.0.2.1"  # RFC 5737 documentation address: routed nowhere, never ours to reach


def guard_is_on() -> bool:
    """Whether the guard is installed, asked in a way that sends nothing either way."""
    return bool(loopback_only._real)


@pytest.fixture
def operating_system_calls(monkeypatch):
    """The calls the guard would hand on to the operating system, replaced by a recorder that
    refuses too: should the guard ever let one through, still nothing is sent."""
    if not guard_is_on():
        pytest.fail("the network guard is off in this test run; nothing was tried")
    handed_on: list[tuple[str, object]] = []

    def recorder(name: str):
        def call(*args, **kwargs):
            handed_on.append((name, args))
            raise AssertionError(f"the guard handed {name}{args!r} on to the operating system")

        return call

    for name in ("connect", "connect_ex", "sendto", "gethostbyname"):
        monkeypatch.setitem(loopback_only._real, name, recorder(name))
    real_getaddrinfo = loopback_only._real["getaddrinfo"]

    def numeric_only(host, port, family=0, type=0, proto=0, flags=0):
        # Reading an address written out sends nothing; AI_NUMERICHOST makes sure no name is ever resolved.
        return real_getaddrinfo(host, port, family, type, proto, flags | socket.AI_NUMERICHOST)

    monkeypatch.setitem(loopback_only._real, "getaddrinfo", numeric_only)
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
    # The child checks that its guard is on before trying, and replaces what the guard would hand
    # on to the operating system, so even a broken guard sends nothing.
    probe = (
        "import socket\n"
        "from forecourt.lib import loopback_only as guard\n"
        "assert guard._real, 'the guard is off in this process'\n"
        "def handed_on(*args): raise AssertionError('the guard handed a connection on')\n"
        "guard._real['connect'] = handed_on\n"
        f"socket.socket().connect(({TEST_NET!r}, 80))\n"
    )
    result = run_manage("shell", "--no-imports", "-c", probe)
    assert result.returncode != 0
    assert "NetworkBlockedError" in result.stderr
    assert "tests may only reach loopback" in result.stderr

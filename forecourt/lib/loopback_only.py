"""Keep a process on this machine: connections and name look-ups beyond loopback raise at once.

Tests install it (root conftest.py), and so does every process they start, through the
FORECOURT_LOOPBACK_ONLY variable that settings.py reads: a test that would reach a real mail server,
provider or DNS fails with a clear message instead of sending anything. The check runs before the
operating system is asked for anything, so a refused address never sees a packet.
"""

from __future__ import annotations

import ipaddress
import socket
from typing import Any

# Names that never leave the machine (RFC 6761 keeps "localhost" off the DNS), and this machine's
# own name, which smtplib looks up to greet a server (the hosts file answers it).
LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost", socket.gethostname().lower()})

# What the guard replaced, so the real calls can still be made for loopback.
_real: dict[str, Any] = {}


class NetworkBlockedError(RuntimeError):
    """A test reached for an address beyond loopback. Not an OSError on purpose: code that
    handles connection failures must not swallow it and carry on as if a server were down."""


def is_loopback(host: object) -> bool:
    """True for loopback addresses and names, the unspecified address (binding) and no host."""
    if host is None or host in ("", b""):
        return True
    if isinstance(host, bytes):
        host = host.decode("ascii", "replace")
    if not isinstance(host, str):
        return False
    name = host.strip("[]").lower()
    if name in LOOPBACK_NAMES:
        return True
    try:
        address = ipaddress.ip_address(name.split("%", 1)[0])
    except ValueError:
        return False  # a name the resolver would have to look up
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    return address.is_loopback or address.is_unspecified


def _refuse(what: str, host: object) -> NetworkBlockedError:
    return NetworkBlockedError(
        f"{what} {host!r} refused: tests may only reach loopback (127.0.0.1, ::1, localhost). "
        "Point the code at a local fake server, or patch the one outside seam it calls."
    )


def _host_of(address: object) -> object:
    # AF_INET and AF_INET6 addresses are tuples starting with the host; AF_UNIX ones are paths.
    return address[0] if isinstance(address, tuple) and address else None


def _connect(self: socket.socket, address: Any) -> None:
    if self.family in (socket.AF_INET, socket.AF_INET6) and not is_loopback(_host_of(address)):
        raise _refuse("Connection to", _host_of(address))
    return _real["connect"](self, address)


def _connect_ex(self: socket.socket, address: Any) -> int:
    if self.family in (socket.AF_INET, socket.AF_INET6) and not is_loopback(_host_of(address)):
        raise _refuse("Connection to", _host_of(address))
    return _real["connect_ex"](self, address)


def _sendto(self: socket.socket, data: Any, *args: Any) -> int:
    address = args[-1]  # sendto(data, address) or sendto(data, flags, address)
    if self.family in (socket.AF_INET, socket.AF_INET6) and not is_loopback(_host_of(address)):
        raise _refuse("Datagram to", _host_of(address))
    return _real["sendto"](self, data, *args)


def is_address(host: object) -> bool:
    """True for an IP address written out: reading it sends nothing, only connecting would."""
    if isinstance(host, bytes):
        host = host.decode("ascii", "replace")
    try:
        ipaddress.ip_address(str(host).strip("[]").split("%", 1)[0])
    except ValueError:
        return False
    return True


def _getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
    if not (is_loopback(host) or is_address(host)):
        raise _refuse("Looking up", host)
    return _real["getaddrinfo"](host, *args, **kwargs)


def _gethostbyname(host: Any) -> Any:
    if not (is_loopback(host) or is_address(host)):
        raise _refuse("Looking up", host)
    return _real["gethostbyname"](host)


def install() -> None:
    """Guard this process; calling it again changes nothing."""
    if _real:
        return
    _real.update(
        connect=socket.socket.connect,
        connect_ex=socket.socket.connect_ex,
        sendto=socket.socket.sendto,
        getaddrinfo=socket.getaddrinfo,
        gethostbyname=socket.gethostbyname,
    )
    socket.socket.connect = _connect  # type: ignore[method-assign,assignment]
    socket.socket.connect_ex = _connect_ex  # type: ignore[method-assign,assignment]
    socket.socket.sendto = _sendto  # type: ignore[method-assign,assignment]
    socket.getaddrinfo = _getaddrinfo
    socket.gethostbyname = _gethostbyname

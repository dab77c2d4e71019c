"""Sending one web push alert to one browser's push service (RFC 8030, 8291, 8292).

The alert is a small JSON document (title, body, the URL to open, a tag) encrypted to the
browser's keys with pywebpush (aes128gcm), signed with our VAPID key, and POSTed through the one
HTTP helper. What the push service answers decides what happens next (see `PushGone`).
"""

from __future__ import annotations

import ipaddress
import json
import re
import socket
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings

from forecourt.lib.http import HttpError, post_bytes
from forecourt.lib.outbox import DeliveryError
from notifications.push_keys import subject, vapid_key

# How long a push service keeps an alert for a phone that is off or out of signal.
TTL_SECONDS = 24 * 3600


class PushGone(DeliveryError):
    """The push service no longer knows this browser (404, 410): the subscription is dropped."""

    def __init__(self, message: str) -> None:
        super().__init__(message, permanent=True)


@dataclass(frozen=True)
class Alert:
    """What the service worker shows: a title, a body, the page a tap opens, and a tag under which
    a newer alert replaces an older one."""

    title: str
    body: str
    url: str
    tag: str

    def payload(self) -> bytes:
        return json.dumps({"title": self.title, "body": self.body, "url": self.url, "tag": self.tag}).encode()


@dataclass(frozen=True)
class Device:
    """Where to send: the push service's endpoint for one browser, and that browser's keys."""

    endpoint: str
    p256dh: str
    auth: str


def send(device: Device, alert: Alert, *, topic: str, urgency: str = "normal") -> None:
    """Encrypt `alert` to `device` and hand it to its push service, or raise DeliveryError.

    `topic` (at most 32 base64url characters) makes the push service replace a copy it still
    holds with the same topic, so a retry after a lost answer buzzes the phone once.
    """
    check_endpoint(device.endpoint)
    # Loaded at the first alert (with aiohttp, a seventh of a second), not by every process start.
    from pywebpush import WebPusher, WebPushException

    try:
        pusher = WebPusher({"endpoint": device.endpoint, "keys": {"p256dh": device.p256dh, "auth": device.auth}})
        body = pusher.encode(alert.payload(), "aes128gcm")["body"]
    except (WebPushException, ValueError, TypeError) as exc:
        raise DeliveryError(f"the device's keys cannot be used: {exc}", permanent=True) from None
    parts = urlsplit(device.endpoint)
    claims: dict[str, str | int] = {
        "aud": f"{parts.scheme}://{parts.netloc}",
        "sub": subject(),
        "exp": int(time.time()) + 12 * 3600,
    }
    headers = {
        **vapid_key().sign(claims),
        "Content-Encoding": "aes128gcm",
        "Content-Type": "application/octet-stream",
        "TTL": str(TTL_SECONDS),
        "Topic": topic[:32],
        "Urgency": urgency,
    }
    try:
        post_bytes(device.endpoint, body, headers=headers)
    except HttpError as exc:
        reason = str(exc).replace(f" from {device.endpoint}", "")  # the endpoint is the device's secret
        if exc.status in (404, 410):
            raise PushGone(f"the push service no longer knows this device ({reason}); it was removed") from None
        raise DeliveryError(f"the push service refused the alert: {reason}", permanent=exc.permanent) from None


def check_endpoint(endpoint: str) -> None:
    """Refuse an endpoint that is not https or whose host is inside a private network (unless
    FORECOURT_PUSH_ALLOW_PRIVATE): a subscription must not make the worker a way into it."""
    if settings.PUSH_ALLOW_PRIVATE:
        return
    parts = urlsplit(endpoint)
    if parts.scheme != "https" or not parts.hostname:
        raise DeliveryError("a push service address must start with https://", permanent=True)
    try:
        found = {str(info[4][0]) for info in socket.getaddrinfo(parts.hostname, 443, type=socket.SOCK_STREAM)}
    except (OSError, UnicodeError, ValueError) as exc:
        raise DeliveryError(f"the push service {parts.hostname!r} does not resolve: {exc}") from None
    for address in found:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
        if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped
        if not ip.is_global or ip.is_multicast:
            raise DeliveryError(f"the push service {parts.hostname!r} is on a private network", permanent=True)


# The browser's own words for itself, most specific first (Edge and Opera also say Chrome, Chrome
# also says Safari); then the system.
BROWSERS = (
    ("Edge", r"Edg(e|A|iOS)?/"),
    ("Opera", r"OPR/|Opera"),
    ("Samsung Internet", r"SamsungBrowser/"),
    ("Firefox", r"Firefox/|FxiOS/"),
    ("Chrome", r"Chrome/|CriOS/"),
    ("Safari", r"Safari/"),
)
SYSTEMS = (
    ("iPhone", r"iPhone"),
    ("iPad", r"iPad"),
    ("Android", r"Android"),
    ("Windows", r"Windows"),
    ("Mac", r"Macintosh|Mac OS X"),
    ("ChromeOS", r"CrOS"),
    ("Linux", r"Linux"),
)


def device_label(user_agent: str) -> str:
    """ "Chrome on Android", "Safari on iPhone", … for the list of a user's devices."""
    browser = next((name for name, pattern in BROWSERS if re.search(pattern, user_agent)), "A browser")
    system = next((name for name, pattern in SYSTEMS if re.search(pattern, user_agent)), "")
    return f"{browser} on {system}" if system else browser

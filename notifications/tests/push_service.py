"""A browser's push service on loopback, and a browser's side of a subscription, for web push tests.

`FakePushService` takes POSTs as FCM or Mozilla's autopush do: it keeps each (path, headers,
body) and answers 201, or the next of `statuses`. `TestBrowser` holds the keys a browser makes
when it subscribes, so a test can decrypt what was sent exactly as the phone would.
"""

from __future__ import annotations

import base64
import json
import os
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import http_ece
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from forecourt.testing import serve_in_background


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass
class Received:
    """One alert as the push service got it."""

    path: str
    headers: dict[str, str]
    body: bytes


class FakePushService(ThreadingHTTPServer):
    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _PushHandler)
        self.received: list[Received] = []
        self.statuses: list[int] = []

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def start(self) -> FakePushService:
        serve_in_background(self)
        return self

    def stop(self) -> None:
        self.shutdown()
        self.server_close()


class _PushHandler(BaseHTTPRequestHandler):
    server: FakePushService

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.server.received.append(Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body))
        status = self.server.statuses.pop(0) if self.server.statuses else 201
        answer = b"" if status == 201 else json.dumps({"reason": "push service says no"}).encode()
        self.send_response(status)
        if status == 201:
            self.send_header("Location", f"{self.server.base}/m/{len(self.server.received)}")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args: object) -> None:
        pass


@dataclass
class TestBrowser:
    """The keys of one browser's push subscription: it gives away the public key and the auth
    secret, and keeps the private key to decrypt what arrives."""

    __test__ = False  # not a test class, whatever its name

    endpoint: str
    private_key: ec.EllipticCurvePrivateKey = field(default_factory=lambda: ec.generate_private_key(ec.SECP256R1()))
    auth_secret: bytes = field(default_factory=lambda: os.urandom(16))

    def subscription(self) -> dict[str, Any]:
        """What `PushSubscription.toJSON()` gives in the browser."""
        public = self.private_key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        return {
            "endpoint": self.endpoint,
            "expirationTime": None,
            "keys": {"p256dh": b64url(public), "auth": b64url(self.auth_secret)},
        }

    def read(self, alert: Received) -> dict[str, Any]:
        """Decrypt an alert (RFC 8291, aes128gcm) and read its JSON, as the service worker gets it."""
        assert alert.headers["content-encoding"] == "aes128gcm"
        plain = http_ece.decrypt(
            alert.body, private_key=self.private_key, auth_secret=self.auth_secret, version="aes128gcm"
        )
        result: dict[str, Any] = json.loads(plain)
        return result

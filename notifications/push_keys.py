"""The VAPID key pair that signs web push alerts (RFC 8292), and the contact sent with it.

From VAPID_PRIVATE_KEY when it is set (production: one key for every process and machine), else
generated once into var/ like SECRET_KEY and read from there afterwards. Browsers subscribe with
the public key; a new key means every phone must turn alerts on again, so it is never replaced.
"""

from __future__ import annotations

import base64
import contextlib
import os
import tempfile
from email.utils import parseaddr
from functools import cache
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from django.conf import settings
from py_vapid import Vapid, VapidException


class VapidKeyError(ValueError):
    """VAPID_PRIVATE_KEY (or the key file) holds no usable P-256 private key."""


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def key_from_text(text: str) -> Vapid:
    """A private key written as PEM, or base64url of the raw 32 bytes or of DER (`vapid --gen`,
    `web-push generate-vapid-keys` and most libraries give one of these)."""
    text = text.strip()
    try:
        if text.startswith("-----BEGIN"):
            return Vapid.from_pem(text.encode())
        return Vapid.from_string(text)
    except (VapidException, ValueError, TypeError) as exc:
        raise VapidKeyError(f"not a P-256 private key (PEM, or base64url of 32 raw bytes or DER): {exc}") from None


def key_from_file(path: Path) -> Vapid:
    """The key kept in `path`, made on first use. Several processes may start at once: the key is
    written to a file of its own and linked into place, so the first one wins and the others read it."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fresh = Vapid()
        fresh.generate_keys()
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".vapid-")
        try:
            os.fchmod(handle, 0o600)
            os.write(handle, fresh.private_pem())
            os.close(handle)
            with contextlib.suppress(FileExistsError):
                os.link(temporary, path)
        finally:
            os.unlink(temporary)
    return key_from_text(path.read_text())


@cache
def vapid_key() -> Vapid:
    """This installation's signing key (read once per process)."""
    if settings.VAPID_PRIVATE_KEY:
        return key_from_text(settings.VAPID_PRIVATE_KEY)
    return key_from_file(Path(settings.VAPID_KEY_FILE))


def public_key() -> str:
    """The public key as browsers take it for `applicationServerKey`: base64url, uncompressed point."""
    raw = vapid_key().public_key.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    return b64url(raw)


def subject() -> str:
    """VAPID_SUBJECT, or a mailto: of the address our emails come from."""
    if settings.VAPID_SUBJECT:
        return settings.VAPID_SUBJECT
    address = parseaddr(settings.DEFAULT_FROM_EMAIL)[1] or f"no-reply@{settings.RELAY_DOMAIN}"
    return f"mailto:{address}"

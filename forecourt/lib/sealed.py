"""Secrets Forecourt must read back (a mailbox password), stored encrypted.

`SealedTextField` holds plain text in Python and a Fernet token (AES with an HMAC) in the
database, under a key derived from SECRET_KEY. After a change of SECRET_KEY, list the old one in
SECRET_KEY_FALLBACKS until every sealed value has been saved again; a value no key opens reads as
"" (with a warning in the log), so the admin is asked to enter it again instead of a page failing.
Values stored before sealing existed (no prefix) are read as they are and sealed when next saved.
"""

from __future__ import annotations

import base64
import hashlib
import logging
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.db import models

log = logging.getLogger(__name__)
PREFIX = "sealed:"


def _box() -> MultiFernet:
    keys = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return MultiFernet(
        [
            Fernet(base64.urlsafe_b64encode(hashlib.sha256(b"forecourt sealed field:" + k.encode()).digest()))
            for k in keys
        ]
    )


def seal(text: str) -> str:
    return PREFIX + _box().encrypt(text.encode()).decode() if text else ""


def unseal(stored: str) -> str:
    if not stored.startswith(PREFIX):
        return stored  # stored before values were sealed
    try:
        return _box().decrypt(stored.removeprefix(PREFIX).encode()).decode()
    except InvalidToken:
        log.warning("a sealed value cannot be opened with SECRET_KEY or SECRET_KEY_FALLBACKS; it reads as empty")
        return ""


class SealedTextField(models.TextField):
    """Plain text in Python, sealed in the database (see the module's doc)."""

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> str | None:
        return value if value is None else unseal(value)

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        return value if not value else seal(str(value))

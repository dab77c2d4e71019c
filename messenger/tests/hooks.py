"""Requests as Meta makes them to /hooks/messenger: a JSON body signed with the app secret
(`X-Hub-Signature-256: sha256=<HMAC-SHA256 of the body>`)."""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

from django.test import Client

HOOK = "/hooks/messenger"
APP_SECRET = "app-secret-for-tests"
VERIFY_TOKEN = "verify-me"
PAGE_ID = "1234567890"
PAGE_TOKEN = "EAAG-page-token"
PSID = "24011112222333444"
STARTED = 1773673200000  # Mon Mar 16 2026, 10:00 in Austin, in Meta's milliseconds


def sign(body: bytes, secret: str = APP_SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def post_event(
    body: bytes | dict[str, Any], *, signed: bool = True, secret: str = APP_SECRET, signed_body: bytes | None = None
) -> Any:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    headers = {"X-Hub-Signature-256": sign(signed_body or raw, secret)} if signed else {}
    return Client().post(HOOK, raw, content_type="application/json", headers=headers)


def message_event(
    text: str = "Is the white Tacoma still available?",
    *,
    mid: str = "m_in0001",
    psid: str = PSID,
    page_id: str = PAGE_ID,
    attachments: list[str] | None = None,
    at: int = STARTED,
) -> dict[str, Any]:
    """A page subscription body with one message from a customer, as Meta sends it."""
    message: dict[str, Any] = {"mid": mid, "text": text}
    if attachments:
        message["attachments"] = [{"type": "image", "payload": {"url": url}} for url in attachments]
    return page_body(
        page_id, [{"sender": {"id": psid}, "recipient": {"id": page_id}, "timestamp": at, "message": message}]
    )


def echo_event(
    text: str, *, mid: str = "m_echo0001", psid: str = PSID, metadata: str | None = None, at: int = STARTED
) -> dict[str, Any]:
    """A page subscription body with one echo: a message the page sent to the customer."""
    message: dict[str, Any] = {"mid": mid, "text": text, "is_echo": True, "app_id": 263902037430900}
    if metadata is not None:
        message["metadata"] = metadata
    item = {"sender": {"id": PAGE_ID}, "recipient": {"id": psid}, "timestamp": at, "message": message}
    return page_body(PAGE_ID, [item])


def page_body(page_id: str, messaging: list[dict[str, Any]]) -> dict[str, Any]:
    return {"object": "page", "entry": [{"id": page_id, "time": STARTED, "messaging": messaging}]}

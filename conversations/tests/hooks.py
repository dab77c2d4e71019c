"""Requests as Twilio makes them: form fields signed with the account's auth token over
FORECOURT_BASE_URL + the path, as Twilio's RequestValidator computes it."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.test import Client
from twilio.request_validator import RequestValidator

FORM = "application/x-www-form-urlencoded"
SMS_HOOK = "/hooks/twilio/sms"
STATUS_HOOK = "/hooks/twilio/sms/status"
DEALERSHIP_NUMBER = "+15125550199"
CUSTOMER_NUMBER = "+15125550100"


def signature(path: str, fields: dict[str, str], token: str | None = None) -> str:
    return str(
        RequestValidator(token or settings.TWILIO_AUTH_TOKEN).compute_signature(settings.BASE_URL + path, fields)
    )


def post_hook(
    path: str,
    fields: dict[str, str],
    *,
    signed: bool = True,
    token: str | None = None,
    signed_fields: dict[str, str] | None = None,
) -> Any:
    """POST `fields` to a webhook as Twilio does, signed unless `signed` is False (with another
    token, or over other fields than those sent, to forge one)."""
    over = fields if signed_fields is None else signed_fields
    headers = {"X-Twilio-Signature": signature(path, over, token)} if signed else {}
    # Twilio posts its fields URL-encoded.
    return Client().post(path, urlencode(fields), content_type=FORM, headers=headers)


def text_fields(
    body: str = "Is the truck still there?",
    *,
    sid: str = "SM0001",
    sender: str = CUSTOMER_NUMBER,
    to: str = DEALERSHIP_NUMBER,
    media: list[str] | None = None,
) -> dict[str, str]:
    fields = {"MessageSid": sid, "AccountSid": "AC0123456789", "From": sender, "To": to, "Body": body}
    fields["NumMedia"] = str(len(media or []))
    for i, url in enumerate(media or []):
        fields[f"MediaUrl{i}"] = url
        fields[f"MediaContentType{i}"] = "image/jpeg"
    return fields

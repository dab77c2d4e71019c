"""Placing a call through Twilio's REST API (`POST …/Calls.json`, or whatever TWILIO_API_BASE
names: tests point it at a local server), outside any transaction, from the worker only."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings

from forecourt.lib.http import HttpError, post_form
from forecourt.lib.outbox import DeliveryError

BRIDGE_PATH = "/hooks/twilio/voice/bridge/{token}"
STATUS_PATH = "/hooks/twilio/voice/status/{token}"
# How long the salesperson's phone rings before Twilio gives up (their voicemail may take it,
# which then hears the prompt, presses nothing, and the customer is never dialled).
RING_SECONDS = 25


def bridge_url(token: str) -> str:
    return settings.BASE_URL + BRIDGE_PATH.format(token=token)


def status_url(token: str) -> str:
    return settings.BASE_URL + STATUS_PATH.format(token=token)


@dataclass(frozen=True)
class NewCall:
    """One call to ask the provider for: whom to ring, from which number, what to press once it
    answers, where to fetch its TwiML and where to report its status."""

    to: str
    from_number: str
    send_digits: str
    twiml_url: str
    status_url: str


def place_call(call: NewCall) -> str:
    """Ask Twilio to place the call; its CallSid, or DeliveryError with the provider's reason."""
    sid, token = settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN
    if not (sid and token):
        raise DeliveryError(
            "Calling needs Twilio: TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN are not set", permanent=True
        )
    fields = [
        ("To", call.to),
        ("From", call.from_number),
        ("Url", call.twiml_url),
        ("Method", "POST"),
        ("Timeout", str(RING_SECONDS)),
        ("StatusCallback", call.status_url),
        ("StatusCallbackMethod", "POST"),
    ]
    fields += [("StatusCallbackEvent", event) for event in ("initiated", "ringing", "answered", "completed")]
    if call.send_digits:
        fields.append(("SendDigits", call.send_digits))
    url = f"{settings.TWILIO_API_BASE.rstrip('/')}/2010-04-01/Accounts/{sid}/Calls.json"
    try:
        answer = post_form(url, fields, auth=(sid, token))
    except HttpError as exc:
        raise DeliveryError(str(exc), permanent=True) from exc
    body = answer.json if isinstance(answer.json, dict) else {}
    found = str(body.get("sid") or "")
    if not found:
        raise DeliveryError("Twilio took the call but gave no CallSid", permanent=True)
    return found[:64]

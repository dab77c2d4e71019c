"""Sending one text, to staff or to a customer, through the configured provider.

One base class, one registry dict (`PROVIDERS`), chosen by SMS_PROVIDER: `console` records the
text in the worker's log and on its row (the default without Twilio credentials); `twilio` posts
it to Twilio's REST API, or to whatever TWILIO_API_BASE names (tests point it at a local server).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings

from forecourt.lib.http import HttpError, post_form
from forecourt.lib.outbox import DeliveryError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Text:
    """One text to hand to the provider: `media` are URLs it fetches (MMS); `status_url` is where
    it reports delivery (empty: nowhere)."""

    to: str
    from_number: str
    body: str
    key: str
    media: Sequence[str] = ()
    status_url: str = ""


class SmsProvider:
    """Sends one text; returns the provider's id for it or raises DeliveryError."""

    name = ""

    def send(self, text: Text) -> str:  # pragma: no cover - every provider overrides it
        raise NotImplementedError


class ConsoleProvider(SmsProvider):
    """Writes the text to the log instead of sending it, so a fresh install works without an account."""

    name = "console"

    def send(self, text: Text) -> str:
        log.info("text to %s: %s", text.to, text.body)
        return f"console-{text.key}"


class TwilioProvider(SmsProvider):
    """Twilio's Messages API (or a compatible one at TWILIO_API_BASE), with HTTP basic auth."""

    name = "twilio"

    def send(self, text: Text) -> str:
        sid, token = settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN
        if not (sid and token):
            raise DeliveryError("TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN are not set", permanent=True)
        if not text.from_number:
            raise DeliveryError("the dealership has no leads or main phone number to text from", permanent=True)
        url = f"{settings.TWILIO_API_BASE.rstrip('/')}/2010-04-01/Accounts/{sid}/Messages.json"
        try:
            answer = post_form(url, _fields(text), auth=(sid, token))
        except HttpError as exc:
            raise DeliveryError(str(exc), permanent=exc.permanent) from exc
        body = answer.json if isinstance(answer.json, dict) else {}
        return str(body.get("sid") or "")


def _fields(text: Text) -> list[tuple[str, str]]:
    fields = [("To", text.to), ("From", text.from_number), ("Body", text.body)]
    fields += [("MediaUrl", url) for url in text.media]
    if text.status_url:
        fields.append(("StatusCallback", text.status_url))
    return fields


PROVIDERS: dict[str, type[SmsProvider]] = {"console": ConsoleProvider, "twilio": TwilioProvider}


def current_provider() -> SmsProvider:
    try:
        return PROVIDERS[settings.SMS_PROVIDER]()
    except KeyError:
        raise DeliveryError(
            f"SMS_PROVIDER {settings.SMS_PROVIDER!r} is unknown (use {' or '.join(PROVIDERS)})", permanent=True
        ) from None

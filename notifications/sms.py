"""Sending one stored staff text through the configured provider.

One base class, one registry dict (`PROVIDERS`), chosen by SMS_PROVIDER: `console` records the
text in the worker's log and on its row (the default without Twilio credentials); `twilio` posts
it to Twilio's REST API, or to whatever TWILIO_API_BASE names (tests point it at a local server).
"""

from __future__ import annotations

import logging

from django.conf import settings

from forecourt.lib.http import HttpError, post_form
from notifications.email import DeliveryError
from notifications.models import OutboundText

log = logging.getLogger(__name__)


class SmsProvider:
    """Sends one text; returns the provider's id for it or raises DeliveryError."""

    name = ""

    def send(self, text: OutboundText) -> str:  # pragma: no cover - every provider overrides it
        raise NotImplementedError


class ConsoleProvider(SmsProvider):
    """Writes the text to the log instead of sending it, so a fresh install works without an account."""

    name = "console"

    def send(self, text: OutboundText) -> str:
        log.info("text to %s: %s", text.to, text.body)
        return f"console-{text.pk}"


class TwilioProvider(SmsProvider):
    """Twilio's Messages API (or a compatible one at TWILIO_API_BASE), with HTTP basic auth."""

    name = "twilio"

    def send(self, text: OutboundText) -> str:
        sid, token = settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN
        if not (sid and token):
            raise DeliveryError("TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN are not set", permanent=True)
        if not text.from_number:
            raise DeliveryError("the dealership has no leads or main phone number to text from", permanent=True)
        url = f"{settings.TWILIO_API_BASE.rstrip('/')}/2010-04-01/Accounts/{sid}/Messages.json"
        try:
            answer = post_form(url, {"To": text.to, "From": text.from_number, "Body": text.body}, auth=(sid, token))
        except HttpError as exc:
            raise DeliveryError(str(exc), permanent=exc.permanent) from exc
        body = answer.json if isinstance(answer.json, dict) else {}
        return str(body.get("sid") or "")


PROVIDERS: dict[str, type[SmsProvider]] = {"console": ConsoleProvider, "twilio": TwilioProvider}


def current_provider() -> SmsProvider:
    try:
        return PROVIDERS[settings.SMS_PROVIDER]()
    except KeyError:
        raise DeliveryError(
            f"SMS_PROVIDER {settings.SMS_PROVIDER!r} is unknown (use {' or '.join(PROVIDERS)})", permanent=True
        ) from None

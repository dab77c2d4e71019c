"""Texts (SMS and MMS) from the dealership's number, through the provider SMS_PROVIDER names.

Twilio signs each webhook (`X-Twilio-Signature`) over FORECOURT_BASE_URL + the path and the form
fields; the `twilio` library's RequestValidator checks it.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from twilio.request_validator import RequestValidator

from conversations.channels.base import Inbound, NoAddress, Transport
from conversations.models import Message
from dealerships.models import Dealership
from forecourt.lib.phone import to_e164
from leads.models import CustomerPhone, Lead
from notifications.sms import Text, current_provider

STATUS_PATH = "/hooks/twilio/sms/status"


def texting_number(lead: Lead) -> str:
    """The dealership's number customers text (its leads number, else its main number), E.164 or ""."""
    return dealership_number(lead.dealership)


def dealership_number(dealership: Dealership) -> str:
    """The number customers text at `dealership` (its leads number, else its main number), E.164 or ""."""
    for number in (dealership.leads_phone, dealership.main_phone):
        e164 = to_e164(number, dealership.country) if number else None
        if e164:
            return e164
    return ""


def mobile_of(lead: Lead) -> str:
    """The customer's number to text: a mobile if they gave one, else any number that can be read."""
    phones = sorted(
        (p for p in lead.customer.phones.all() if p.number),
        key=lambda p: p.type != CustomerPhone.Type.CELLPHONE,
    )
    return phones[0].number or "" if phones else ""


class SmsTransport(Transport):
    name = "sms"

    def addresses(self, lead: Lead) -> tuple[str, str]:
        sender = texting_number(lead)
        if not sender:
            raise NoAddress(f"{lead.dealership.name} has no phone number to text from (dealership settings, phones).")
        customer = mobile_of(lead)
        if not customer:
            raise NoAddress(f"{lead.customer.display_name} has no phone number that can take a text.")
        return sender, customer

    def send(self, message: Message) -> dict[str, Any]:
        provider = current_provider()
        status_url = f"{settings.BASE_URL}{STATUS_PATH}" if provider.name == "twilio" else ""
        text = Text(
            to=message.to_address,
            from_number=message.from_address,
            body=message.body,
            key=str(message.key),
            media=list(message.media),
            status_url=status_url,
        )
        return {"provider_id": provider.send(text)[:100]}

    def verify(self, request: HttpRequest) -> bool:
        signature = request.headers.get("X-Twilio-Signature", "")
        token = settings.TWILIO_AUTH_TOKEN
        if not (signature and token):
            return False
        url = f"{settings.BASE_URL}{request.get_full_path()}"
        return bool(RequestValidator(token).validate(url, request.POST, signature))

    def parse(self, request: HttpRequest) -> list[Inbound]:
        form = request.POST
        sid, sender, to = form.get("MessageSid", ""), form.get("From", ""), form.get("To", "")
        if not (sid and sender and to):
            raise ValueError("A text needs MessageSid, From and To.")
        try:
            count = int(form.get("NumMedia") or 0)
        except ValueError:
            raise ValueError("NumMedia is not a number.") from None
        media = [form[f"MediaUrl{i}"] for i in range(min(count, 10)) if form.get(f"MediaUrl{i}")]
        return [Inbound(provider_id=sid, from_address=sender, to_address=to, body=form.get("Body", ""), media=media)]

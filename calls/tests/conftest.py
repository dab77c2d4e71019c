"""Calls test helpers: Riverside Toyota with its three numbers, Carol with a mobile, her lead,
Twilio's REST API as a real local server, and webhooks posted and signed as Twilio does."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode, urlparse
from xml.etree import ElementTree

import pytest
from django.conf import settings
from django.test import Client
from twilio.request_validator import RequestValidator

from api.tests.conftest import api_for  # noqa: F401 - the API tests' fixture, used here too
from calls.models import Call
from calls.tasks import CALLS
from conftest import make_lead
from dealerships.models import Dealership
from forecourt.testing import FakeTwilio
from leads.models import Lead

LEADS_NUMBER = "+15125550199"
MAIN_NUMBER = "+15125550111"
FORWARDING_NUMBER = "+15125550122"
CAROL_MOBILE = "+15125550001"
CUSTOMER = "+15125550100"
FORM = "application/x-www-form-urlencoded"


@pytest.fixture
def twilio(settings: Any) -> Iterator[FakeTwilio]:
    """A real HTTP server on loopback standing in for Twilio's REST API."""
    server = FakeTwilio().start()
    settings.TWILIO_API_BASE = server.base
    settings.TWILIO_ACCOUNT_SID = "AC0123456789"
    settings.TWILIO_AUTH_TOKEN = "secret-token"
    yield server
    server.stop()


@pytest.fixture
def phones(riverside: Dealership) -> Dealership:
    riverside.leads_phone = LEADS_NUMBER
    riverside.main_phone = MAIN_NUMBER
    riverside.calls_forwarding_phone = FORWARDING_NUMBER
    riverside.save()
    return riverside


@pytest.fixture
def carol_with_mobile(carol: Any) -> Any:
    carol.mobile = CAROL_MOBILE
    carol.save()
    return carol


@pytest.fixture
def lead(phones: Dealership, carol_with_mobile: Any) -> Lead:
    return make_lead(
        phones,
        assigned_to=carol_with_mobile,
        vehicles=[{"year": 2016, "make": "RAM", "model": "2500", "stock": "D9760"}],
    )


def path_of(url: str) -> str:
    parsed = urlparse(url)
    return parsed.path + (f"?{parsed.query}" if parsed.query else "")


def hook(url_or_path: str, fields: dict[str, str], *, signed: bool = True, token: str | None = None) -> Any:
    """POST `fields` to a voice webhook as Twilio does: URL-encoded, signed over
    FORECOURT_BASE_URL + the path with the account's auth token (another `token` forges it)."""
    path = path_of(url_or_path) if url_or_path.startswith("http") else url_or_path
    secret = token or settings.TWILIO_AUTH_TOKEN
    signature = RequestValidator(secret).compute_signature(settings.BASE_URL + path, fields)
    headers = {"X-Twilio-Signature": signature} if signed else {}
    return Client().post(path, urlencode(fields), content_type=FORM, headers=headers)


def placed(call: Call) -> Call:
    """The worker places the queued call (the provider answers with its CallSid)."""
    assert CALLS.deliver(call.pk) == "sent"
    call.refresh_from_db()
    return call


def first_url(twilio: FakeTwilio) -> str:
    """The TwiML URL the provider was told to fetch when the salesperson answers."""
    return str(twilio.calls[-1]["form"]["Url"][0])  # type: ignore[index]


def leg(call: Call, **fields: str) -> dict[str, str]:
    """Status callback fields of the salesperson's leg (the call Forecourt asked for)."""
    return {"CallSid": call.provider_id, "AccountSid": "AC0123456789", **fields}


def customer_leg(call: Call, **fields: str) -> dict[str, str]:
    """Status callback fields of the customer's leg (the Dial's child call)."""
    return {"CallSid": "CA" + "9" * 32, "ParentCallSid": call.provider_id, "AccountSid": "AC0123456789", **fields}


class TwiML:
    """A webhook's TwiML answer, read as XML: its verbs and their attributes."""

    def __init__(self, root: ElementTree.Element) -> None:
        self.root = root

    def has(self, verb: str) -> bool:
        return self.root.find(f".//{verb}") is not None

    def get(self, verb: str) -> ElementTree.Element:
        found = self.root.find(f".//{verb}")
        assert found is not None, f"no <{verb}> in {ElementTree.tostring(self.root)!r}"
        return found

    def attr(self, verb: str, name: str) -> str | None:
        return self.get(verb).get(name)

    def text(self, verb: str) -> str:
        return self.get(verb).text or ""


def twiml(answer: Any) -> TwiML:
    """The TwiML document of a webhook's answer (which must be a 200 with TwiML)."""
    assert answer.status_code == 200, answer.content
    assert answer["Content-Type"].startswith("text/xml")
    return TwiML(ElementTree.fromstring(answer.content))


def status_path(call: Call) -> str:
    return f"/hooks/twilio/voice/status/{call.status_token}"

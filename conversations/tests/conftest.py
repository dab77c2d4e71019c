from __future__ import annotations

from collections.abc import Iterator

import pytest

from forecourt.testing import FakeTwilio


@pytest.fixture
def texting(riverside):
    """Riverside Toyota texts from its leads number."""
    riverside.leads_phone = "+15125550199"
    riverside.save()
    return riverside


@pytest.fixture
def twilio(settings) -> Iterator[FakeTwilio]:
    """A real HTTP server on loopback standing in for Twilio's REST API."""
    server = FakeTwilio().start()
    settings.SMS_PROVIDER = "twilio"
    settings.TWILIO_API_BASE = server.base
    settings.TWILIO_ACCOUNT_SID = "AC0123456789"
    settings.TWILIO_AUTH_TOKEN = "secret-token"
    yield server
    server.stop()

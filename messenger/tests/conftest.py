from __future__ import annotations

from collections.abc import Iterator

import pytest

from forecourt.testing import FakeGraph
from messenger.tests.hooks import APP_SECRET, PAGE_ID, PAGE_TOKEN, VERIFY_TOKEN


@pytest.fixture
def graph(settings) -> Iterator[FakeGraph]:
    """A real HTTP server on loopback standing in for Meta's Graph API, and the app's secrets."""
    server = FakeGraph().start()
    settings.MESSENGER_API_BASE = server.base
    settings.MESSENGER_APP_SECRET = APP_SECRET
    settings.MESSENGER_VERIFY_TOKEN = VERIFY_TOKEN
    yield server
    server.stop()


@pytest.fixture
def page(riverside):
    """Riverside Toyota has connected its Facebook page."""
    riverside.messenger_page_id = PAGE_ID
    riverside.messenger_page_token = PAGE_TOKEN
    riverside.save()
    return riverside

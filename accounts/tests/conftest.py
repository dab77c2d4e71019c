"""Helpers for the accounts tests: clients from given addresses, and an SMTP sink for the worker."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client

from forecourt.testing import SmtpSink


@pytest.fixture
def client_from() -> Any:
    def make(address: str) -> Client:
        return Client(REMOTE_ADDR=address)

    return make


@pytest.fixture
def smtp_sink(settings: Any) -> Iterator[SmtpSink]:
    sink = SmtpSink().start()
    settings.SMTP_URL = sink.url
    yield sink
    sink.stop()

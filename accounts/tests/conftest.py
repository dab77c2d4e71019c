"""Helpers for the accounts tests: clients from given addresses, and an SMTP sink for the worker."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client

from forecourt.testing import SmtpSink


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Any, request: pytest.FixtureRequest) -> None:
    """These tests log in hundreds of times and Argon2 is slow on purpose; a test that requests
    the `real_hasher` fixture keeps the production hasher (see test_login.py)."""
    if "real_hasher" not in request.fixturenames:
        settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def real_hasher() -> None:
    """Request this fixture to keep Argon2 in a test."""


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

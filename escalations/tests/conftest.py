from __future__ import annotations

from collections.abc import Iterator

import pytest

from forecourt.testing import SmtpSink


@pytest.fixture
def sink(settings) -> Iterator[SmtpSink]:
    """A real SMTP server on loopback; the worker's emails go there."""
    server = SmtpSink().start()
    settings.SMTP_URL = server.url
    yield server
    server.stop()

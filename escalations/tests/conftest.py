from __future__ import annotations

from collections.abc import Iterator

import pytest

from conftest import make_lead
from forecourt.testing import SmtpSink


@pytest.fixture
def sink(settings) -> Iterator[SmtpSink]:
    """A real SMTP server on loopback; the worker's emails go there."""
    server = SmtpSink().start()
    settings.SMTP_URL = server.url
    yield server
    server.stop()


@pytest.fixture
def carols_quiet_lead(riverside, carol):
    """Carol's lead taken in the way a bulk import is: no distribution, no reply clock, no
    default tasks, no alerts. For tests of one mechanism (a follow-up, a notification): only what
    the test itself sets up tells anybody anything, whatever today's date is."""
    return make_lead(riverside, assigned_to=carol, bulk=True)

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from accounts.models import User
from api.tests.conftest import api_for  # noqa: F401  (a fixture these tests use)
from conftest import make_lead
from conversations.tests.conftest import texting  # noqa: F401  (a fixture these tests use)
from dealerships.models import Dealership
from escalations.tests.conftest import sink  # noqa: F401  (a fixture these tests use)
from leads.actions import record_human_reply
from leads.models import Lead

CHICAGO = ZoneInfo("America/Chicago")


def local(text: str) -> datetime:
    """A Riverside wall-clock time ("2026-12-01 21:00") as an aware datetime."""
    return datetime.fromisoformat(text).replace(tzinfo=CHICAGO)


def answered_lead(
    dealership: Dealership,
    *,
    arrived: str,
    replied: str | None,
    by: User | None = None,
    channel: str = "sms",
    **fields: object,
) -> Lead:
    """A past lead (stored as an import stores it) that arrived and was answered at these local times."""
    lead = make_lead(dealership, assigned_to=by, bulk=True, received_at=local(arrived), **fields)
    if replied is not None:
        record_human_reply(lead=lead, at=local(replied), actor=by, channel=channel)
    return lead


@pytest.fixture
def answered() -> object:
    return answered_lead

"""Worksheet fixtures: Carol's lead with a RAM 2500 at $34,995 and a Civic in trade."""

from __future__ import annotations

from decimal import Decimal

import pytest

from accounts.models import User
from api.tests.conftest import api_for  # noqa: F401  (the API client fixture, shared)
from conftest import make_lead
from conversations.tests.conftest import texting, twilio  # noqa: F401  (the Twilio stand-in, shared)
from dealerships.models import Dealership
from leads.models import Lead


@pytest.fixture
def carols_lead(riverside: Dealership, carol: User) -> Lead:
    return make_lead(
        riverside,
        assigned_to=carol,
        vehicles=[
            {"year": 2016, "make": "RAM", "model": "2500", "stock": "D9760", "price": Decimal("34995.00")},
        ],
        trades=[{"year": 2012, "make": "Honda", "model": "Civic", "odometer": 120000}],
    )

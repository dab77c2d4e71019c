from __future__ import annotations

from datetime import timedelta

import pytest

from conftest import make_lead
from escalations.tests.support import at, chicago

# Monday 9 March 2026, 10:00 at Riverside Toyota (Austin); the appointment is Tuesday at 10:00.
MONDAY_10 = chicago(2026, 3, 9, 10, 0)
TUESDAY_10 = chicago(2026, 3, 10, 10, 0)


@pytest.fixture
def texting(riverside):
    """Riverside Toyota texts from its leads number."""
    riverside.leads_phone = "+15125550199"
    riverside.save()
    return riverside


@pytest.fixture
def lead(texting, carol):
    with at(MONDAY_10 - timedelta(minutes=30)):
        return make_lead(
            texting,
            assigned_to=carol,
            vehicles=[{"year": 2016, "make": "RAM", "model": "2500", "stock": "D9760"}],
        )

"""Distribution test helpers: setting a dealership's policy from a document, more sellers,
and clocks inside and outside Riverside's hours (Mon-Fri 09:00-19:00, America/Chicago)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from accounts.models import Membership, User
from conftest import make_user
from dealerships.models import Dealership
from distribution.policy import check
from distribution.store import save_policy, staff_of

OPEN = datetime(2026, 3, 16, 15, 0, tzinfo=UTC)  # Monday 10:00 in Austin
CLOSED = datetime(2026, 3, 17, 3, 0, tzinfo=UTC)  # Monday 22:00 in Austin


def set_policy(dealership: Dealership, document: dict[str, Any]) -> list[str]:
    """Store a distribution document as the settings screen would; returns its warnings."""
    checked = check(document, staff_of(dealership))
    assert checked.policy is not None, checked.errors
    save_policy(dealership=dealership, policy=checked.policy, actor=None)
    return checked.warnings


def seller(dealership: Dealership, first: str, **membership: Any) -> User:
    return make_user(
        f"{first.lower()}@example.com", f"{first} Seller", dealership, Membership.Role.SALESPERSON, **membership
    )


@pytest.fixture
def team(riverside: Dealership, alice: User, bob: User, carol: User, dave: User) -> list[User]:
    """Five salespeople at Riverside: Carol, Dave, Gina, Hank, Ivy (in that rotation order).
    Alice (admin) and Bob (manager) do not receive leads themselves."""
    Membership.objects.filter(user__in=[alice, bob]).update(receives_leads=False)
    return [carol, dave, *(seller(riverside, name) for name in ("Gina", "Hank", "Ivy"))]

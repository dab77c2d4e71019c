"""Setting a dealership's forwarding rules the way an admin does: through the provisioning document."""

from __future__ import annotations

from typing import Any

from dealerships.models import Dealership
from dealerships.provisioning import provision


def set_forwarding(dealership: Dealership, **forwarding: Any) -> None:
    outcome = provision(
        {
            "organization": dealership.organization.name,
            "dealerships": [{"slug": dealership.slug, "forwarding": forwarding}],
        }
    )
    assert outcome.ok, outcome.errors

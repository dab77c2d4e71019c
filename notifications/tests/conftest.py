from __future__ import annotations

from escalations.tests.conftest import carols_quiet_lead, sink

__all__ = ["carols_quiet_lead", "sink"]

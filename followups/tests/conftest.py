from __future__ import annotations

from escalations.tests.conftest import sink

__all__ = ["sink"]

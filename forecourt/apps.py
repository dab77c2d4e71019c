from __future__ import annotations

from django.apps import AppConfig


class ForecourtConfig(AppConfig):
    """The project package, holding the commands that span apps (runworker)."""

    name = "forecourt"

from __future__ import annotations

from django.apps import AppConfig


class CustomersConfig(AppConfig):
    """Possible duplicate customers, merging two into one, and undoing it."""

    name = "customers"

from __future__ import annotations

from django.apps import AppConfig


class DealershipsConfig(AppConfig):
    name = "dealerships"

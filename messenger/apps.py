from __future__ import annotations

from django.apps import AppConfig


class MessengerConfig(AppConfig):
    name = "messenger"

from __future__ import annotations

from django.apps import AppConfig


class FollowupsConfig(AppConfig):
    name = "followups"

    def ready(self) -> None:
        from followups import signals  # noqa: F401  (connects the receivers)

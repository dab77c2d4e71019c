from __future__ import annotations

from django.apps import AppConfig


class WorksheetsConfig(AppConfig):
    name = "worksheets"

    def ready(self) -> None:
        from worksheets import signals  # noqa: F401  (connects the receivers)

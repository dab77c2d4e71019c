"""`manage.py backfill_reply_times`: measure the first replies of leads answered before reports existed."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from reports.actions import backfill_reply_times


class Command(BaseCommand):
    help = "Measure the first human reply (working and clock minutes) of every answered lead not yet measured."

    def handle(self, *args: Any, **options: Any) -> None:
        written = backfill_reply_times()
        self.stdout.write(f"{written} leads measured.")

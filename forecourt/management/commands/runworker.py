from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from forecourt.worker import Worker


class Command(BaseCommand):
    help = "Sends, retries, escalates and polls mailboxes; --once does what is due now and exits."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="Do everything that is due now, then exit.")
        parser.add_argument("--interval", type=float, default=1.0, help="Seconds between passes.")

    def handle(self, *args: Any, once: bool, interval: float, **options: Any) -> None:
        worker = Worker(interval=interval)
        if once:
            worker.run_once()
        else:
            worker.run_forever()

from __future__ import annotations

import logging
import signal
import threading
from concurrent.futures import ThreadPoolExecutor
from types import FrameType
from typing import Any

from aiosmtpd.controller import Controller
from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from intake.smtp import MAX_MESSAGE_BYTES, IntakeHandler

log = logging.getLogger("forecourt.smtpd")


class Command(BaseCommand):
    help = "The SMTP intake server: takes lead email for <intake>@FORECOURT_INTAKE_DOMAIN."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1", help="Address to listen on (default 127.0.0.1).")
        parser.add_argument("--port", type=int, default=2525, help="Port to listen on (default 2525).")

    def handle(self, *args: Any, host: str, port: int, **options: Any) -> None:
        stop = threading.Event()

        def on_signal(signum: int, frame: FrameType | None) -> None:
            log.info("smtpd: %s received, stopping", signal.strsignal(signum))
            stop.set()

        signal.signal(signal.SIGTERM, on_signal)
        signal.signal(signal.SIGINT, on_signal)
        executor = ThreadPoolExecutor(max_workers=4, thread_name_prefix="intake")
        handler = IntakeHandler(executor)
        controller = Controller(
            handler,
            hostname=host,
            port=port,
            data_size_limit=MAX_MESSAGE_BYTES,
            decode_data=False,
            server_hostname=settings.INTAKE_DOMAIN,
            ident="Forecourt lead intake",
        )
        controller.start()
        self.stdout.write(f"SMTP intake listening on {host}:{port} for *@{settings.INTAKE_DOMAIN}")
        self.stdout.flush()
        try:
            stop.wait()
        finally:
            controller.stop()
            # Messages already stored finish processing; anything cut short is swept by the worker.
            executor.shutdown(wait=True)
            self.stdout.write("SMTP intake stopped")

from __future__ import annotations

import signal
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from forecourt.lib import prefork
from forecourt.lib.prefork import STOP_SIGNALS
from intake.smtp import listen, serve


class Command(BaseCommand):
    help = "The SMTP intake server: takes lead email for <intake>@FORECOURT_INTAKE_DOMAIN."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1", help="Address to listen on (default 127.0.0.1).")
        parser.add_argument(
            "--port",
            type=int,
            default=2525,
            help="Port to listen on (default 2525; 0: any free one, said as it starts).",
        )
        parser.add_argument(
            "--processes",
            type=int,
            default=1,
            help="Processes sharing the port (default 1). Each uses up to one CPU core; give one per core.",
        )

    def handle(self, *args: Any, host: str, port: int, processes: int, **options: Any) -> None:
        if processes < 1:
            raise CommandError("--processes must be at least 1.")
        # Held until the server (or, with several processes, the supervisor) handles them: the port
        # opens before that, and a SIGTERM in between must still stop it cleanly.
        signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
        listener = listen(host, port)
        many = f", {processes} processes" if processes > 1 else ""
        port = listener.getsockname()[1]  # the one the system gave, for --port 0
        self.stdout.write(f"SMTP intake listening on {host}:{port} for *@{settings.INTAKE_DOMAIN}{many}")
        self.stdout.flush()
        try:
            if processes == 1:
                serve(listener)
            else:
                prefork.run(lambda: serve(listener), processes)
        finally:
            listener.close()
        self.stdout.write("SMTP intake stopped")

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from intake.adf import AdfError, parse_document_or_email


class Command(BaseCommand):
    help = "Parses ADF documents or whole emails (.eml) without touching the database; prints JSON per file."
    requires_system_checks: list[str] = []
    requires_migrations_checks = False

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("files", nargs="+", metavar="FILE")
        parser.add_argument(
            "--country", default="US", help="Country of phone numbers written without a country code (default US)."
        )

    def handle(self, *args: Any, files: list[str], country: str, **options: Any) -> None:
        failed = 0
        for name in files:
            try:
                data = Path(name).read_bytes()
                prospects = [p.to_dict() for p in parse_document_or_email(data, country=country)]
            except OSError as exc:
                failed += 1
                self.stderr.write(f"{name}: cannot read the file: {exc.strerror or exc}")
                continue
            except AdfError as exc:
                failed += 1
                self.stderr.write(f"{name}: {exc}")
                continue
            if len(files) > 1:
                self.stdout.write(f"# {name}")
            self.stdout.write(json.dumps(prospects, indent=2, ensure_ascii=False, default=str))
        if failed:
            raise CommandError(f"{failed} of {len(files)} file(s) could not be parsed", returncode=1)

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from intake.adf import AdfError, parse_document_or_email
from intake.adf.reach import nobody_to_reach


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
            # A prospect nobody could answer is not a lead: intake refuses it, and so does this.
            refused = [(i, reason) for i, p in enumerate(prospects, 1) if (reason := nobody_to_reach(p))]
            if refused:
                failed += 1
                prospects = [p for p in prospects if not nobody_to_reach(p)]
                if not prospects:
                    self.stderr.write(f"{name}: {refused[0][1]}")
                    continue
                for index, reason in refused:
                    self.stderr.write(f"{name}: prospect {index}: {reason}")
            if len(files) > 1:
                self.stdout.write(f"# {name}")
            self.stdout.write(json.dumps(prospects, indent=2, ensure_ascii=False, default=str))
        if failed:
            raise CommandError(f"{failed} of {len(files)} file(s) could not be parsed", returncode=1)

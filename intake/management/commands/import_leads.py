from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from dealerships.models import Dealership
from intake import csv_import


class Command(BaseCommand):
    help = "Imports leads from a CSV file (columns in docs/intake.md); rows with errors are listed and skipped."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug", metavar="SLUG")
        parser.add_argument("file", metavar="FILE.csv")
        parser.add_argument("--dry-run", action="store_true", help="Check every row, import nothing.")

    def handle(self, *args: Any, slug: str, file: str, dry_run: bool, **options: Any) -> None:
        dealership = Dealership.objects.select_related("organization").filter(slug=slug).first()
        if dealership is None:
            raise CommandError(f"No dealership with slug {slug!r}.")
        try:
            preview = csv_import.read_csv(csv_import.decode(Path(file).read_bytes()), dealership=dealership)
        except OSError as exc:
            raise CommandError(f"{file}: cannot read the file: {exc.strerror or exc}") from None
        except csv_import.CsvError as exc:
            raise CommandError(f"{file}: {exc}") from None
        for warning in preview.warnings:
            self.stderr.write(warning)
        for row in preview.invalid:
            self.stderr.write(f"line {row.line}: {'; '.join(row.errors)}")
        if dry_run:
            self.stdout.write(f"{len(preview.valid)} of {len(preview.rows)} row(s) can be imported (dry run).")
        else:
            leads = csv_import.import_rows(dealership=dealership, preview=preview, actor=None)
            self.stdout.write(f"Imported {len(leads)} lead(s); skipped {len(preview.invalid)} row(s) with errors.")
        if preview.invalid:
            raise CommandError(f"{len(preview.invalid)} row(s) had errors", returncode=1)

"""`manage.py provision FILE.yaml` and `manage.py provision --export SLUG` (CONTRACT §1, §3)."""

from __future__ import annotations

import sys
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from dealerships import provisioning
from dealerships.models import Dealership


class _DryRun(Exception):
    """Raised to roll a dry run back after it has worked out its changes."""


class Command(BaseCommand):
    help = "Create or update an organisation, its dealerships, settings and users from a YAML file, or export one."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("file", nargs="?", help="the YAML file to apply ('-' reads standard input)")
        parser.add_argument("--export", metavar="SLUG", help="write this dealership's configuration as YAML")
        parser.add_argument("--dry-run", action="store_true", help="check the file and say what would change")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["export"]:
            if options["file"]:
                raise CommandError("give either a file to apply or --export SLUG, not both")
            try:
                self.stdout.write(provisioning.export_yaml(options["export"]), ending="")
            except Dealership.DoesNotExist:
                raise CommandError(f'no dealership with the slug "{options["export"]}"') from None
            return
        if not options["file"]:
            raise CommandError("give a YAML file to apply, or --export SLUG")
        name = options["file"]
        try:
            text = sys.stdin.read() if name == "-" else Path(name).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as problem:
            raise CommandError(f"{name}: cannot read it ({problem})") from None
        try:
            data = provisioning.load_yaml(text)
        except provisioning.YamlError as error:
            raise CommandError(f"{name}: not valid YAML: {error}; nothing was changed") from None

        outcome = self._run(data, dry_run=options["dry_run"])
        if not outcome.ok:
            for line in outcome.errors:
                self.stderr.write(line)
            count = len(outcome.errors)
            raise CommandError(f"{name}: {count} error{'s' if count != 1 else ''}; nothing was changed")
        prefix = "would have " if options["dry_run"] else ""
        for line in outcome.changes:
            self.stdout.write(prefix + line)
        if not outcome.changes:
            self.stdout.write("no changes: everything is already as the file says")

    def _run(self, data: Any, *, dry_run: bool) -> provisioning.Outcome:
        if not dry_run:
            return provisioning.provision(data)
        outcome = provisioning.Outcome()
        try:
            with transaction.atomic():
                outcome = provisioning.provision(data)
                raise _DryRun
        except _DryRun:
            pass
        return outcome

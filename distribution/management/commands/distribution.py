"""`manage.py distribution SLUG [FILE.yaml | --export] [--check]`: a dealership's distribution
settings (groups, weights, caps, hours rules, alert recipients) as YAML, as on the settings screen."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import yaml
from django.core.management.base import BaseCommand, CommandError, CommandParser

from dealerships.models import Dealership
from distribution.policy import check
from distribution.store import policy_document, save_policy, staff_of


class Command(BaseCommand):
    help = "Export or apply a dealership's distribution settings as YAML (docs/distribution.md)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug")
        parser.add_argument("file", nargs="?", help="YAML file to apply; '-' reads stdin")
        parser.add_argument("--export", action="store_true", help="print the current settings as YAML")
        parser.add_argument("--check", action="store_true", help="validate FILE without saving it")

    def handle(self, *args: Any, **options: Any) -> None:
        dealership = Dealership.objects.filter(slug=options["slug"]).first()
        if dealership is None:
            raise CommandError(f"No dealership {options['slug']!r}.")
        if options["export"] or not options["file"]:
            self.stdout.write(yaml.safe_dump(policy_document(dealership), sort_keys=False, allow_unicode=True))
            return
        try:
            text = sys.stdin.read() if options["file"] == "-" else Path(options["file"]).read_text(encoding="utf-8")
            data = yaml.safe_load(text) or {}
        except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
            raise CommandError(f"Cannot read {options['file']}: {error}") from None
        checked = check(data, staff_of(dealership))
        for warning in checked.warnings:
            self.stderr.write(f"warning: {warning}")
        if checked.policy is None:
            raise CommandError("\n".join(checked.errors))
        if options["check"]:
            self.stdout.write("OK")
            return
        changes = save_policy(dealership=dealership, policy=checked.policy, actor=None)
        self.stdout.write("\n".join(changes) if changes else "Nothing changed.")

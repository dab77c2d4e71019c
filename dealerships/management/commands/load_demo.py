"""`manage.py load_demo [--if-empty]`: the demo organisation, its stock and three weeks of leads."""

from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from dealerships import demo
from dealerships.models import Organization


class Command(BaseCommand):
    help = "Load the demo organisation (two dealerships, users in every role, stock and leads) and print its logins."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--if-empty", action="store_true", help="do nothing if any organisation exists")
        parser.add_argument("--file", type=Path, default=demo.DEMO_FILE, help="the demo provisioning file")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if options["if_empty"] and Organization.objects.exists():
            self.stdout.write("The database already holds an organisation; the demo was not loaded.")
            if Organization.objects.filter(name="Demo Auto Group").exists():
                self._print_logins(path)
            return
        try:
            result = demo.load_demo(path=path)
        except (OSError, ValueError) as error:
            raise CommandError(f"{path}: {error}") from None
        for line in result.changes:
            self.stdout.write(line)
        if result.skipped:
            self.stdout.write(f"No demo stock or leads added: {result.skipped}.")
        else:
            self.stdout.write(
                f"Added {result.vehicles} vehicles in stock, {result.leads} leads and {result.texts} texts."
            )
        self._print_logins(path)

    def _print_logins(self, path: Path) -> None:
        logins = demo.demo_logins(path)
        width = max(len(login["email"]) for login in logins)
        self.stdout.write("\nDemo logins:")
        for login in logins:
            self.stdout.write(
                f"  {login['email']:<{width}}  {login['password'] or '(set by email)':<15}  "
                f"{login['role']:<12}  {login['dealership']}"
            )

"""`manage.py create_api_token EMAIL [--scope full|intake] [--name NAME]`: print a new API token."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.models import ApiToken, User


class Command(BaseCommand):
    help = "Print a new API token for the user with this email. It is shown only this once."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("email")
        parser.add_argument(
            "--scope",
            choices=ApiToken.Scope.values,
            default=ApiToken.Scope.FULL,
            help="full: the whole API as this user; intake: only posting leads (for lead providers).",
        )
        parser.add_argument("--name", default="", help="What the token is for, e.g. 'CarGurus ADF'.")

    def handle(self, *args: Any, **options: Any) -> None:
        email = options["email"].strip().lower()
        user = User.objects.filter(email__iexact=email).first()
        if user is None:
            raise CommandError(f"No user with the email {email}.")
        if not user.is_active:
            raise CommandError(f"{email} is deactivated; reactivate them before issuing a token.")
        name = options["name"].strip()
        if len(name) > 100:
            raise CommandError("--name is longer than 100 characters.")
        token, raw = ApiToken.issue(user=user, scope=options["scope"], name=name)
        # The token alone on stdout so scripts can capture it; the explanation goes to stderr.
        self.stdout.write(raw)
        self.stderr.write(
            f"API token {token.prefix}… ({token.get_scope_display()}) for {user.email}. "
            "Store it now: it cannot be shown again."
        )

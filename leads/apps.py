from __future__ import annotations

from django.apps import AppConfig


class LeadsConfig(AppConfig):
    name = "leads"

    def ready(self) -> None:
        from django.db.models import CharField
        from django.db.models.functions import Upper

        # `name__upper__startswith` then compiles to UPPER(name) LIKE 'X%', which the
        # Upper() expression indexes on Customer can answer.
        CharField.register_lookup(Upper)

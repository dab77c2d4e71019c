from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from api.serializers import lead_to_dict, with_lead_details
from dealerships.models import Dealership
from intake.actions import process_held, store_inbound
from intake.models import InboundEmail
from leads.models import Lead


class Command(BaseCommand):
    help = (
        "Takes ADF documents or whole emails (.eml) in for a dealership exactly as if they had just "
        'arrived by email; prints {"leads": [...]} per file.'
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug", metavar="SLUG", help="The dealership's slug.")
        parser.add_argument("files", nargs="+", metavar="FILE")

    def handle(self, *args: Any, slug: str, files: list[str], **options: Any) -> None:
        dealership = Dealership.objects.select_related("organization").filter(slug=slug).first()
        if dealership is None:
            raise CommandError(f"No dealership with slug {slug!r}.")
        failed = 0
        for name in files:
            try:
                raw = Path(name).read_bytes()
            except OSError as exc:
                failed += 1
                self.stderr.write(f"{name}: cannot read the file: {exc.strerror or exc}")
                continue
            # Channel SMTP: taken in exactly as mail to the intake address would be (source rules,
            # Message-ID dedupe, reports of mail that made no lead).
            inbound = store_inbound(
                dealership=dealership, raw=raw, channel=InboundEmail.Channel.SMTP, rcpt_to=f"file:{name}", hold=True
            )
            result = process_held(inbound)
            if inbound.status != InboundEmail.Status.PROCESSED:
                failed += 1
                self.stderr.write(
                    f"{name}: no lead ({inbound.get_status_display()}): {inbound.reason or inbound.last_error}"
                )
                continue
            ids = [lead.pk for lead in result.leads]
            by_id = {lead.pk: lead for lead in with_lead_details(Lead.objects.filter(pk__in=ids))}
            if len(files) > 1:
                self.stdout.write(f"# {name}")
            self.stdout.write(
                json.dumps({"leads": [lead_to_dict(by_id[pk]) for pk in ids]}, indent=2, ensure_ascii=False)
            )
        if failed:
            raise CommandError(f"{failed} of {len(files)} file(s) made no lead", returncode=1)

"""Start the reply clock of every open lead that has none (leads taken in before escalation was
installed, or by a path that did not start one); prints each lead's deadlines in local time."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from django.core.management.base import BaseCommand, CommandError, CommandParser

from dealerships.models import Dealership
from escalations.actions import start_clock
from leads.models import Lead


class Command(BaseCommand):
    help = "Starts the SLA clock of open leads that have none, from when each lead was received."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("lead_ids", nargs="*", type=int, metavar="LEAD_ID", help="Only these leads.")
        parser.add_argument("--dealership", metavar="SLUG", help="Only this dealership's leads.")

    def handle(self, *args: Any, lead_ids: list[int], dealership: str | None, **options: Any) -> None:
        leads = Lead.objects.filter(status__in=Lead.OPEN_STATUSES, sla__isnull=True).select_related("dealership")
        if lead_ids:
            leads = leads.filter(pk__in=lead_ids)
        if dealership:
            if not Dealership.objects.filter(slug=dealership).exists():
                raise CommandError(f"No dealership with slug {dealership!r}.")
            leads = leads.filter(dealership__slug=dealership)
        started = 0
        for lead in leads.order_by("pk").iterator():
            sla = start_clock(lead=lead)
            started += 1
            zone = ZoneInfo(lead.dealership.timezone)

            def show(moment: Any, zone: ZoneInfo = zone) -> str:
                return moment.astimezone(zone).strftime("%a %Y-%m-%d %H:%M %Z") if moment else "-"

            self.stdout.write(
                f"lead {lead.pk}: {sla.state}; received {show(lead.received_at)}; reminder {show(sla.reminder_at)};"
                f" stage 1 {show(sla.stage1_due_at)}; stage 2 {show(sla.stage2_due_at)}"
            )
        self.stdout.write(f"{started} clock(s) started.")

"""The people a first-available lead is offered to move from the offer to the lead
(`Lead.offered_to`), where the lead's visibility rule can see them."""

from __future__ import annotations

from typing import Any

from django.db import migrations


def copy_to_leads(apps: Any, schema_editor: Any) -> None:
    Offer = apps.get_model("distribution", "Offer")
    for offer in Offer.objects.filter(kind="first_available").prefetch_related("offered_to").select_related("lead"):
        offer.lead.offered_to.add(*offer.offered_to.all())


def copy_to_offers(apps: Any, schema_editor: Any) -> None:
    Offer = apps.get_model("distribution", "Offer")
    for offer in Offer.objects.filter(kind="first_available").select_related("lead"):
        offer.offered_to.add(*offer.lead.offered_to.all())


class Migration(migrations.Migration):
    dependencies = [
        ("distribution", "0002_allocation_links_of_one_alert"),
        ("leads", "0005_people_a_lead_is_offered_to"),
    ]

    operations = [
        migrations.RunPython(copy_to_leads, copy_to_offers),
        migrations.RemoveField(model_name="offer", name="offered_to"),
    ]

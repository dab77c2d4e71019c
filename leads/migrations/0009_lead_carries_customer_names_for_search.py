"""Each lead carries its customer's first, last and business names, upper-cased, for the search box.

The names are filled in for existing leads in batches of lead ids, each batch its own short
transaction (the migration is not atomic), so a large database keeps taking leads meanwhile;
the indexes are built after, once. On PostgreSQL a million leads take about a minute; run
VACUUM ANALYZE leads_lead after, since every lead row was written once more.
"""

from __future__ import annotations

from typing import Any

from django.db import migrations, models

import leads.models

BATCH = 20_000


def fill_name_keys(apps: Any, schema_editor: Any) -> None:
    Lead = apps.get_model("leads", "Lead")
    last = Lead.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    for start in range(0, last, BATCH):
        if schema_editor.connection.vendor == "postgresql":
            # PostgreSQL's upper() and Python's str.upper() agree on every name but a few letters
            # that grow when upper-cased ("ß"); those were not found before either.
            schema_editor.execute(
                "UPDATE leads_lead SET search_first_name = upper(c.first_name), "
                "search_last_name = upper(c.last_name), search_business_name = upper(c.business_name) "
                "FROM leads_customer c WHERE c.id = leads_lead.customer_id "
                "AND leads_lead.id > %s AND leads_lead.id <= %s",
                [start, start + BATCH],
            )
            continue
        batch = list(
            Lead.objects.filter(pk__gt=start, pk__lte=start + BATCH)
            .select_related("customer")
            .only("pk", "customer__first_name", "customer__last_name", "customer__business_name")
        )
        for lead in batch:
            for field in leads.models.NAME_FIELDS:
                setattr(lead, f"search_{field}", leads.models.name_key(getattr(lead.customer, field)))
        Lead.objects.bulk_update(batch, [f"search_{field}" for field in leads.models.NAME_FIELDS], batch_size=500)


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("leads", "0008_lead_dealership_index_carries_assignee_and_customer"),
    ]

    operations = [
        migrations.AddField(
            model_name="lead",
            name="search_business_name",
            field=leads.models.CustomerNameKeyField(source="business_name"),
        ),
        migrations.AddField(
            model_name="lead",
            name="search_first_name",
            field=leads.models.CustomerNameKeyField(source="first_name"),
        ),
        migrations.AddField(
            model_name="lead",
            name="search_last_name",
            field=leads.models.CustomerNameKeyField(source="last_name"),
        ),
        migrations.RunPython(fill_name_keys, migrations.RunPython.noop, atomic=False),
        *(
            migrations.AddIndex(
                model_name="lead",
                index=models.Index(
                    fields=[key, "dealership"],
                    opclasses=["varchar_pattern_ops", "int8_ops"],
                    name=f"lead_{key}",
                ),
            )
            for key in ("search_last_name", "search_first_name", "search_business_name")
        ),
    ]

"""Phone numbers saved before the phone rule may be made up ("+19999999999", "+11234567890").

As E.164 such a number merges strangers into one customer and gets dialled and texted. Today
`forecourt.lib.phone.to_e164` accepts only numbers that can exist, and keeps anything else as it was
written in `raw` with no number; this brings the stored numbers under the same rule. What was written
stays in `raw` (the stored number itself when `raw` was empty), so nothing a salesperson saw is lost.
"""

from __future__ import annotations

from typing import Any

from django.db import migrations
from django.db.models import F

from forecourt.lib.phone import to_e164

BATCH = 2000


def made_up_numbers(numbers: list[tuple[int, str]]) -> list[int]:
    """The ids among `(id, stored number)` whose number `to_e164` would not accept.

    Stored numbers are E.164 and carry their country code, so no dealership's country is needed.
    """
    return [pk for pk, number in numbers if to_e164(number) is None]


def clear_made_up_numbers(apps: Any, schema_editor: Any) -> None:
    CustomerPhone = apps.get_model("leads", "CustomerPhone")
    stored = CustomerPhone.objects.exclude(number=None).exclude(number="").order_by("pk")
    rows = stored.values_list("pk", "number")
    batch: list[tuple[int, str]] = []
    for row in rows.iterator(chunk_size=BATCH):
        batch.append(row)
        if len(batch) == BATCH:
            _clear(CustomerPhone, made_up_numbers(batch))
            batch = []
    _clear(CustomerPhone, made_up_numbers(batch))


def _clear(CustomerPhone: Any, ids: list[int]) -> None:
    if not ids:
        return
    CustomerPhone.objects.filter(pk__in=ids, raw="").update(raw=F("number"))
    CustomerPhone.objects.filter(pk__in=ids).update(number=None)


class Migration(migrations.Migration):
    dependencies = [
        ("leads", "0005_people_a_lead_is_offered_to"),
    ]

    operations = [
        # Forward only: a made-up number is not worth restoring, and `raw` still shows it.
        migrations.RunPython(clear_made_up_numbers, migrations.RunPython.noop, elidable=True),
    ]

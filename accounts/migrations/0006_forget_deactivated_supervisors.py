"""People deactivated before deactivation took them off as supervisors still supervise someone,
whose user form then cannot be saved as it stands (a deactivated person cannot be chosen). Take
them off now, as deactivation does today (`distribution.departure`), noted in each dealership's
changes."""

from __future__ import annotations

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps


def forget_deactivated_supervisors(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    Membership = apps.get_model("accounts", "Membership")
    DealershipChange = apps.get_model("dealerships", "DealershipChange")
    stale = Membership.objects.filter(supervisor__is_active=False).select_related("user", "supervisor")
    changes: dict[int, list[dict[str, object]]] = {}
    ids = []
    for membership in stale.order_by("dealership_id", "user__name"):
        ids.append(membership.pk)
        boss, person = membership.supervisor, membership.user
        text = f"{boss.name}, deactivated, no longer supervises {person.name}: their escalations go to the managers."
        changes.setdefault(membership.dealership_id, []).append(
            {"path": f"memberships.{person.email}.supervisor", "old": boss.email, "new": None, "text": text}
        )
    Membership.objects.filter(pk__in=ids).update(supervisor=None)
    for dealership_id, rows in changes.items():
        DealershipChange.objects.create(dealership_id=dealership_id, actor=None, source="settings", changes=rows)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0005_pool_alerts_and_erasing"),
        ("dealerships", "0002_dealershipchange"),
    ]

    operations = [migrations.RunPython(forget_deactivated_supervisors, migrations.RunPython.noop)]

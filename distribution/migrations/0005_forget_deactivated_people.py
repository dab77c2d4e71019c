"""People deactivated before deactivation took them out of distribution still sit in its settings,
which then cannot be saved ("a group needs at least one member"). Take them out now, as
deactivation does today (`distribution.departure`), and note it in each dealership's changes."""

from __future__ import annotations

from typing import Any

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

DEPARTMENTS = ("sales", "service")


def forget_deactivated_people(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    User = apps.get_model("accounts", "User")
    Dealership = apps.get_model("dealerships", "Dealership")
    DealershipChange = apps.get_model("dealerships", "DealershipChange")
    DistributionGroup = apps.get_model("distribution", "DistributionGroup")
    GroupMember = apps.get_model("distribution", "GroupMember")
    DepartmentSettings = apps.get_model("distribution", "DepartmentSettings")
    Rotation = apps.get_model("distribution", "Rotation")
    gone = {user.email: user.name for user in User.objects.filter(is_active=False)}
    if not gone:
        return
    for dealership in Dealership.objects.all():
        changes: list[dict[str, Any]] = []
        for group in DistributionGroup.objects.filter(dealership=dealership).order_by("position", "pk"):
            members = list(GroupMember.objects.filter(group=group).select_related("user"))
            leaving = [m for m in members if m.user.email in gone]
            if not leaving:
                continue
            if len(leaving) == len(members):
                text = (
                    f"The distribution group “{group.name}” had nobody left who can log in "
                    f"({', '.join(gone[m.user.email] for m in leaving)}, deactivated) and was removed."
                )
                old = {"name": group.name, "members": [m.user.email for m in members]}
                changes.append({"path": f"distribution.groups.{group.name}", "old": old, "new": None, "text": text})
                Rotation.objects.filter(key=f"{dealership.pk}:group:{group.name}").delete()
                group.delete()
                continue
            for member in leaving:
                name = gone[member.user.email]
                text = f"{name}, deactivated, was taken out of the distribution group “{group.name}”."
                path = f"distribution.groups.{group.name}.members"
                changes.append({"path": path, "old": member.user.email, "new": None, "text": text})
                member.delete()
        contract = {key: dict(value or {}) for key, value in (dealership.distribution or {}).items()}
        for key in DEPARTMENTS:
            fallback = (contract.get(key) or {}).get("fallback")
            if fallback in gone:
                contract[key]["fallback"] = None
                text = f"{gone[fallback]}, deactivated, is no longer the {key.capitalize()} fallback user."
                changes.append({"path": f"distribution.{key}.fallback", "old": fallback, "new": None, "text": text})
        if contract != (dealership.distribution or {}):
            Dealership.objects.filter(pk=dealership.pk).update(distribution=contract)
        for row in DepartmentSettings.objects.filter(dealership=dealership):
            recipients = [e for e in row.alert_recipients or [] if e not in gone]
            weights = {e: w for e, w in (row.weights or {}).items() if e not in gone}
            for email in [*(set(row.alert_recipients or []) - set(recipients)), *(set(row.weights or {}) - set(weights))]:
                text = f"{gone[email]}, deactivated, was taken out of the {row.department.capitalize()} settings."
                changes.append({"path": f"distribution.{row.department}", "old": email, "new": None, "text": text})
            if recipients != (row.alert_recipients or []) or weights != (row.weights or {}):
                DepartmentSettings.objects.filter(pk=row.pk).update(alert_recipients=recipients, weights=weights)
        if changes:
            DealershipChange.objects.create(dealership=dealership, actor=None, source="settings", changes=changes)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_reset_requests"),
        ("dealerships", "0002_dealershipchange"),
        ("distribution", "0004_deactivation_handover"),
    ]

    operations = [migrations.RunPython(forget_deactivated_people, migrations.RunPython.noop)]

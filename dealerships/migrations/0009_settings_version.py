"""The settings version and the triggers that move it (`dealerships.models.SettingsVersion`).

Only on PostgreSQL, the one database whose intake keeps settings from one batch to the next:
SQLite drops a table's triggers whenever a migration remakes the table, which would silently
leave the table out. Each trigger is a constraint trigger deferred to the commit, so the version
row is locked only at the very end of a transaction that changed the settings, and two such
transactions never wait on each other for it before then. An update that changes nothing but the
columns left out (a login, a mailbox polled) does not move it. The value never repeats, even after
the table is emptied: it is at least the time in microseconds.
"""

from __future__ import annotations

from typing import Any

from django.db import migrations, models

TABLES = {
    "dealerships_dealership": (),
    "accounts_user": ("last_login",),
    "accounts_membership": (),
    "notifications_notificationpreference": (),
    "notifications_pushsubscription": ("last_success_at", "failures"),
    "followups_defaulttask": (),
    "intake_intakesettings": ("imap_next_poll_at", "imap_claimed_until", "imap_last_polled_at", "imap_last_error"),
    "intake_marketplaceredirect": (),
    "distribution_departmentsettings": (),
    "distribution_distributiongroup": (),
    "distribution_groupmember": (),
}

POSTGRESQL_BUMP = """
CREATE FUNCTION dealerships_settings_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO dealerships_settingsversion (id, value)
    VALUES (1, (extract(epoch FROM clock_timestamp()) * 1000000)::bigint)
    ON CONFLICT (id) DO UPDATE SET value = GREATEST(
        dealerships_settingsversion.value + 1, (extract(epoch FROM clock_timestamp()) * 1000000)::bigint
    );
    RETURN NULL;
END
$$
"""


def _changed(left_out: tuple[str, ...]) -> str:
    drop = " - ARRAY[{}]::text[]".format(", ".join(f"'{column}'" for column in left_out)) if left_out else ""
    return f"(to_jsonb(OLD){drop}) IS DISTINCT FROM (to_jsonb(NEW){drop})"


def create(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(POSTGRESQL_BUMP)
    for table, left_out in TABLES.items():
        for name, event, when in (
            ("kept", "INSERT OR DELETE", ""),
            ("changed", "UPDATE", f"WHEN ({_changed(left_out)})"),
        ):
            schema_editor.execute(
                f"CREATE CONSTRAINT TRIGGER settings_{name} AFTER {event} ON {table} "
                f"DEFERRABLE INITIALLY DEFERRED FOR EACH ROW {when} "
                "EXECUTE FUNCTION dealerships_settings_changed()"
            )


def drop(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        schema_editor.execute(f"DROP TRIGGER settings_kept ON {table}")
        schema_editor.execute(f"DROP TRIGGER settings_changed ON {table}")
    schema_editor.execute("DROP FUNCTION dealerships_settings_changed()")


class Migration(migrations.Migration):
    dependencies = [
        ("dealerships", "0008_staff_names_and_autoresponder"),
        ("accounts", "0006_forget_deactivated_supervisors"),
        ("notifications", "0006_web_push"),
        ("followups", "0001_initial"),
        ("intake", "0005_forwarding_rules"),
        ("distribution", "0005_forget_deactivated_people"),
    ]

    operations = [
        migrations.CreateModel(
            name="SettingsVersion",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("value", models.BigIntegerField()),
            ],
        ),
        migrations.RunPython(create, drop),
    ]

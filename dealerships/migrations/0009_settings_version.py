"""The settings version and the triggers that move it (`dealerships.models.SettingsVersion`).

On PostgreSQL each trigger is a constraint trigger deferred to the commit, so the version row is
locked only at the very end of a transaction that changed the settings and two such transactions
never wait on each other for it in between; an update that changes nothing but the columns left
out (a login, a mailbox polled) does not move it. The value never repeats, even after the table is
emptied: it is at least the time in microseconds.
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

SQLITE_BUMP = """
INSERT INTO dealerships_settingsversion (id, value)
VALUES (1, CAST((julianday('now') - 2440587.5) * 86400000000 AS INTEGER))
ON CONFLICT (id) DO UPDATE SET value = max(
    dealerships_settingsversion.value + 1, CAST((julianday('now') - 2440587.5) * 86400000000 AS INTEGER)
);
"""


def _changed(table: str, left_out: tuple[str, ...]) -> str:
    drop = " - ARRAY[{}]::text[]".format(", ".join(f"'{column}'" for column in left_out)) if left_out else ""
    return f"(to_jsonb(OLD){drop}) IS DISTINCT FROM (to_jsonb(NEW){drop})"


def create(apps: Any, schema_editor: Any) -> None:
    run = schema_editor.execute
    if schema_editor.connection.vendor == "postgresql":
        run(POSTGRESQL_BUMP)
        for table, left_out in TABLES.items():
            for name, event, when in (
                ("kept", "INSERT OR DELETE", ""),
                ("changed", "UPDATE", f"WHEN ({_changed(table, left_out)})"),
            ):
                run(
                    f"CREATE CONSTRAINT TRIGGER settings_{name} AFTER {event} ON {table} "
                    f"DEFERRABLE INITIALLY DEFERRED FOR EACH ROW {when} "
                    "EXECUTE FUNCTION dealerships_settings_changed()"
                )
    elif schema_editor.connection.vendor == "sqlite":
        for table, left_out in TABLES.items():
            for event in ("INSERT", "DELETE", "UPDATE"):
                of = ""
                if event == "UPDATE" and left_out:
                    columns = [f.column for f in _fields_of(apps, table) if f.column not in left_out]
                    of = " OF " + ", ".join(columns)
                run(f"CREATE TRIGGER settings_{table}_{event.lower()} AFTER {event}{of} ON {table} BEGIN {SQLITE_BUMP} END")


def _fields_of(apps: Any, table: str) -> list[Any]:
    [model] = [m for m in apps.get_models() if m._meta.db_table == table]
    return [f for f in model._meta.local_concrete_fields]


def drop(apps: Any, schema_editor: Any) -> None:
    run = schema_editor.execute
    if schema_editor.connection.vendor == "postgresql":
        for table in TABLES:
            run(f"DROP TRIGGER settings_kept ON {table}")
            run(f"DROP TRIGGER settings_changed ON {table}")
        run("DROP FUNCTION dealerships_settings_changed()")
    elif schema_editor.connection.vendor == "sqlite":
        for table in TABLES:
            for event in ("insert", "delete", "update"):
                run(f"DROP TRIGGER settings_{table}_{event}")


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

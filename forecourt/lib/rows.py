"""Writing many rows at once.

Django's `bulk_update` builds a CASE per column and row, whose cost grows with the square of the
batch and is far more than running the statement: for many rows of one table whose same columns
change, each to its own value, `update_each` runs one plain UPDATE per row instead, all sent in
one go (`executemany`). New rows go in by `insert_all`: a COPY on PostgreSQL. The table and column
names come from the model, never from input; the values go as parameters or as COPY's data.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connection, connections, models
from django.db.models.fields import AutoFieldMixin

CHUNK = 5000


def execute_many(model: type[models.Model], template: str, rows: Sequence[Sequence[Any]]) -> None:
    """Run `template` once per row of `rows`: `{table}`, `{id}` and `{<field name>}` in it stand for
    the model's quoted table, primary key and column names."""
    if not rows:
        return
    quote = connection.ops.quote_name
    meta: Any = model._meta
    names = {field.name: quote(field.column) for field in meta.concrete_fields}
    sql = template.format_map({**names, "table": quote(meta.db_table), "id": quote(meta.pk.column)})
    with connection.cursor() as cursor:
        for start in range(0, len(rows), CHUNK):
            cursor.executemany(sql, rows[start : start + CHUNK])


def update_each(model: type[models.Model], names: Sequence[str], objects: Sequence[models.Model]) -> None:
    """Write the fields `names` of every one of `objects` (rows of `model`), each its own values."""
    fields: list[Any] = [model._meta.get_field(name) for name in names]
    rows = [
        [field.get_db_prep_save(getattr(obj, field.attname), connection) for field in fields] + [obj.pk]
        for obj in objects
    ]
    sets = ", ".join(f"{{{name}}} = %s" for name in names)
    execute_many(model, "UPDATE {table} SET " + sets + " WHERE {id} = %s", rows)  # noqa: S608 - names from the model


def insert_all(model: type[models.Model], objects: Sequence[models.Model]) -> None:
    """Insert the new `objects` (rows of `model`), as `bulk_create` does.

    On PostgreSQL they go in by one COPY, which costs far less per row than an INSERT naming each
    value: the rows without a primary key first take theirs from the table's sequence, in one
    statement. A row with a value the database fills in itself (a field's `db_default` left
    unset), or a model with parents, goes by `bulk_create`."""
    if not objects:
        return
    meta: Any = model._meta
    keyless = [obj for obj in objects if obj.pk is None]
    if connection.vendor != "postgresql" or meta.parents or (keyless and not isinstance(meta.pk, AutoFieldMixin)):
        model._default_manager.bulk_create(objects)
        return
    for obj, pk in zip(keyless, next_ids(model, len(keyless)), strict=True):
        obj.pk = pk
    fields = [field for field in meta.concrete_fields if not field.generated]
    rows = []
    db = connections[DEFAULT_DB_ALIAS]  # itself, not the proxy: a lookup per value costs more than most values
    for obj in objects:
        obj._prepare_related_fields_for_save(operation_name="bulk_create")  # type: ignore[attr-defined]
        values = [field.pre_save(obj, True) for field in fields]
        if any(hasattr(value, "resolve_expression") for value in values):
            model._default_manager.bulk_create(objects)
            return
        rows.append([field.get_db_prep_save(value, db) for field, value in zip(fields, values, strict=True)])
    quote = connection.ops.quote_name
    columns = ", ".join(quote(field.column) for field in fields)
    copy_in = f"COPY {quote(meta.db_table)} ({columns}) FROM STDIN"
    with connection.wrap_database_errors, connection.cursor() as cursor, cursor.cursor.copy(copy_in) as copy:
        for row in rows:
            copy.write_row(row)
    for obj in objects:
        obj._state.adding, obj._state.db = False, connection.alias


def next_ids(model: type[models.Model], count: int) -> list[int]:
    """`count` new primary keys from the sequence of `model`'s table (PostgreSQL), in one statement."""
    if count <= 0:
        return []
    meta: Any = model._meta
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s::integer)",
            [meta.db_table, meta.pk.column, count],
        )
        return [pk for (pk,) in cursor.fetchall()]

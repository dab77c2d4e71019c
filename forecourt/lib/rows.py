"""Writing many rows with one statement run for each (`executemany`, sent in one go).

Django's `bulk_update` builds a CASE per column and row, whose cost grows with the square of the
batch and is far more than running the statement: for many rows of one table whose same columns
change, each to its own value, `update_each` runs one plain UPDATE per row instead. The table and
column names come from the model, never from input; the values go as parameters.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import connection, models

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

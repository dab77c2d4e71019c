"""Writing many rows at once.

Django's `bulk_update` builds a CASE per column and row, whose cost grows with the square of the
batch and is far more than running the statement: for many rows of one table whose same columns
change, each to its own value, `update_each` runs one plain UPDATE per row instead, all sent in
one go (`executemany`). New rows go in by `insert_all`: a COPY on PostgreSQL; new rows that need
their keys at once and no transaction of their own, by `insert_numbered`: one INSERT … RETURNING.
The table and column names come from the model, never from input; the values go as parameters or
as COPY's data.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from functools import cache
from typing import Any, NamedTuple

from django.db import DEFAULT_DB_ALIAS, connection, connections, models, transaction
from django.db.models.base import ModelState
from django.db.models.fields import AutoFieldMixin, DateField, Field
from django.db.models.fields.related_descriptors import ForeignKeyDeferredAttribute
from django.db.models.query_utils import DeferredAttribute
from django.db.models.signals import post_init, pre_init

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


def update_each(
    model: type[models.Model],
    names: Sequence[str],
    objects: Sequence[models.Model],
    *,
    only_while: Mapping[str, Any] | None = None,
) -> None:
    """Write the fields `names` of every one of `objects` (rows of `model`), each its own values;
    with `only_while`, each only while its columns of those names hold those values (a row that
    changed meanwhile is left as it is)."""
    fields: list[Any] = [model._meta.get_field(name) for name in names]
    still: list[tuple[Any, Any]] = [(model._meta.get_field(name), value) for name, value in (only_while or {}).items()]
    kept = [field.get_db_prep_save(value, connection) for field, value in still]
    rows = [
        [field.get_db_prep_save(getattr(obj, field.attname), connection) for field in fields] + [obj.pk, *kept]
        for obj in objects
    ]
    sets = ", ".join(f"{{{name}}} = %s" for name in names)
    where = "".join(f" AND {{{field.name}}} = %s" for field, _ in still)
    execute_many(model, "UPDATE {table} SET " + sets + " WHERE {id} = %s" + where, rows)  # noqa: S608 - names from the model


def insert_all(model: type[models.Model], objects: Sequence[models.Model]) -> None:
    """Insert the new `objects` (rows of `model`), as `bulk_create` does.

    On PostgreSQL they go in by one COPY, which costs far less per row than an INSERT naming each
    value: the rows without a primary key first take theirs from the table's sequence, in one
    statement. A value Django would give back unchanged (a str for a CharField, an int for a key)
    is written without going through the field's conversions, which cost more than the COPY. A
    row with a value the database fills in itself (a field's `db_default` left unset), or a model
    with parents, goes by `bulk_create`."""
    if not objects:
        return
    keyless = [obj for obj in objects if obj.pk is None]
    if connection.vendor != "postgresql" or model._meta.parents or (keyless and not takes_ids_ahead(model)):
        model._default_manager.bulk_create(objects)
        return
    for obj, pk in zip(keyless, next_ids(model, len(keyless)), strict=True):
        obj.pk = pk
    rows = _values(model, objects)
    if rows is None:
        model._default_manager.bulk_create(objects)
        return
    quote = connection.ops.quote_name
    copy_in = f"COPY {quote(model._meta.db_table)} ({_names(model)}) FROM STDIN"
    with connection.wrap_database_errors, connection.cursor() as cursor, cursor.cursor.copy(copy_in) as copy:
        for row in rows:
            copy.write_row(row)
    _written(objects)


def insert_numbered(model: type[models.Model], objects: Sequence[models.Model]) -> None:
    """Insert the new `objects` (rows of `model`, without keys) and give each its key, in one
    statement: atomic by itself, so it needs no transaction around it. On PostgreSQL that is one
    INSERT … RETURNING sent in autocommit, where `bulk_create` in a transaction of its own costs
    three round trips (the transaction's start, the INSERT and the commit) and far more Python.
    Elsewhere, and inside a transaction (where a refused row must leave it usable), `bulk_create`
    in a transaction or savepoint of its own."""
    if not objects:
        return
    rows = None if connection.vendor != "postgresql" or model._meta.parents else _values(model, objects, keyed=False)
    if rows is None or connection.in_atomic_block:
        with transaction.atomic():
            model._default_manager.bulk_create(objects)
        return
    quote = connection.ops.quote_name
    meta: Any = model._meta
    one = f"({', '.join(['%s'] * len(rows[0]))})"
    sql = (
        f"INSERT INTO {quote(meta.db_table)} ({_names(model, keyed=False)}) VALUES "  # noqa: S608 - names from the model
        + ", ".join([one] * len(rows))
        + f" RETURNING {quote(meta.pk.column)}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [value for row in rows for value in row])
        keys = [pk for (pk,) in cursor.fetchall()]
    for obj, pk in zip(objects, keys, strict=True):
        obj.pk = pk
    _written(objects)


SMALL = 20  # rows of one table up to which `insert_all_of` sends them with the other tables' at once


def insert_all_of(groups: Sequence[tuple[type[models.Model], Sequence[models.Model]]]) -> None:
    """Insert each group's new rows, group after group, as `insert_all` does.

    On PostgreSQL, when every group has its keys and SMALL rows or fewer, all go to the server at
    once: one INSERT per table, sent together in pipeline mode and answered together. A COPY per
    table waits for the server's answer to each, and those waits were most of what writing a lone
    lead's rows took."""
    groups = [(model, objects) for model, objects in groups if objects]
    writes = []
    for model, objects in groups:
        rows = _values(model, objects) if _together(model, objects) else None
        if rows is None:
            break
        one = f"({', '.join(['%s'] * len(rows[0]))})"
        sql = f"INSERT INTO {connection.ops.quote_name(model._meta.db_table)} ({_names(model)}) VALUES "  # noqa: S608 - names from the model
        writes.append((sql + ", ".join([one] * len(rows)), [value for row in rows for value in row]))
    if len(writes) < max(len(groups), 2):
        for model, objects in groups:
            insert_all(model, objects)
        return
    with connection.wrap_database_errors, connection.cursor() as cursor, connection.connection.pipeline():
        for sql, params in writes:
            cursor.cursor.execute(sql, params)
    for _, objects in groups:
        _written(objects)


def _together(model: type[models.Model], objects: Sequence[models.Model]) -> bool:
    return (
        connection.vendor == "postgresql"
        and not model._meta.parents
        and len(objects) <= SMALL
        and all(obj.pk is not None for obj in objects)
    )


def _values(
    model: type[models.Model], objects: Sequence[models.Model], *, keyed: bool = True
) -> list[list[Any]] | None:
    """The values of `objects` (rows of `model`, each with its key; without, `keyed=False`) to
    write to `_columns(model, keyed)`; None when one of them is an expression, which only
    `bulk_create` writes."""
    columns = _columns(model, keyed)
    relations = _relations(model)
    rows = []
    db = connections[DEFAULT_DB_ALIAS]  # itself, not the proxy: a lookup per value costs more than most values
    for obj in objects:
        if relations is None or not _related_in_step(obj, relations):
            obj._prepare_related_fields_for_save(operation_name="bulk_create")  # type: ignore[attr-defined]
        row = []
        given = obj.__dict__  # a new row holds every value there: read without the fields' descriptors
        for column in columns:
            if column.filled_in:
                value = column.field.pre_save(obj, True)
            elif column.plain and column.attname in given:
                value = given[column.attname]
            else:
                value = getattr(obj, column.attname)
            kind = type(value)
            if value is None or (kind in column.as_given and (kind is not datetime or value.tzinfo is not None)):
                row.append(value)
            elif hasattr(value, "resolve_expression"):
                return None
            else:
                row.append(column.field.get_db_prep_save(value, db))
        rows.append(row)
    return rows


@cache
def _relations(model: type[models.Model]) -> list[tuple[str, str, str, bool]] | None:
    """Of each relation column of `model`, for `_related_in_step`: where the row holds the related
    row, the column, the related row's column it points at, and whether that is its key; None
    when `model` has a relation only Django checks (a generic foreign key)."""
    meta: Any = model._meta
    if meta.private_fields:
        return None
    return [
        (field.cache_name, field.attname, field.target_field.attname, field.target_field.primary_key)
        for field in meta.concrete_fields
        if field.is_relation
    ]


def _related_in_step(obj: models.Model, relations: list[tuple[str, str, str, bool]]) -> bool:
    """True when every related row `obj` holds is saved and its key is the one `obj` points at: then
    Django's check before a bulk insert (`_prepare_related_fields_for_save`) would change nothing,
    and it is skipped, for it costs more than writing the row. Else Django's own check runs, which
    takes the key of a related row saved since, or refuses one never saved."""
    held = obj._state.fields_cache
    for cache_name, column, points_at, is_key in relations:
        related = held.get(cache_name)
        if related is None:
            continue
        value = getattr(obj, column)
        if value is None or value != getattr(related, points_at) or not (is_key or related._is_pk_set()):
            return False
    return True


def _names(model: type[models.Model], keyed: bool = True) -> str:
    return ", ".join(connection.ops.quote_name(column.field.column) for column in _columns(model, keyed))


def _written(objects: Sequence[models.Model]) -> None:
    alias = connection.alias  # read once: each read through the proxy is a thread-local look-up
    for obj in objects:
        obj._state.adding, obj._state.db = False, alias


def next_ids(model: type[models.Model], count: int) -> list[int]:
    """`count` new primary keys from the sequence of `model`'s table (PostgreSQL), in one statement."""
    return next_ids_of({model: count}).get(model, [])


def next_ids_of(counts: dict[type[models.Model], int]) -> dict[type[models.Model], list[int]]:
    """New primary keys from the sequences of several tables (PostgreSQL), `counts[model]` of each
    (none for a count of 0), all in one statement."""
    wanted = [(model, count) for model, count in counts.items() if count > 0]
    if not wanted:
        return {}
    one = "SELECT %s::integer, nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s::integer)"
    params: list[Any] = []
    for n, (model, count) in enumerate(wanted):
        meta: Any = model._meta
        params += [n, meta.db_table, meta.pk.column, count]
    ids: dict[type[models.Model], list[int]] = {model: [] for model, _ in wanted}
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join([one] * len(wanted)), params)
        for n, pk in cursor.fetchall():
            ids[wanted[n][0]].append(pk)
    return ids


def takes_ids_ahead(model: type[models.Model]) -> bool:
    """True when `insert_all` writes `model`'s rows by COPY, their keys taken from its sequence."""
    meta: Any = model._meta
    return connection.vendor == "postgresql" and not meta.parents and isinstance(meta.pk, AutoFieldMixin)


class _Column(NamedTuple):
    field: Any
    attname: str
    plain: bool  # read through Django's plain descriptor, which gives what the row holds as it is
    filled_in: bool  # its value is made as the row is written (`pre_save`: auto_now, a search key)
    as_given: tuple[type, ...]  # value types written as they are, without the field's conversions


# Django's own fields whose conversions give back, on PostgreSQL, the very value they were given
# when it is of these types (a datetime only with its zone: Django warns of a naive one and makes
# it aware). A field that overrides any of the methods compared is converted as Django converts it.
_KEPT_AS_GIVEN: tuple[tuple[type[Field], tuple[type, ...]], ...] = (
    (models.CharField, (str,)),
    (models.TextField, (str,)),
    (models.BooleanField, (bool,)),
    (models.IntegerField, (int,)),
    (models.BigAutoField, (int,)),
    (models.AutoField, (int,)),
    (models.DateTimeField, (datetime,)),
)
_CONVERSIONS = ("get_db_prep_save", "get_db_prep_value", "get_prep_value", "to_python")


def _as_given(field: Any) -> tuple[type, ...]:
    """The value types `field` writes as they are; a foreign key converts as the key it points at."""
    if isinstance(field, models.ForeignKey) and all(
        getattr(type(field), name) is getattr(models.ForeignKey, name) for name in _CONVERSIONS[:-1]
    ):
        return _as_given(field.target_field)
    for django_field, types in _KEPT_AS_GIVEN:
        if isinstance(field, django_field) and all(
            getattr(type(field), name) is getattr(django_field, name) for name in _CONVERSIONS
        ):
            return types
    return ()


@cache
def _columns(model: type[models.Model], keyed: bool = True) -> list[_Column]:
    """The columns COPY writes for `model` (without its key, `keyed=False`: the table's sequence
    gives it), each with how its value is taken from a row."""
    columns = []
    for field in model._meta.concrete_fields:
        if field.generated or (not keyed and field.primary_key):
            continue
        filled_in = type(field).pre_save is not Field.pre_save and not (
            isinstance(field, DateField)
            and type(field).pre_save in (models.DateField.pre_save, models.DateTimeField.pre_save)
            and not (field.auto_now or field.auto_now_add)
        )
        plain = type(vars(model).get(field.attname)) in (DeferredAttribute, ForeignKeyDeferredAttribute)
        columns.append(_Column(field, field.attname, plain, filled_in, _as_given(field)))
    return columns


def new[M: models.Model](model: type[M], /, **values: Any) -> M:
    """`model(**values)`: a new row, not yet saved, made as Django makes a row it reads from the
    database, by giving its constructor every column's value in order (a related row named by
    its field, `lead=lead`, is held on the new row as the keyword would hold it). Django's
    constructor takes keywords at twice the cost, and a lead is made of some twenty-five rows.
    Anything else the keywords name (a property), or a one-to-one field, goes to `model(**values)`."""
    plan = _construction(model)
    if plan is None:
        return model(**values)
    args: list[Any] = []
    held: list[tuple[Any, models.Model | None]] = []
    used = 0
    for field, name, attname, points_at, default in plan:
        if attname in values:
            args.append(values[attname])
            used += 1
        elif points_at is not None and name in values:
            related = values[name]
            args.append(None if related is None else getattr(related, points_at))
            held.append((field, related))
            used += 1
        else:
            args.append(default if default is not _MADE_EACH_TIME else field.get_default())
    if used != len(values):
        return model(**values)
    row = _made(model, args)
    for field, related in held:
        field.set_cached_value(row, related)
    return row


@cache
def _construction(model: type[models.Model]) -> list[tuple[Any, str, str, str | None, Any]] | None:
    """Of each column of `model` in order, for `new`: the field, its name, its column, for a
    foreign key the related row's column it points at, and its default (`_default`); None when
    `model` has a one-to-one field (its related row holds the new row too) or a field without a
    column."""
    meta: Any = model._meta
    if any(field.one_to_one or field.column is None or field.generated for field in meta.concrete_fields):
        return None
    return [
        (field, field.name, field.attname, field.target_field.attname if field.many_to_one else None, _default(field))
        for field in meta.concrete_fields
    ]


def _made[M: models.Model](model: type[M], args: list[Any]) -> M:
    """`model(*args)`, every column's value given in order. Django's constructor sets each value
    through the field's descriptor and sends `pre_init` and `post_init` for the row, which cost
    more than the row's values; where its descriptors only keep the value given, and nothing
    listens for those signals, the row is made with its values set at once, as the constructor
    would leave it."""
    attnames = _set_as_given(model)
    if attnames is None or pre_init.receivers or post_init.receivers:
        return model(*args)
    row = model.__new__(model)
    row._state = ModelState()
    row.__dict__.update(zip(attnames, args, strict=True))
    return row


@cache
def _set_as_given(model: type[models.Model]) -> tuple[str, ...] | None:
    """The columns of `model` in order, when its constructor is Django's own and setting each of
    them keeps the value given in the row's `__dict__` (on a new row, a foreign key's descriptor
    has no related row to forget); None otherwise."""
    columns = _columns(model)  # every column, in order: `new` makes no row of a model with a generated one
    if model.__init__ is not models.Model.__init__ or model._meta.abstract or not all(c.plain for c in columns):
        return None
    return tuple(column.attname for column in columns)


_MADE_EACH_TIME = object()


def _default(field: Any) -> Any:
    """The value a new row takes for `field` when none is given, when it is the same every time (no
    default: None or the empty string; a default that is a value): asked once rather than for each
    row, as for the ninety or so columns a lead's rows leave out. `_MADE_EACH_TIME` for a default
    made anew (a callable, the database's own) or a field that gives its default its own way."""
    if (
        type(field).get_default in (Field.get_default, models.ForeignKey.get_default)
        and not field.has_db_default()
        and not (field.has_default() and callable(field.default))
    ):
        return field.get_default()  # a value given as the default is one object, every row's (as Django's)
    return _MADE_EACH_TIME

"""Inserting many new rows of one model in one statement, faster than ``bulk_create`` (issue 18,
ADR 0046).

``QuerySet.bulk_create`` on PostgreSQL already inserts with ``INSERT … SELECT * FROM UNNEST(…)``,
but it prepares every value through the field's ``pre_save`` and ``get_db_prep_save`` (half a
million calls for a national quarter of worksheets) and hands psycopg2 Python lists, which it
spells out as ``ARRAY[1, 2, …]``: one expression per value for PostgreSQL to parse. Here each
column goes as one array literal (``'{1,2,…}'``), which PostgreSQL reads in a single pass, and a
value that is already what the column stores (an ``int`` for an integer column, a ``str`` for a
text column, a ``bool``, an aware ``datetime``, ``None``) is not passed through the field again.
Every other value is prepared by its field exactly as ``bulk_create`` would, and a field of a
type not listed here is refused rather than guessed at.

The rows inserted are the ones ``bulk_create`` inserts (tests/test_bulk_insert.py compares them
column by column, and tests/claims/test_import_batches.py an import with the one-by-one path).
"""

from __future__ import annotations

import datetime
import decimal
import json
from collections.abc import Sequence

from django.db import connections, models, router

INTEGER_TYPES = {
    "AutoField",
    "BigAutoField",
    "SmallAutoField",
    "IntegerField",
    "BigIntegerField",
    "SmallIntegerField",
    "PositiveIntegerField",
    "PositiveBigIntegerField",
    "PositiveSmallIntegerField",
}
TEXT_TYPES = {"CharField", "TextField", "SlugField", "EmailField", "URLField"}


def _quoted(text: str) -> str:
    """An element of a PostgreSQL array literal, quoted: backslash and double quote escaped."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _element(field: models.Field, kind: str, value, connection) -> str:
    """One value as an element of the column's array literal. ``kind`` is the internal type of the
    column (the target's, for a foreign key)."""
    if value is None:
        return "NULL"
    if kind in INTEGER_TYPES and type(value) is int:
        return str(value)
    if kind == "BooleanField" and type(value) is bool:
        return "t" if value else "f"
    if kind in TEXT_TYPES and type(value) is str:
        return _quoted(value)
    if (
        kind == "DateTimeField"
        and type(value) is datetime.datetime
        and value.utcoffset() is not None
    ):
        return _quoted(value.isoformat())
    # Anything else is prepared by its field, as bulk_create prepares it.
    if kind == "JSONField":
        return _quoted(json.dumps(field.get_prep_value(value), cls=field.encoder))
    prepared = field.get_db_prep_save(value, connection=connection)
    if prepared is None:
        return "NULL"
    if isinstance(prepared, bool):
        return "t" if prepared else "f"
    if isinstance(prepared, int):  # an IntegerChoices member too: its number
        return int.__repr__(prepared)
    if isinstance(prepared, str):  # a TextChoices member too: its text
        return _quoted(str.__str__(prepared))
    if isinstance(prepared, decimal.Decimal):
        return _quoted(str(prepared))
    if isinstance(prepared, datetime.date):  # a datetime (made aware by its field) or a date
        return _quoted(prepared.isoformat())
    raise TypeError(
        f"core.bulk cannot write {type(value).__name__} {value!r} to {field} ({kind}); "
        "use bulk_create for this model."
    )


def _column(field: models.Field, kind: str, values: list, connection) -> list[str]:
    """A column's values as array elements: all at once where every value is already what the
    column stores (``None`` aside), else one by one (:func:`_element`)."""
    types = {type(value) for value in values} - {type(None)}
    if kind in INTEGER_TYPES and types <= {int}:
        return ["NULL" if value is None else str(value) for value in values]
    if kind == "BooleanField" and types <= {bool}:
        return ["NULL" if value is None else "t" if value else "f" for value in values]
    if kind in TEXT_TYPES and all(issubclass(t, str) for t in types):
        # A TextChoices member is its text, as the database driver reads it.
        return ["NULL" if value is None else _quoted(str.__str__(value)) for value in values]
    return [_element(field, kind, value, connection) for value in values]


def insert_rows(objs: Sequence[models.Model]) -> None:
    """Insert ``objs`` (new instances of one model, with no primary key yet) in one statement on
    PostgreSQL, and give each its primary key, as ``bulk_create`` does. A foreign key set to an
    instance saved since (a line's worksheet inserted just before) takes that instance's key; one
    still unsaved is refused, as ``bulk_create`` refuses it. ``auto_now``/``auto_now_add`` fields
    take the moment of the insert, the same for every row. Calls no ``save`` and sends no signals,
    like ``bulk_create``. On another database than PostgreSQL it is ``bulk_create``."""
    if not objs:
        return
    model = type(objs[0])
    if any(type(obj) is not model for obj in objs):
        raise TypeError("insert_rows inserts instances of one model at a time.")
    opts = model._meta
    connection = connections[router.db_for_write(model)]
    if connection.vendor != "postgresql":  # the embedded SQLite default: Django's own insert
        if connection.features.can_return_rows_from_bulk_insert:
            model._default_manager.bulk_create(objs)
        else:  # pragma: no cover - no database this project runs on
            for obj in objs:
                obj.save(force_insert=True)
        return
    if opts.parents or not opts.pk.db_returning:
        raise TypeError(
            f"core.bulk inserts into one table whose key the database gives: use bulk_create for "
            f"{opts.label}."
        )
    if any(obj.pk is not None for obj in objs):
        raise ValueError("insert_rows inserts new rows: an instance already has a primary key.")
    fields = [f for f in opts.concrete_fields if f is not opts.pk]
    columns: list[list[str]] = []
    for field in fields:
        if field.generated or field.db_returning:
            raise TypeError(f"core.bulk cannot write {field}: use bulk_create for this model.")
        target = field.target_field if field.is_relation else field
        kind = target.get_internal_type()
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            values = [field.pre_save(objs[0], add=True)] * len(objs)
            for obj in objs[1:]:
                setattr(obj, field.attname, values[0])
        elif field.is_relation:
            values = [_related_value(field, obj) for obj in objs]
        else:
            attname = field.attname
            values = [getattr(obj, attname) for obj in objs]
        columns.append("{" + ",".join(_column(field, kind, values, connection)) + "}")
    qn = connection.ops.quote_name
    arrays = ", ".join(f"%s::{field.db_type(connection).split('(')[0]}[]" for field in fields)
    # Only the model's own table, column and type names are spelt into the statement (quoted as
    # Django quotes them); every value goes as a parameter.
    sql = (
        f"INSERT INTO {qn(opts.db_table)} ({', '.join(qn(f.column) for f in fields)}) "  # noqa: S608
        f"SELECT * FROM UNNEST({arrays}) RETURNING {qn(opts.pk.column)}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, columns)
        ids = [row[0] for row in cursor.fetchall()]
    if len(ids) != len(objs):  # pragma: no cover - PostgreSQL returns one id a row
        raise RuntimeError(f"{len(objs)} rows inserted but {len(ids)} ids returned.")
    for obj, pk in zip(objs, ids, strict=True):
        obj.pk = pk
        obj._state.adding = False
        obj._state.db = connection.alias


def _related_value(field, obj):
    """A foreign key's value, from the related instance where one is set (as
    ``Model._prepare_related_fields_for_save`` takes it)."""
    related = field.get_cached_value(obj, default=None) if field.is_cached(obj) else None
    if related is None:
        return getattr(obj, field.attname)
    value = getattr(related, field.target_field.attname)
    if value is None:
        raise ValueError(
            f"insert_rows() prohibited to prevent data loss due to unsaved related object "
            f"'{field.name}'."
        )
    setattr(obj, field.attname, value)
    return value

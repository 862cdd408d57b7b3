"""Bulk writes: PostgreSQL COPY for many rows, ``bulk_create`` elsewhere.

Django compiles one ``VALUES`` tuple per row (about 0.2 ms each here): 40,000 rows of a matching
took seconds to compile alone. COPY sends them as one stream. Rows are plain values in the
order of ``fields`` (attnames, e.g. ``entity_id``); no signals fire, so callers write one
``audit_bulk`` row for the batch.
"""

from __future__ import annotations

import contextlib
import gc
import io
import json
import zlib
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from django.db import connection, models
from django.db.models.signals import post_save, pre_save

fast_zlib: Any = zlib  # ISA-L (below) writes the zlib format several times faster; same bytes format
try:
    from isal import isal_zlib

    fast_zlib = isal_zlib
except ImportError:  # pragma: no cover - isal is a dependency; zlib reads and writes the same format
    pass


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """No cyclic garbage collection inside: for work that allocates millions of small objects
    while millions more are alive (a city frame's labels, a million conflict pairs). Python's
    collector would walk every live object again and again; measured on a 20,000-entity
    matching, the engine ran in 0.37 s without it against 0.76 s with it. Reference counting
    still frees everything that is not in a cycle; cycles wait until the block ends."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _text(value: Any) -> str:
    if value is None:
        return "\\N"
    text = str(value)  # a bool is True/False, which COPY reads as a boolean: as the joined rows below
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def _copy_text(rows: list[Sequence[Any]], width: int) -> str:
    """COPY text of ``rows``. Most rows hold no NULL and no character COPY escapes: then each
    row is joined in C, and the counts of tabs and newlines (every row ``width`` long) prove no
    value held one. Otherwise value by value; both ways write the same text for a value."""
    if set(map(len, rows)) <= {width} and not any(None in row for row in rows):
        text = "\n".join(["\t".join(map(str, row)) for row in rows]) + "\n" if rows else ""
        if (
            text.count("\t") == (width - 1) * len(rows) and text.count("\n") == len(rows)
            and "\\" not in text and "\r" not in text
        ):
            return text
    return "".join("\t".join(_text(v) for v in row) + "\n" for row in rows)


def bulk_insert(model: type[models.Model], fields: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    if connection.vendor != "postgresql":
        objs = [model(**dict(zip(fields, row, strict=True))) for row in rows]
        model._default_manager.bulk_create(objs, batch_size=2000)
        return len(objs)
    by_attname = {f.attname: f.column for f in model._meta.concrete_fields}
    columns = [by_attname[f] for f in fields]
    rows = rows if isinstance(rows, list) else list(rows)
    count = len(rows)
    buffer = io.StringIO(_copy_text(rows, len(fields)))
    quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
    with connection.cursor() as cursor:
        cursor.copy_expert(f"COPY {connection.ops.quote_name(model._meta.db_table)} ({quoted}) FROM STDIN", buffer)
    return count


# --- One row with a large blob ---------------------------------------------------------------
# psycopg2 sends a bytea parameter as hex text inside the statement: a 12 MB frozen frame became
# 24 MB of SQL to parse (about half a second here), and reading it back as hex cost as much
# again. Binary COPY moves the bytes as they are (about 50 ms each way).
_PGCOPY_HEADER = b"PGCOPY\n\xff\r\n\x00" + bytes(8)


def _binary_value(field: models.Field[Any, Any], value: Any) -> bytes | None:
    if value is None:
        return None
    db_type = field.db_type(connection) or ""
    if db_type == "bigint":
        return int(value).to_bytes(8, "big", signed=True)
    if db_type == "integer":
        return int(value).to_bytes(4, "big", signed=True)
    if db_type == "bytea":
        return bytes(value)
    if db_type == "jsonb":
        return b"\x01" + json.dumps(value, cls=getattr(field, "encoder", None), ensure_ascii=False).encode()
    if db_type.startswith(("varchar", "text")):
        return str(value).encode()
    raise TypeError(f"insert_with_blob: no binary form for {field.name} ({db_type})")


def insert_with_blob(instance: models.Model) -> None:
    """Insert a new ``instance`` (an auto primary key; bigint, integer, bytea, jsonb and text
    columns) by binary COPY on PostgreSQL, ``save()`` elsewhere. The model's save signals are
    sent as ``save()`` would send them, so the audit chain records the row the same way."""
    model = type(instance)
    if connection.vendor != "postgresql":
        instance.save()
        return
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    pre_save.send(sender=model, instance=instance, raw=False, using=connection.alias, update_fields=None)
    out = bytearray(_PGCOPY_HEADER + len(fields).to_bytes(2, "big"))
    for field in fields:
        value = _binary_value(field, field.pre_save(instance, add=True))
        out += b"\xff\xff\xff\xff" if value is None else len(value).to_bytes(4, "big") + value
    out += b"\xff\xff"
    table = model._meta.db_table
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    pk_column = model._meta.pk.column  # type: ignore[union-attr]
    with connection.cursor() as cursor:
        cursor.copy_expert(f"COPY {connection.ops.quote_name(table)} ({columns}) FROM STDIN (FORMAT binary)", io.BytesIO(out))
        cursor.execute("SELECT currval(pg_get_serial_sequence(%s, %s))", [table, pk_column])
        instance.pk = cursor.fetchone()[0]
    instance._state.adding, instance._state.db = False, connection.alias
    post_save.send(sender=model, instance=instance, created=True, update_fields=None, raw=False, using=connection.alias)


def copy_value(cursor: Any, query: str) -> bytes | None:
    """The one value of a one-row, one-column ``query`` as raw bytes, by binary COPY: no hex or
    escaping, one client write however long the value. None for NULL; LookupError for no row."""
    values = copy_values(cursor, query)
    if len(values) != 1:
        raise LookupError(f"the query returned {len(values)} columns, not one")
    return values[0]


def copy_values(cursor: Any, query: str) -> list[bytes | None]:
    """The values of the first row of ``query`` as raw bytes (``copy_value`` for several
    columns: one statement, so one snapshot of the database, even outside a transaction that
    could share one)."""
    buffer = io.BytesIO()
    cursor.copy_expert(f"COPY ({query}) TO STDOUT (FORMAT binary)", buffer)
    data = buffer.getvalue()
    pos = len(_PGCOPY_HEADER) + int.from_bytes(data[15:19], "big")  # signature, flags, extension length
    count = int.from_bytes(data[pos : pos + 2], "big", signed=True) if len(data) >= pos + 2 else -1
    if count < 0:
        raise LookupError("the query returned no row")
    values: list[bytes | None] = []
    pos += 2
    for _ in range(count):
        size = int.from_bytes(data[pos : pos + 4], "big", signed=True)
        pos += 4
        values.append(None if size < 0 else data[pos : pos + size])
        pos += max(size, 0)
    return values


def read_blob(model: type[models.Model], pk: Any, field: str, *, by: str = "pk") -> bytes:
    """One binary column of one row, moved as bytes (binary COPY) on PostgreSQL. ``by``: the
    unique field ``pk`` is a value of (the primary key unless named), so that a row found by
    another key costs one statement, not a lookup of its primary key first."""
    lookup = model._meta.pk if by == "pk" else model._meta.get_field(by)
    if not (lookup.primary_key or lookup.unique):  # type: ignore[union-attr]
        raise ValueError(f"read_blob: {model._meta.label}.{by} is not unique")
    if connection.vendor != "postgresql":
        return bytes(model._default_manager.filter(**{by: pk}).values_list(field, flat=True).get())
    column = str(model._meta.get_field(field).column)  # type: ignore[union-attr]
    with connection.cursor() as cursor:
        table, key = connection.ops.quote_name(model._meta.db_table), connection.ops.quote_name(lookup.column)  # type: ignore[union-attr,arg-type]
        sql = f"SELECT {connection.ops.quote_name(column)} FROM {table} WHERE {key} = %s"  # noqa: S608 - names quoted
        try:
            value = copy_value(cursor, cursor.mogrify(sql, [pk]).decode())
        except LookupError:
            raise model.DoesNotExist(f"{model._meta.label} {pk} not found") from None  # type: ignore[attr-defined]
    if value is None:
        raise ValueError(f"{model._meta.label} {pk}: {field} is NULL")
    return value

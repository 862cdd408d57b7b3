"""Substring search on names through their character bigrams (PostgreSQL).

``ssj_bigrams(text)`` (a plain SQL function, ``core/migrations/0005_bigrams_function.py``) turns
a text into the array of its two-character substrings. A GIN index over ``ssj_bigrams(name)``
finds every row whose name holds the bigrams of a query of two or more characters; an exact
recheck then keeps true substrings only. Why not pg_trgm: it extracts no trigram from a
two-character query, the commonest Chinese name search. One character has no bigram: those
queries cannot use such an index at all.

Indexed this way: the public results (``publicity/migrations/0001_search_index.py``) and the
registry (``entities/migrations/0004_entity_name_bigrams.py``).
"""

from __future__ import annotations

import time

from django.contrib.postgres.fields import ArrayField
from django.db import connection
from django.db.models import Func, TextField

STATS_SECONDS = 600
_SHARES: dict[tuple[str, str], tuple[float, dict[str, float]]] = {}


class Bigrams(Func):
    """``ssj_bigrams(expression)``: written exactly as the indexes are, so that they match."""

    function = "ssj_bigrams"
    output_field = ArrayField(TextField())


def bigrams(text: str) -> list[str]:
    return [text[i : i + 2] for i in range(len(text) - 1)]


def index_bigram_shares(index: str) -> dict[str, float]:
    """The share of rows whose name holds each common bigram, from the statistics ANALYZE keeps
    for a (non-partial) expression index over ``ssj_bigrams``; re-read every ten minutes. A
    bigram that is not listed is rarer than every listed one; no statistics yet: nothing listed.
    """
    key = (str(connection.settings_dict.get("NAME")), index)
    loaded = _SHARES.get(key)
    if loaded and time.monotonic() - loaded[0] < STATS_SECONDS:
        return loaded[1]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT most_common_elems::text::text[], most_common_elem_freqs FROM pg_stats "
            "WHERE tablename = %s AND attname = 'ssj_bigrams'",
            [index],
        )
        row = cursor.fetchone()
    elems, freqs = (row[0] or [], row[1] or []) if row else ([], [])
    shares = dict(zip(elems, (float(f) for f in freqs[: len(elems)]), strict=True))
    _SHARES[key] = (time.monotonic(), shares)
    return shares


_ROWS: dict[tuple[str, str], tuple[float, int]] = {}


def table_rows(table: str) -> int:
    """The planner's row count of ``table`` (``pg_class.reltuples``), re-read every ten minutes."""
    key = (str(connection.settings_dict.get("NAME")), table)
    loaded = _ROWS.get(key)
    if loaded and time.monotonic() - loaded[0] < STATS_SECONDS:
        return loaded[1]
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE oid = to_regclass(%s)", [table])
        row = cursor.fetchone()
    rows = max(int(row[0]), 0) if row and row[0] is not None else 0
    _ROWS[key] = (time.monotonic(), rows)
    return rows

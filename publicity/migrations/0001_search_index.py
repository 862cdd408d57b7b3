"""Indexes on core's publication table for the public site (PostgreSQL only).

Why bigrams: a name search takes any fragment of two or more Chinese characters. pg_trgm
extracts no trigram from a two-character query, so it cannot use its index for the commonest
searches. ``ssj_bigrams`` turns a text into the array of its two-character substrings; a GIN
index over the names' bigram arrays finds every name holding all bigrams of the query, and an
exact ``strpos`` recheck keeps true substrings only. The function is plain SQL in core
PostgreSQL (no extension) and IMMUTABLE, so it may be indexed.

All indexes are partial (``kind = 'result'``): results are the ten million rows; the other kinds
are few. They are built CONCURRENTLY, so an existing table stays writable (hence atomic = False).
On SQLite this migration does nothing and the search falls back to LIKE.
"""

from django.db import migrations

FUNCTION = """
CREATE OR REPLACE FUNCTION ssj_bigrams(t text) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT coalesce(array_agg(substr(t, i, 2)), '{}'::text[]) FROM generate_series(1, char_length(t) - 1) AS i
$$
"""

RESULTS = "WHERE kind = 'result'"
INDEXES = [
    ("pub_result_bigrams", f"USING gin (ssj_bigrams(filter_keys ->> 'name')) {RESULTS}"),
    ("pub_result_uscc", f"((filter_keys ->> 'uscc')) {RESULTS}"),
    ("pub_result_task", f"((payload ->> '抽查任务编号'), id) {RESULTS}"),
    ("pub_result_dept_year", f"(department_code, year, id) {RESULTS}"),
    ("pub_result_street", f"(street, id) {RESULTS}"),
    ("pub_result_category", f"(category, id) {RESULTS}"),
    # Rows are appended in id order, so a block-range index on id is tiny and exact enough to
    # narrow a bigram search to the newest records first (publicity.selectors.result_page).
    ("pub_record_id_brin", "USING brin (id) WITH (pages_per_range = 128, autosummarize = on)"),
]

STATISTICS = [
    ("pub_result_bigrams_stats", "ssj_bigrams(filter_keys ->> 'name')", 1000),
    ("pub_result_chars_stats", "string_to_array(filter_keys ->> 'name', NULL)", 1000),
    ("pub_result_uscc_stats", "(filter_keys ->> 'uscc')", 100),
    ("pub_result_task_stats", "(payload ->> '抽查任务编号')", 100),
]


def forwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(FUNCTION)
        for name, definition in INDEXES:
            cursor.execute(f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {name} ON core_publicationrecord {definition}")
        # Statistics of the bigram arrays (a partial index's own statistics are not used by the
        # planner): with them it tells common fragments (有限) from rare ones, and walks the newest
        # records for the former and uses the index for the latter.
        # The shares of single characters let the site estimate a longer fragment's share as a
        # chain (P(青岛) x P(岛海)/P(岛) x ...), see publicity.selectors.name_contains.
        # The same holds for the code and task lookups (an equality estimate of 0.5 % of ten
        # million rows would walk the table instead of the index).
        for name, expression, target in STATISTICS:
            cursor.execute(f"CREATE STATISTICS IF NOT EXISTS {name} ON ({expression}) FROM core_publicationrecord")
            cursor.execute(f"ALTER STATISTICS {name} SET STATISTICS {target}")
        cursor.execute("ANALYZE core_publicationrecord")


def backwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        for name, _expression, _target in STATISTICS:
            cursor.execute(f"DROP STATISTICS IF EXISTS {name}")
        for name, _definition in INDEXES:
            cursor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {name}")
        # ssj_bigrams stays: core owns it now (core 0005) and the registry's name index uses it.


class Migration(migrations.Migration):
    atomic = False
    dependencies = [("core", "0004_publication_attachments")]
    operations = [migrations.RunPython(forwards, backwards)]

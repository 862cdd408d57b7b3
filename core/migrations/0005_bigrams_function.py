"""``ssj_bigrams(text)``: a text's two-character substrings, for GIN indexes (see core.search).

Core owns the function because more than one app indexes on it (publicity, entities). The
publicity search-index migration created it first; ``CREATE OR REPLACE`` with the same body
makes this one a no-op there. Plain SQL in core PostgreSQL (no extension), IMMUTABLE so that it
may be indexed. Nothing on SQLite. Never dropped here: indexes of other apps depend on it.
"""

from django.db import migrations

FUNCTION = """
CREATE OR REPLACE FUNCTION ssj_bigrams(t text) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT coalesce(array_agg(substr(t, i, 2)), '{}'::text[]) FROM generate_series(1, char_length(t) - 1) AS i
$$
"""


def forwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(FUNCTION)


class Migration(migrations.Migration):
    dependencies = [("core", "0004_publication_attachments")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]

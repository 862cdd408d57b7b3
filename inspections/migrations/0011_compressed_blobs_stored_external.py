"""Compressed blobs are stored as they are: no second compression attempt by PostgreSQL.

A frozen frame, an evidence bundle and a public bundle are zlib-compressed before they are
stored. With the default column storage (EXTENDED) PostgreSQL tries its own compression (pglz)
on every value over 2 kB; a frame blob starts with a plain JSON header, which compresses, so
pglz does not give up early and runs through all 12 MB of a city frame before it finds the
whole does not shrink. Measured: storing a city frame took 199 ms, 52 ms with EXTERNAL
(out of line, uncompressed). PostgreSQL only; existing rows are left as they are.
"""

from django.db import migrations

COLUMNS = [("inspections_drawframe", "blob"), ("inspections_drawevidence", "bundle"), ("inspections_drawevidence", "public_bundle")]


def _storage(kind: str):  # type: ignore[no-untyped-def]
    def run(apps, schema_editor):  # type: ignore[no-untyped-def]
        if schema_editor.connection.vendor != "postgresql":
            return
        for table, column in COLUMNS:
            schema_editor.execute(f"ALTER TABLE {table} ALTER COLUMN {column} SET STORAGE {kind}")

    return run


class Migration(migrations.Migration):
    dependencies = [("inspections", "0010_draw_rows_without_draw_foreign_key")]
    operations = [migrations.RunPython(_storage("EXTERNAL"), _storage("EXTENDED"))]

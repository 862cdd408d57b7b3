"""A public attachment is stored zlib-compressed: PostgreSQL need not try compressing it again
(see inspections/migrations/0011_compressed_blobs_stored_external.py). PostgreSQL only."""

from django.db import migrations


def _storage(kind: str):  # type: ignore[no-untyped-def]
    def run(apps, schema_editor):  # type: ignore[no-untyped-def]
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(f"ALTER TABLE core_publicationattachment ALTER COLUMN compressed SET STORAGE {kind}")

    return run


class Migration(migrations.Migration):
    dependencies = [("core", "0005_bigrams_function")]
    operations = [migrations.RunPython(_storage("EXTERNAL"), _storage("EXTENDED"))]

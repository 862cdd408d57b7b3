"""A GIN index over the character bigrams of the registry's names (PostgreSQL only), for the
staff search by name and the admin's (``entities.selectors.name_contains``).

The public search's bigram index is on the publication records (results), not on the registry:
it cannot serve a query on ``entities_entity``, hence an index of its own here, built the same
way (``ssj_bigrams``, see core.search). Built CONCURRENTLY so that a registry of ten million
stays writable while it builds (hence atomic = False). Not partial, so ANALYZE keeps the
statistics of the bigram arrays with the index: the search reads from them which bigrams are
common (长清, 有限 and any in more than 3 % of names, which the default statistics target lists
with room to spare) and asks the index for the others only. On SQLite this does nothing and
the search stays a LIKE.
"""

from django.db import migrations

INDEX = "entity_name_bigrams"


def forwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {INDEX} ON entities_entity USING gin (ssj_bigrams(name))")
        cursor.execute("ANALYZE entities_entity")


def backwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    atomic = False
    dependencies = [("entities", "0003_draw_perf"), ("core", "0005_bigrams_function")]
    operations = [migrations.RunPython(forwards, backwards)]

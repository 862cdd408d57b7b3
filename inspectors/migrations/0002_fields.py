from django.db import migrations


def load(apps, schema_editor):
    from inspectors.codes import load_fields

    load_fields(apps.get_model("inspectors", "Field"))


class Migration(migrations.Migration):
    dependencies = [("inspectors", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]

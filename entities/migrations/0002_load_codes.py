from django.db import migrations


def load(apps, schema_editor):
    from entities import codes

    codes.load_industries(apps.get_model("entities", "Industry"))
    codes.load_regions(apps.get_model("entities", "Region"))
    codes.load_tags(apps.get_model("entities", "Tag"))


class Migration(migrations.Migration):
    dependencies = [("entities", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]

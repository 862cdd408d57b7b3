from django.db import migrations


def seed(apps, schema_editor):
    from core.workdays import seed_from_chinese_calendar

    seed_from_chinese_calendar(apps.get_model("core", "CalendarDay"), apps.get_model("core", "CalendarYear"))


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]

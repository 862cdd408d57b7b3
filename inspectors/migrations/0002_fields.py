from django.db import migrations

FIELDS = [
    ("food", "食品"), ("special-equipment", "特种设备"), ("fire", "消防"), ("health", "卫生"),
    ("drugs", "药品医疗器械"), ("construction", "建筑"), ("environment", "环保"), ("public-security", "治安"),
    ("culture", "文化市场"), ("education", "教育"), ("agriculture", "农业"), ("work-safety", "安全生产"),
    ("credit", "企业信用"), ("product-quality", "产品质量"), ("pricing", "价格"), ("advertising", "广告"),
]


def load(apps, schema_editor):
    Field = apps.get_model("inspectors", "Field")
    for code, name in FIELDS:
        Field.objects.update_or_create(code=code, defaults={"name": name})


class Migration(migrations.Migration):
    dependencies = [("inspectors", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]

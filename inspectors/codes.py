"""The code table of qualification fields (专业领域) shipped with the project."""

from typing import Any

FIELDS = [
    ("food", "食品"), ("special-equipment", "特种设备"), ("fire", "消防"), ("health", "卫生"),
    ("drugs", "药品医疗器械"), ("construction", "建筑"), ("environment", "环保"), ("public-security", "治安"),
    ("culture", "文化市场"), ("education", "教育"), ("agriculture", "农业"), ("work-safety", "安全生产"),
    ("credit", "企业信用"), ("product-quality", "产品质量"), ("pricing", "价格"), ("advertising", "广告"),
]


def load_fields(model: Any) -> int:
    for code, name in FIELDS:
        model.objects.update_or_create(code=code, defaults={"name": name})
    return len(FIELDS)

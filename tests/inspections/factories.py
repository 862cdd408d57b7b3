import datetime as dt

from agencies.models import Department
from inspections.models import InspectionItem
from inspections.services import task_create


def item(department: Department, code: str = "I1", name: str = "营业执照（登记证）规范使用情况的检查", **kw) -> InspectionItem:
    return InspectionItem.objects.create(department=department, code=code, name=name, **kw)


def make_task(*, user, department, participants=(), items=None, **fields):
    defaults = {
        "title": "旅馆业联合抽查",
        "window_start": dt.date(2026, 12, 1),
        "window_end": dt.date(2026, 12, 20),
        "deadline": dt.date(2026, 12, 31),
        "ratio_bp": 500,
    }
    defaults.update(fields)
    return task_create(
        user=user, department=department, participants=participants, items=items or [item(department)], **defaults
    )

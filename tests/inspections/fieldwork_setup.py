"""A joint task drawn and matched for the field-work tests: A initiates, Z joins.

alice (A admin+staff) organises; dave (A inspector only) may only read; chief (A section chief)
adds assisting staff and records participation; zed (Z staff) reads as a participant; charlie
(B, not in the task) gets 404.
"""

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from agencies.models import Role
from inspections.drawing import draw_announce, draw_record_randomness, matching_announce
from inspections.models import Task, TaskParticipant, Visit
from inspections.services import task_claim, task_publish
from inspectors.models import Inspector
from tests.factories import DepartmentFactory, person
from tests.inspections.entities import registry
from tests.inspections.factories import item, make_task


def today() -> dt.date:
    """Today when the test runs, not when this module was imported: a run may cross midnight."""
    return timezone.localdate()


def tomorrow() -> dt.date:
    """Tomorrow when the test runs, not when this module was imported: a run may cross midnight."""
    return today() + dt.timedelta(days=1)


@dataclass
class Joint:
    task: Task
    visit: Visit
    alice: object
    dave: object
    chief: object
    zed: object
    charlie: object
    pools: dict


def pool(dept, n):
    return [
        Inspector.objects.create(department=dept, name=f"{dept.code}执法{i}", cert_no=f"{dept.code}-ZF-{i:04d}",
                                 id_number=f"37010119800101{i:04d}", phone=f"1380000{i:04d}")
        for i in range(n)
    ]


def build_joint(cast, capture) -> Joint:
    zjj = DepartmentFactory(code="Z", name="住建局")
    zed = person("zed", zjj, Role.STAFF)
    dave = person("dave", cast.dept_a, Role.INSPECTOR)
    chief = person("chief", cast.dept_a, Role.SECTION_CHIEF)
    registry(60)
    task = make_task(user=cast.alice, department=cast.dept_a, participants=[zjj], ratio_bp=1000, inspectors_per_entity=2,
                     items=[item(cast.dept_a, "A-001", "旅馆业治安管理情况的检查", methods=["on_site"],
                                 materials="营业执照\n旅客住宿登记簿")],
                     window_start=today() + dt.timedelta(days=7), window_end=today() + dt.timedelta(days=30),
                     deadline=today() + dt.timedelta(days=60))
    task_publish(task=task, user=cast.alice)
    task_claim(part=TaskParticipant.objects.get(task=task, department=zjj), user=zed,
               items=[item(zjj, "Z-001", "房屋使用安全的检查", methods=["on_site", "documents"])])
    pools = {"A": pool(cast.dept_a, 6), "Z": pool(zjj, 4)}
    draw = draw_announce(task=task, user=cast.alice)
    with capture(execute=True):
        draw_record_randomness(draw=draw, raw_values=["123", "45678"], user=cast.alice, today=tomorrow())
    match = matching_announce(task=task, user=cast.alice)
    with capture(execute=True):
        draw_record_randomness(draw=match, raw_values=["987", "65432"], user=cast.alice, today=tomorrow())
    task.refresh_from_db()
    assert task.status == "inspectors_matched"
    visit = Visit.objects.filter(visit_tasks__task=task).order_by("entity_id").first()
    return Joint(task, visit, cast.alice, dave, chief, zed, cast.charlie, pools)

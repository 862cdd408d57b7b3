"""A hotel task ready for result entry, with the people of the three-person tests.

- ``inspector``: drawn for the entity in the task's matching (may enter results)
- ``chief``: section chief of the department (may review)
- ``bob``: staff of the same department, not on the team (reads; may not enter or review)
- ``liaison``: the section's liaison (reads follow-ups and consequences; may not decide them)
- ``charlie``: another department (404 everywhere)
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from agencies.models import Department, Role
from inspections.drawing import entity_list_assign
from inspections.models import Draw, DrawAssignment, InspectionItem, Task, Visit
from inspections.services import task_publish, task_transition
from inspectors.models import Inspector
from tests.factories import DepartmentFactory, person
from tests.inspections.entities import code, registry
from tests.inspections.factories import item, make_task


@dataclass
class Hotel:
    department: Department
    other: Department
    task: Task
    visit: Visit
    items: list[InspectionItem]
    inspector: Any
    chief: Any
    bob: Any
    charlie: Any
    liaison: Any


def hotel_task(*, window_end: dt.date = dt.date(2026, 12, 20)) -> Hotel:
    dept = DepartmentFactory(code="GA", name="公安分局")
    other = DepartmentFactory(code="XF", name="消防救援大队")
    inspector = person("inspector", dept, Role.INSPECTOR)
    chief = person("chief", dept, Role.SECTION_CHIEF, Role.STAFF)
    bob = person("bob", dept, Role.STAFF)
    liaison = person("liaison", dept, Role.LIAISON)
    charlie = person("charlie", other, Role.STAFF, Role.SECTION_CHIEF, Role.DEPT_ADMIN)
    other_inspector = Inspector.objects.create(department=other, name="王五", cert_no="XF-001", user=charlie)
    me = Inspector.objects.create(department=dept, name="张三", cert_no="GA-001", user=inspector, id_number="370102199001011234", phone="13800000000")
    partner = Inspector.objects.create(department=dept, name="李四", cert_no="GA-002")
    registry(3)
    items = [item(dept, "GA-1", "旅馆业治安管理情况的检查", category="key"), item(dept, "GA-2", "旅馆业实名登记情况的检查")]
    task = make_task(user=chief, department=dept, items=items, draw_mode="assigned", title="2026年旅馆业联合抽查",
                     window_start=min(dt.date(2026, 12, 1), window_end - dt.timedelta(days=13)), window_end=window_end)
    task_publish(task=task, user=chief)
    entity_list_assign(task=task, user=chief, usccs=[code(0)], note="上级下发旅馆业名单")
    now = timezone.now()
    draw = Draw.objects.create(
        task=task, kind=Draw.Kind.INSPECTORS, iteration=1, status=Draw.Status.DONE, algorithm="test", created_by=chief,
        announced_at=now - dt.timedelta(hours=1), announcement={}, frame_hash_hex="0" * 64, frame_size=3, sources=[],
        randomness_at=now, done_at=now, selected_count=2,
    )
    for n, who in enumerate((me, partner)):
        DrawAssignment.objects.create(draw=draw, entity_id=code(0), department=dept, inspector=who, order_hex=f"{n:064x}", is_leader=n == 0)
    # Charlie is an inspector too, of another task's entity: never of this one.
    task_transition(task=task, action="record_matching", user=chief, reason="匹配完成")
    task.refresh_from_db()
    assert other_inspector.pk
    return Hotel(dept, other, task, Visit.objects.get(entity_id=code(0)), items, inspector, chief, bob, charlie, liaison)

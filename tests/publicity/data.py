"""Public data built through the real services: an item list, a plan, a task with a draw whose
evidence verifies, a published result, and (optionally) a secret task and private markers."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from agencies.models import Role
from core.models import PublicationRecord
from entities.models import Entity
from inspections.drawing import draw_announce, draw_record_randomness, matching_announce
from inspections.models import Notice, TeamMember, Visit
from inspections.results import result_approve, result_return, result_save, result_submit
from inspections.services import (
    item_list_publish,
    plan_batch_save,
    plan_file,
    plan_publish,
    plan_save,
    task_publish,
)
from inspectors.models import ConflictDeclaration, Inspector
from tests.factories import DepartmentFactory, person
from tests.inspections.entities import registry
from tests.inspections.factories import item as make_item
from tests.inspections.factories import make_task

NAME = "青禾餐饮管理有限公司"
MARK = "PRIVMARKQ7"


def tomorrow() -> dt.date:
    """Tomorrow when the test runs, not when this module was imported: a run may cross midnight."""
    return timezone.localdate() + dt.timedelta(days=1)


@dataclass
class PublicData:
    department: Any
    clerk: Any
    chief: Any
    task: Any
    draw: Any
    uscc: str
    result_record: PublicationRecord
    notice_token: str
    plan_code: str
    secret_task: Any = None
    secret_usccs: list[str] = field(default_factory=list)
    markers: list[str] = field(default_factory=list)


def _run(draw: Any, user: Any, capture: Any, values: tuple[str, ...]) -> Any:
    with capture(execute=True):
        draw_record_randomness(draw=draw, raw_values=list(values), user=user, today=tomorrow())
    draw.refresh_from_db()
    return draw


def build(capture: Any, *, secret: bool = False, private: bool = False) -> PublicData:
    """``capture`` is pytest-django's django_capture_on_commit_callbacks."""
    dept = DepartmentFactory(code="SCJG", name="市场监管局")
    office = DepartmentFactory(code="LXB", name="联席会议办公室")
    clerk = person("clerk", dept, Role.STAFF, Role.INSPECTOR, Role.DEPT_ADMIN)
    chief = person("chief", dept, Role.SECTION_CHIEF)
    registry(120, region="370113001")
    markers: list[str] = []
    if private:
        markers += _mark_people(clerk, chief)
    item = make_item(dept)
    item_list_publish(department=dept, user=clerk)
    plan = plan_save(department=dept, user=clerk, year=2026, title="2026年度双随机抽查工作计划",
                     note=f"{MARK}-plan-note" if private else "")
    plan_batch_save(plan=plan, title="第一批", items=[item], window_start=dt.date(2026, 12, 1),
                    window_end=dt.date(2026, 12, 20), ratio_bp=500)
    plan_file(plan=plan, user=clerk, filed_with=office)
    plan_publish(plan=plan, user=clerk)

    task = make_task(user=clerk, department=dept, items=[item], ratio_bp=500, title="食品经营者抽查",
                     filters={"regions": ["370113001"]})
    task_publish(task=task, user=clerk)
    draw = _run(draw_announce(task=task, user=clerk), clerk, capture, ("358", "04712"))
    uscc = draw.selections.order_by("rank").first().entity_id
    Entity.objects.filter(uscc=uscc).update(name=NAME)
    visit = Visit.objects.get(entity_id=uscc)
    token = f"NOTICE-{uscc[-6:]}-7Q2X"
    notice = Notice.objects.create(visit=visit, token=token, issued_by=clerk, proposed_dates=["2026-12-03"])
    if private:
        markers += _mark_inspection(task, clerk, capture, visit, notice, uscc)
    result = result_save(visit=visit, task=task, department=dept, item=item, user=clerk, client_token="t1",
                         data={"categories": ["no_problem"], "methods": ["on_site"], "inspected_on": dt.date(2026, 12, 3),
                               **({"findings": f"{MARK}-findings", "avoidance_on_site": f"{MARK}-avoid"} if private else {})})
    result_submit(result=result, user=clerk)
    if private:
        result_return(result=result, user=chief, opinion=f"{MARK}-return-opinion")
        result = result_save(visit=visit, task=task, department=dept, item=item, user=clerk, client_token="t2",
                             data={"categories": ["no_problem"], "methods": ["on_site"]})
        result_submit(result=result, user=clerk)
        markers += [f"{MARK}-return-opinion", f"{MARK}-approve-opinion", f"{MARK}-findings", f"{MARK}-avoid", token]
    with capture(execute=True):
        result_approve(result=result, user=chief, opinion=f"{MARK}-approve-opinion" if private else "")
    record = PublicationRecord.objects.get(kind="result")
    data = PublicData(department=dept, clerk=clerk, chief=chief, task=task, draw=draw, uscc=uscc, result_record=record,
                      notice_token=token, plan_code=plan.code, markers=markers)
    if secret:
        _secret_task(data, item, capture)
    return data


def _mark_people(clerk: Any, chief: Any) -> list[str]:
    for user in (clerk, chief):
        user.display_name = f"{MARK}-staff-{user.username}"
        user.save()
    Entity.objects.update(legal_rep=f"{MARK}-legalrep", address=f"{MARK}-address")
    return [f"{MARK}-staff-clerk", f"{MARK}-staff-chief", f"{MARK}-legalrep", f"{MARK}-address"]


def _mark_inspection(task: Any, clerk: Any, capture: Any, visit: Any, notice: Any, uscc: str) -> list[str]:
    """Inspectors (names, 执法证号, ID numbers, phones), their matching draw, a conflict, the team,
    and the notice's contact: all staff-side."""
    inspectors = [
        Inspector.objects.create(department=task.department, name=f"{MARK}-inspector-{i}", cert_no=f"{MARK}-CERT-{i}",
                                 id_number=f"37011319800101{i:03d}X", phone=f"1390000{i:04d}")
        for i in range(4)
    ]
    ConflictDeclaration.objects.create(inspector=inspectors[0], entity_id=uscc, ground="relative", note=f"{MARK}-conflict")
    match = matching_announce(task=task, user=clerk)
    _run(match, clerk, capture, ("111", "22222"))
    TeamMember.objects.create(visit=visit, inspector=inspectors[1], name=f"{MARK}-team-member", department=task.department)
    notice.entity_contact, notice.avoidance_request = f"{MARK}-entity-contact", f"{MARK}-avoidance-request"
    notice.save()
    return ([i.name for i in inspectors] + [i.cert_no for i in inspectors] + [i.id_number for i in inspectors]
            + [i.phone for i in inspectors] + [f"{MARK}-conflict", f"{MARK}-team-member", f"{MARK}-entity-contact",
                                               f"{MARK}-avoidance-request"])


def _secret_task(data: PublicData, item: Any, capture: Any) -> None:
    registry(40, start=5000, region="370113002")
    Entity.objects.filter(region_id="370113002").update(name=f"{MARK}秘密名单主体")
    task = make_task(user=data.clerk, department=data.department, items=[item], ratio_bp=1000, title="保密专项抽查",
                     secret=True, filters={"regions": ["370113002"]}, window_start=dt.date(2026, 11, 2),
                     window_end=dt.date(2026, 11, 20), deadline=dt.date(2026, 11, 30))
    task_publish(task=task, user=data.clerk)
    draw = _run(draw_announce(task=task, user=data.clerk), data.clerk, capture, ("123", "45678"))
    data.secret_task = task
    data.secret_usccs = list(draw.selections.values_list("entity_id", flat=True))
    data.markers.append(f"{MARK}秘密名单主体")

"""The discipline view lists redraws, redraw requests, substitutions and people added outside the
draw, each with its reason; the office and discipline read it, nobody else."""

import datetime as dt

import pytest
from django.utils import timezone

from agencies.models import Department, Role
from inspections.models import Draw, DrawAssignment, RedrawRequest, Substitution, Task, TeamMember, Visit
from inspectors.models import Inspector
from tests.factories import DepartmentFactory, person
from tests.inspections.entities import code, registry

pytestmark = pytest.mark.django_db


def _draw(task, user, iteration, **kw):
    now = timezone.now()
    return Draw.objects.create(task=task, iteration=iteration, status="done", algorithm="t", created_by=user, announced_at=now,
                               announcement={}, frame_hash_hex="0" * 64, frame_size=1, sources=[], done_at=now, **kw)


def test_discipline_sees_every_change_with_its_reason(client, cast) -> None:
    registry(1)
    clerk = cast.alice
    task = Task.objects.create(code="A-2026-009", title="抽查", department=cast.dept_a, year=2026, status="inspecting",
                               window_start=dt.date(2026, 9, 1), window_end=dt.date(2026, 9, 30), deadline=dt.date(2026, 10, 31), created_by=clerk)
    first = _draw(task, clerk, 1, kind="entities")
    redraw = _draw(task, clerk, 2, kind="entities", supersedes=first, reason="名录库导入有误，重新抽取", approved_by=clerk)
    RedrawRequest.objects.create(draw=redraw, reason="抽中主体已注销", requested_by=clerk, status="rejected", decision_note="注销主体已自动排除")
    matching = _draw(task, clerk, 3, kind="inspectors")
    old, new = (Inspector.objects.create(department=cast.dept_a, name=n, cert_no=n) for n in ("甲执法员", "乙执法员"))
    assignment = DrawAssignment.objects.create(draw=matching, entity_id=code(0), department=cast.dept_a, inspector=old, order_hex="00")
    Substitution.objects.create(assignment=assignment, new_inspector=new, reason="甲执法员申报回避", approved_by=clerk)
    visit = Visit.objects.create(entity_id=code(0), window_start=task.window_start, window_end=task.window_end)
    TeamMember.objects.create(visit=visit, kind="expert", name="特种设备专家", reason="事项需要专家参与", added_by=clerk)
    discipline = person("discipline", DepartmentFactory(code="JJZ", kind=Department.Kind.DISCIPLINE), Role.DISCIPLINE)
    client.force_login(discipline)
    page = client.get("/oversight/discipline/changes/").content.decode()
    for reason in ("名录库导入有误，重新抽取", "抽中主体已注销", "注销主体已自动排除", "甲执法员申报回避", "乙执法员", "事项需要专家参与", "特种设备专家"):
        assert reason in page, reason
    for user in (cast.alice, cast.bob, cast.charlie):
        client.force_login(user)
        assert client.get("/oversight/discipline/changes/").status_code == 404

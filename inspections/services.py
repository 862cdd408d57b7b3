"""Writes for items, plans and tasks. Every state change is checked here, first."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from agencies.models import Department, Role
from agencies.selectors import users_with_roles
from core.services import feed_post, publication_write
from inspections import statemachine
from inspections.models import (
    InspectionItem,
    ParticipantStatus,
    Task,
    TaskCounter,
    TaskItem,
    TaskParticipant,
    TaskStatus,
    TaskTransition,
)


class TaskError(Exception):
    """A refused action; the message is for the person who asked."""


def _notify(department: Department, *, title: str, body: str = "", url: str = "", kind: str = "task") -> None:
    people = users_with_roles(department=department, roles={Role.STAFF, Role.DEPT_ADMIN, Role.LIAISON, Role.SECTION_CHIEF})
    feed_post(recipients=people, title=title, body=body, url=url, kind=kind, department=department)


# --- The state machine ----------------------------------------------------------------------
@transaction.atomic
def task_transition(*, task: Task, action: str, user: Any = None, reason: str = "") -> Task:
    if action not in statemachine.TRANSITIONS:
        raise TaskError(_("未知操作：%(action)s") % {"action": action})
    source, target, _label = statemachine.TRANSITIONS[action]
    current = Task.objects.filter(pk=task.pk).values_list("status", flat=True).first()
    if current != source:
        raise TaskError(
            _("任务当前状态为“%(current)s”，不能执行“%(action)s”。")
            % {"current": TaskStatus(current or TaskStatus.DRAFT).label, "action": _label}
        )
    if message := statemachine.refusal(action, task):
        raise TaskError(message)
    # Conditional UPDATE: of two simultaneous requests, only one moves the task.
    if not Task.objects.filter(pk=task.pk, status=source).update(status=target, updated_at=timezone.now()):
        raise TaskError(_("任务状态已被他人更改，请刷新后重试。"))
    TaskTransition.objects.create(task=task, action=action, from_status=source, to_status=target, actor=user, reason=reason)
    task.status = target
    statemachine.run_after(action, task)
    return task


# --- Tasks ----------------------------------------------------------------------------------
def _next_code(department: Department, year: int) -> str:
    counter, _ = TaskCounter.objects.select_for_update().get_or_create(department=department, year=year)
    TaskCounter.objects.filter(pk=counter.pk).update(last=F("last") + 1)
    counter.refresh_from_db()
    return f"{department.code}-{year}-{counter.last:04d}"


@transaction.atomic
def task_create(
    *,
    user: Any,
    department: Department,
    items: Iterable[InspectionItem],
    participants: Iterable[Department] = (),
    **fields: Any,
) -> Task:
    items = list(items)
    if not items:
        raise TaskError(_("请至少选择一个抽查事项。"))
    if any(item.department_id != department.pk for item in items):
        raise TaskError(_("只能选择本部门清单中的抽查事项。"))
    participants = [d for d in participants if d.pk != department.pk]
    year = fields.pop("year", None) or fields["window_start"].year
    task = Task.objects.create(
        code=_next_code(department, year),
        department=department,
        year=year,
        created_by=user,
        scope=Task.Scope.JOINT if participants else Task.Scope.SINGLE,
        **fields,
    )
    TaskParticipant.objects.create(task=task, department=department, status=ParticipantStatus.INITIATOR)
    TaskParticipant.objects.bulk_create([TaskParticipant(task=task, department=d) for d in participants])
    TaskItem.objects.bulk_create([TaskItem(task=task, department=department, item=i) for i in items])
    return task


def task_announcement(task: Task) -> dict[str, Any]:
    """The public field set of a task announcement (no people, no internal notes)."""
    parts = task.participants.select_related("department").exclude(status=ParticipantStatus.DECLINED)
    return {
        "code": task.code,
        "title": task.title,
        "type": task.get_scope_display(),
        "departments": [p.department.name for p in parts],
        "items": sorted({ti.item.name for ti in task.task_items.select_related("item")}),
        "draw_mode": task.get_draw_mode_display(),
        "window": [task.window_start.isoformat(), task.window_end.isoformat()],
        "secret": task.secret,
    }


@transaction.atomic
def task_publish(*, task: Task, user: Any) -> Task:
    task = task_transition(task=task, action="publish", user=user)
    publication_write(
        kind="task",
        public_id=f"task:{task.code}",
        payload=task_announcement(task),
        department_code=task.department.code,
        year=task.year,
    )
    invited = TaskParticipant.objects.filter(task=task, status=ParticipantStatus.INVITED).select_related("department")
    for part in invited:
        _notify(
            part.department,
            title=_("认领邀请：%(title)s") % {"title": task.title},
            body=_("%(dept)s 发起联合抽查任务 %(code)s，请在 %(deadline)s 前认领。")
            % {"dept": task.department.name, "code": task.code, "deadline": task.claim_deadline or task.window_start},
            url=f"/tasks/{task.pk}/",
        )
    if not invited.exists():
        _advance_when_claims_complete(task=task, user=user)
    return task


def _advance_when_claims_complete(*, task: Task, user: Any) -> None:
    if TaskParticipant.objects.filter(task=task, status=ParticipantStatus.INVITED).exists():
        return
    task_transition(task=task, action="complete_claims", user=user, reason=_("所有参与部门均已答复"))
    task_transition(task=task, action="mark_ready", user=None, reason=_("认领完毕，自动进入待抽取"))
    _notify(task.department, title=_("认领完毕：%(title)s 已进入待抽取") % {"title": task.title}, url=f"/tasks/{task.pk}/")


def _respond(*, part: TaskParticipant, user: Any, status: str, **fields: Any) -> TaskParticipant:
    task = Task.objects.select_for_update().get(pk=part.task_id)
    if task.status != TaskStatus.PUBLISHED:
        raise TaskError(_("任务当前不在认领阶段。"))
    if task.claim_deadline and timezone.localdate() > task.claim_deadline:
        raise TaskError(_("认领已于 %(date)s 截止。") % {"date": task.claim_deadline})
    # Conditional UPDATE with a row count: of two people claiming at once, exactly one succeeds.
    updated = TaskParticipant.objects.filter(pk=part.pk, status=ParticipantStatus.INVITED).update(
        status=status, responded_by=user, responded_at=timezone.now(), **fields
    )
    if not updated:
        raise TaskError(_("本部门已认领或已答复该任务，无需重复操作。"))
    part.refresh_from_db()
    return part


@transaction.atomic
def task_claim(
    *, part: TaskParticipant, user: Any, items: Iterable[InspectionItem], inspectors_per_entity: int = 1
) -> TaskParticipant:
    items = list(items)
    if not items or any(i.department_id != part.department_id for i in items):
        raise TaskError(_("请从本部门清单中选择至少一个抽查事项。"))
    if inspectors_per_entity < 1:
        raise TaskError(_("每户至少派出 1 名执法人员。"))
    part = _respond(part=part, user=user, status=ParticipantStatus.CLAIMED, inspectors_per_entity=inspectors_per_entity)
    try:
        TaskItem.objects.bulk_create([TaskItem(task_id=part.task_id, department=part.department, item=i) for i in items])
    except IntegrityError as exc:
        raise TaskError(_("所选事项已在任务中。")) from exc
    task = part.task
    _notify(task.department, title=_("%(dept)s 已认领：%(title)s") % {"dept": part.department.name, "title": task.title}, url=f"/tasks/{task.pk}/")
    _advance_when_claims_complete(task=task, user=user)
    return part


@transaction.atomic
def task_decline(*, part: TaskParticipant, user: Any, reason: str) -> TaskParticipant:
    if not reason.strip():
        raise TaskError(_("拒绝认领须说明理由。"))
    part = _respond(part=part, user=user, status=ParticipantStatus.DECLINED, decline_reason=reason.strip()[:300])
    task = part.task
    _notify(task.department, title=_("%(dept)s 拒绝认领：%(title)s") % {"dept": part.department.name, "title": task.title},
            body=reason, url=f"/tasks/{task.pk}/")
    _advance_when_claims_complete(task=task, user=user)
    return part


def overdue_claims(*, today: dt.date | None = None) -> list[TaskParticipant]:
    today = today or timezone.localdate()
    return list(
        TaskParticipant.objects.filter(
            status=ParticipantStatus.INVITED, task__status=TaskStatus.PUBLISHED, task__claim_deadline__lt=today
        ).select_related("task", "department")
    )

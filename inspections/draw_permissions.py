"""The door to draws. "Missing" and "not yours" both answer 404.

Read: people of the task's departments (initiator and invited) and oversight (office,
discipline); matching draws (kind "inspectors") have the same audience, which is staff-side
only since the public never reads through these doors.
Write (announce, randomness, entity list, substitution, redraw request): staff and admins of the
initiating department. Private strata's real keys and the evidence bundles: the task
departments' staff (not inspector-only colleagues) and oversight.
Redraw requests are decided by a section chief of the initiating department or the office.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404

from agencies.models import Role
from agencies.selectors import department_ids, sees_all_departments
from inspections.drawing import may_approve_redraw
from inspections.models import Draw, RedrawRequest, Task
from inspections.permissions import task_department_ids

WRITER_ROLES = {Role.STAFF, Role.DEPT_ADMIN}
STAFF_ROLES = {Role.STAFF, Role.SECTION_CHIEF, Role.LIAISON, Role.DEPT_ADMIN}


def _authenticated(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False))


def may_write_task(user: Any, task: Task) -> bool:
    return _authenticated(user) and task.department_id in department_ids(user, roles=WRITER_ROLES)


def may_read_task(user: Any, task: Task) -> bool:
    if not _authenticated(user):
        return False
    return bool(department_ids(user) & task_department_ids(task)) or sees_all_departments(user)


def sees_private(user: Any, task: Task) -> bool:
    """Real stratum keys (credit-risk classes) and the full bundles."""
    if not _authenticated(user):
        return False
    return bool(department_ids(user, roles=STAFF_ROLES) & task_department_ids(task)) or sees_all_departments(user)


def access_draw_task(*, user: Any, pk: int, write: bool = False) -> Task:
    """A task, seen from its draw pages."""
    task = Task.objects.select_related("department").filter(pk=pk).first()
    if task is None:
        raise Http404
    allowed = may_write_task(user, task) if write else may_read_task(user, task)
    if not allowed:
        raise Http404
    return task


def access_draw(*, user: Any, pk: int, write: bool = False) -> Draw:
    draw = Draw.objects.select_related("task", "task__department").filter(pk=pk).first()
    if draw is None:
        raise Http404
    allowed = may_write_task(user, draw.task) if write else may_read_task(user, draw.task)
    if not allowed:
        raise Http404
    return draw


def access_draw_evidence(*, user: Any, pk: int) -> Draw:
    draw = access_draw(user=user, pk=pk)
    if not sees_private(user, draw.task):
        raise Http404
    return draw


def access_redraw_request(*, user: Any, pk: int) -> RedrawRequest:
    """For the person who decides it: a section chief of the department, or the office."""
    request = RedrawRequest.objects.select_related("draw", "draw__task", "draw__task__department").filter(pk=pk).first()
    if request is None or not _authenticated(user):
        raise Http404
    if not may_approve_redraw(user, request.draw.task):
        raise Http404
    return request

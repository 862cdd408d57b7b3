"""One door per object kind. "Missing" and "not yours" both answer 404.

Items, plans and campaigns: read by the department's people and oversight; written by the
department's staff and admin. Published items and plans are also public, but the public reads
them from publication records, never through these doors.
Tasks: read by people of the initiating department and of every invited department, and by
oversight; a department that was not invited does not see the task at all. Initiator actions
(edit, publish, confirm) by staff/admin of the initiating department; a claim or decline by
staff/admin of the invited department.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404

from agencies.models import Role
from agencies.selectors import department_ids, sees_all_departments
from inspections.models import AnnualPlan, Campaign, InspectionItem, Task, TaskParticipant

WRITER_ROLES = {Role.STAFF, Role.DEPT_ADMIN}


def _authenticated(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False))


def _may(user: Any, department_id: int, write: bool) -> bool:
    if not _authenticated(user):
        return False
    if write:
        return department_id in department_ids(user, roles=WRITER_ROLES)
    return department_id in department_ids(user) or sees_all_departments(user)


def access_item(*, user: Any, pk: int, write: bool = False) -> InspectionItem:
    item = InspectionItem.objects.select_related("department").filter(pk=pk).first()
    if item is None or not _may(user, item.department_id, write):
        raise Http404
    return item


def access_plan(*, user: Any, pk: int, write: bool = False) -> AnnualPlan:
    """Also read by the authority the plan is filed with (备案机关)."""
    plan = AnnualPlan.objects.select_related("department").filter(pk=pk).first()
    if plan is None:
        raise Http404
    filed_here = not write and plan.filed_with_id in department_ids(user, roles={Role.SUPERIOR})
    if not (filed_here or _may(user, plan.department_id, write)):
        raise Http404
    return plan


def access_campaign(*, user: Any, pk: int, write: bool = False) -> Campaign:
    campaign = Campaign.objects.select_related("lead").filter(pk=pk).first()
    if campaign is None:
        raise Http404
    if write and not _may(user, campaign.lead_id, True):
        raise Http404
    member_ids = set(campaign.departments.values_list("id", flat=True)) | {campaign.lead_id}
    if not write and not (department_ids(user) & member_ids or sees_all_departments(user)):
        raise Http404
    return campaign


def task_department_ids(task: Task) -> set[int]:
    return set(task.participants.values_list("department_id", flat=True)) | {task.department_id}


def access_task(*, user: Any, pk: int, write: bool = False) -> Task:
    """Read: initiator, invited departments, oversight. Write: the initiating department's staff."""
    task = Task.objects.select_related("department").filter(pk=pk).first()
    if task is None or not _authenticated(user):
        raise Http404
    if write:
        if task.department_id not in department_ids(user, roles=WRITER_ROLES):
            raise Http404
        return task
    if sees_all_departments(user):
        return task
    mine = department_ids(user)
    if task.status == "draft":
        # A draft is the initiator's own until it is published: invitations are not out yet.
        if task.department_id not in mine:
            raise Http404
        return task
    if not mine & task_department_ids(task):
        raise Http404
    return task


def access_participation(*, user: Any, task_pk: int, write: bool = False) -> TaskParticipant:
    """A department's part of a task, for the person acting for that department."""
    mine = department_ids(user, roles=WRITER_ROLES if write else None)
    part = (
        TaskParticipant.objects.select_related("task", "department")
        .filter(task_id=task_pk, department_id__in=mine)
        .exclude(status="initiator")
        .first()
    )
    if part is None:
        raise Http404
    return part

"""Doors to visits, teams, notices (staff side), trainings and follow-up visits. "Missing" and
"not yours" both answer 404.

Visits (and their team, notice and dates): read by the people of every department of the tasks
the visit joins, and by oversight. Organised (team built, notice issued, delivery and dates
recorded) by staff and admins of an initiating department of those tasks. A section chief of any
of those departments records their own participation and may add assisting staff, experts and
third-party institutions to the team, as may the organisers.
Trainings: read by the organising department's people and oversight; written by its staff/admin.
Follow-up visits: read like the task; recorded by staff/admin of the task's departments, each for
its own department.
The entity's side (the notice's token page) uses no door: the token is the key.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404

from agencies.models import Department, Role
from agencies.selectors import department_ids, sees_all_departments
from inspections.models import Task, TeamMember, TrainingSession, Visit
from inspections.permissions import access_task

WRITER_ROLES = {Role.STAFF, Role.DEPT_ADMIN}


def _authenticated(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False))


def visit_department_ids(visit: Visit) -> set[int]:
    tasks = Task.objects.filter(visits=visit)
    initiators = set(tasks.values_list("department_id", flat=True))
    joined = set(tasks.exclude(participants__status="declined").values_list("participants__department_id", flat=True))
    return initiators | {d for d in joined if d is not None}


def organiser_ids(visit: Visit) -> set[int]:
    return set(Task.objects.filter(visits=visit).values_list("department_id", flat=True))


def may_organise(user: Any, visit: Visit) -> bool:
    return _authenticated(user) and bool(department_ids(user, roles=WRITER_ROLES) & organiser_ids(visit))


def chief_departments(user: Any, visit: Visit) -> list[Department]:
    mine = department_ids(user, roles={Role.SECTION_CHIEF}) & visit_department_ids(visit) if _authenticated(user) else set()
    return list(Department.objects.filter(pk__in=mine).order_by("code"))


def may_staff_team(user: Any, visit: Visit) -> bool:
    return may_organise(user, visit) or bool(chief_departments(user, visit))


def access_visit(*, user: Any, pk: int, write: bool = False, team: bool = False) -> Visit:
    """``write``: the organisers. ``team``: organisers and section chiefs of the visit's departments."""
    visit = Visit.objects.select_related("entity").filter(pk=pk).first()
    if visit is None or not _authenticated(user):
        raise Http404
    if write and not may_organise(user, visit):
        raise Http404
    if team and not may_staff_team(user, visit):
        raise Http404
    if not (department_ids(user) & visit_department_ids(visit) or sees_all_departments(user)):
        raise Http404
    return visit


def access_team_member(*, user: Any, pk: int, write: bool = False, team: bool = False) -> TeamMember:
    member = TeamMember.objects.select_related("visit", "inspector").filter(pk=pk).first()
    if member is None:
        raise Http404
    access_visit(user=user, pk=member.visit_id, write=write, team=team)
    return member


def access_training(*, user: Any, pk: int, write: bool = False) -> TrainingSession:
    session = TrainingSession.objects.select_related("department", "task").filter(pk=pk).first()
    if session is None or not _authenticated(user):
        raise Http404
    allowed = department_ids(user, roles=WRITER_ROLES if write else None)
    if session.department_id not in allowed and (write or not sees_all_departments(user)):
        raise Http404
    return session


def access_feedback_task(*, user: Any, pk: int, write: bool = False) -> tuple[Task, list[Department]]:
    """The task, and the departments for which this person records follow-up visits."""
    task = access_task(user=user, pk=pk)
    ids = department_ids(user, roles=WRITER_ROLES) & (
        set(task.participants.exclude(status="declined").values_list("department_id", flat=True)) | {task.department_id}
    )
    if write and not ids:
        raise Http404
    return task, list(Department.objects.filter(pk__in=ids).order_by("code"))

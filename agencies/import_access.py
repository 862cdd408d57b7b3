"""Who may start, read and act on imports (core's ImportJob: core knows no roles).

Start: staff or dept_admin, into one of their own departments.
Read: people of the job's department (any department role) and the oversight roles.
Write (confirm, cancel): the job's creator while still staff/admin there, or the department's admin.
Anyone else gets 404, as if the job did not exist.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from agencies.models import Department, Role
from agencies.permissions import can_read_department
from agencies.selectors import department_ids, sees_all_departments
from core.models import ImportJob

IMPORT_ROLES: set[str] = {Role.STAFF, Role.DEPT_ADMIN}
ADMIN_ROLES: set[str] = {Role.DEPT_ADMIN}


def import_departments(user: Any) -> QuerySet[Department]:
    """Departments this person may import into."""
    if not getattr(user, "is_authenticated", False):
        return Department.objects.none()
    return Department.objects.filter(pk__in=department_ids(user, roles=IMPORT_ROLES), is_active=True)


def can_act_on_import_job(user: Any, job: ImportJob) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    if job.department_id in department_ids(user, roles=ADMIN_ROLES):
        return True
    if job.created_by_id != user.pk:
        return False
    return job.department_id in department_ids(user, roles=IMPORT_ROLES)


def access_import_job(*, user: Any, pk: int, write: bool = False) -> ImportJob:
    job = ImportJob.objects.select_related("department", "created_by").filter(pk=pk).first()
    if job is None:
        raise Http404
    if not can_read_department(user, job.department_id):
        raise Http404
    if write and not can_act_on_import_job(user, job):
        raise Http404
    return job


def import_job_list_for_user(*, user: Any) -> QuerySet[ImportJob]:
    qs = ImportJob.objects.select_related("department", "created_by").order_by("-id")
    if sees_all_departments(user):
        return qs
    return qs.filter(department_id__in=department_ids(user))

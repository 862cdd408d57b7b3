"""One door per object kind. "Missing" and "not yours" both answer 404.

Read: people of the department, and the oversight roles (joint-meeting office, discipline).
Write: the department's admin. Discipline never writes; the assessor sees no department data.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404

from agencies.models import Department, Membership, Role, Section
from agencies.selectors import department_ids, sees_all_departments


def can_read_department(user: Any, department_id: int) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    if department_id in department_ids(user):
        return True
    return sees_all_departments(user)


def can_write_department(user: Any, department_id: int) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    return department_id in department_ids(user, roles={Role.DEPT_ADMIN})


def _check(user: Any, department_id: int, write: bool) -> None:
    allowed = can_write_department(user, department_id) if write else can_read_department(user, department_id)
    if not allowed:
        raise Http404


def access_department(*, user: Any, pk: int, write: bool = False) -> Department:
    department = Department.objects.filter(pk=pk, is_active=True).first()
    if department is None:
        raise Http404
    _check(user, department.pk, write)
    return department


def access_section(*, user: Any, pk: int, write: bool = False) -> Section:
    section = Section.objects.select_related("department").filter(pk=pk).first()
    if section is None:
        raise Http404
    _check(user, section.department_id, write)
    return section


def access_membership(*, user: Any, pk: int, write: bool = False) -> Membership:
    membership = Membership.objects.select_related("department", "user", "section").filter(pk=pk).first()
    if membership is None:
        raise Http404
    _check(user, membership.department_id, write)
    return membership

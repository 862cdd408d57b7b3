"""One door per object kind for the inspector directory. "Missing" and "not yours" both answer 404.

Who sees what
-------------
Inspectors (执法检查人员)
    Read: people of the inspector's department (any department role, the inspector role too)
    and the oversight roles (joint-meeting office, discipline). The assessor and the superior
    authority see no inspector: 404.
    Write (section, fields, expert, active flag, leave periods): the department's dept_admin.

Personal data (身份证号, 手机号)
    Unmasked only to
      - the dept_admin of the inspector's department,
      - a section chief of the inspector's own section (a chief of another section, or of an
        inspector without a section, sees the mask),
      - the inspector themself (the account linked to the Inspector row).
    Everyone else who may read the inspector sees the mask (138****5678, 3701**********1234):
    colleagues, liaisons, other sections' chiefs, office, discipline. Pages that are not
    behind a login never show personal data in any form; the public site reads publication
    records only.

Conflict declarations (回避申报)
    Declare: the inspector themself, or the staff / dept_admin of the inspector's department.
    Decide (approve / reject a pending one): a section chief of the inspector's section or the
    department's dept_admin, never the declaring inspector themself.
    Read: people of the department, office and discipline. Never public.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import Http404

from agencies.models import Role
from agencies.selectors import department_ids, memberships_of, sees_all_departments
from inspectors.masking import mask_id_number, mask_phone
from inspectors.models import ConflictDeclaration, Inspector, Leave


def _authenticated(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False))


def can_read_inspectors_of(user: Any, department_id: int) -> bool:
    if not _authenticated(user):
        return False
    if department_id in department_ids(user):
        return True
    return sees_all_departments(user)


def can_read_inspector_directory(user: Any) -> bool:
    """Anyone who reads at least one department's inspectors may open the list."""
    if not _authenticated(user):
        return False
    return bool(department_ids(user)) or sees_all_departments(user)


def is_dept_admin(user: Any, department_id: int) -> bool:
    if not _authenticated(user):
        return False
    return department_id in department_ids(user, roles={Role.DEPT_ADMIN})


def is_section_chief_of(user: Any, inspector: Inspector) -> bool:
    if not _authenticated(user) or inspector.section_id is None:
        return False
    for m in memberships_of(user):
        if m.role != Role.SECTION_CHIEF:
            continue
        if m.department_id == inspector.department_id and m.section_id == inspector.section_id:
            return True
    return False


def is_the_inspector(user: Any, inspector: Inspector) -> bool:
    if not _authenticated(user) or inspector.user_id is None:
        return False
    return bool(inspector.user_id == user.pk)


def can_see_personal_data(user: Any, inspector: Inspector) -> bool:
    if is_the_inspector(user, inspector):
        return True
    if is_dept_admin(user, inspector.department_id):
        return True
    return is_section_chief_of(user, inspector)


@dataclass(frozen=True)
class PersonalData:
    id_number: str
    phone: str
    unmasked: bool


def personal_data(*, user: Any, inspector: Inspector) -> PersonalData:
    """What this person may see of the inspector's ID number and phone; templates get only this."""
    if can_see_personal_data(user, inspector):
        return PersonalData(inspector.id_number, inspector.phone, True)
    return PersonalData(mask_id_number(inspector.id_number), mask_phone(inspector.phone), False)


def can_declare_conflict(user: Any, inspector: Inspector) -> bool:
    if is_the_inspector(user, inspector):
        return True
    return inspector.department_id in department_ids(user, roles={Role.STAFF, Role.DEPT_ADMIN})


def can_decide_conflict(user: Any, inspector: Inspector) -> bool:
    if is_the_inspector(user, inspector):
        return False
    if is_dept_admin(user, inspector.department_id):
        return True
    return is_section_chief_of(user, inspector)


def access_inspector(*, user: Any, pk: int, write: bool = False) -> Inspector:
    inspector = Inspector.objects.select_related("department", "section", "user", "expert_field").filter(pk=pk).first()
    if inspector is None:
        raise Http404
    if not can_read_inspectors_of(user, inspector.department_id):
        raise Http404
    if write and not is_dept_admin(user, inspector.department_id):
        raise Http404
    return inspector


def access_leave(*, user: Any, pk: int, write: bool = False) -> Leave:
    leave = Leave.objects.select_related("inspector").filter(pk=pk).first()
    if leave is None:
        raise Http404
    access_inspector(user=user, pk=leave.inspector_id, write=write)
    return leave


def access_conflict(*, user: Any, pk: int, write: bool = False) -> ConflictDeclaration:
    """``write`` means deciding: the inspector's section chief or the dept_admin."""
    conflict = (
        ConflictDeclaration.objects.select_related("inspector", "inspector__department", "inspector__section")
        .filter(pk=pk)
        .first()
    )
    if conflict is None:
        raise Http404
    if not can_read_inspectors_of(user, conflict.inspector.department_id):
        raise Http404
    if write and not can_decide_conflict(user, conflict.inspector):
        raise Http404
    return conflict

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from agencies.models import Department, Membership, Role, Section


@transaction.atomic
def section_save(*, department: Department, code: str, name: str, kind: str, area: str = "", section: Section | None = None) -> Section:
    code = code.strip()
    clash = Section.objects.filter(department=department, code=code)
    if section is not None:
        clash = clash.exclude(pk=section.pk)
    if clash.exists():
        raise ValidationError(_("本部门已有代码为 %(code)s 的科室/所。") % {"code": code})
    section = section or Section(department=department)
    section.code, section.name, section.kind, section.area = code, name.strip(), kind, area.strip()
    section.save()
    return section


@transaction.atomic
def membership_grant(*, user: Any, department: Department, role: str, section: Section | None = None) -> Membership:
    if section is not None and section.department_id != department.pk:
        raise ValidationError(_("科室/所不属于该部门。"))
    if role not in Role.values:
        raise ValidationError(_("未知角色。"))
    membership, _created = Membership.objects.update_or_create(
        user=user, department=department, role=role, defaults={"section": section, "is_active": True}
    )
    return membership


@transaction.atomic
def membership_revoke(*, membership: Membership) -> Membership:
    membership.is_active = False
    membership.save(update_fields=["is_active"])
    return membership

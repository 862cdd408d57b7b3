"""Writes to the inspector directory. Callers check access first (``inspectors.permissions``);
these check the state. Every change is recorded in the audit chain by the model signals."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from agencies.models import Section
from entities.selectors import entity_detail
from inspectors.models import ConflictDeclaration, Field, Inspector, Leave


@transaction.atomic
def inspector_update(
    *,
    inspector: Inspector,
    section: Section | None,
    fields: list[Field],
    is_expert: bool,
    expert_field: Field | None,
    home_area: str,
    cert_valid_until: dt.date | None,
    is_active: bool,
) -> Inspector:
    if section is not None and section.department_id != inspector.department_id:
        raise ValidationError({"section": _("科室/所不属于该执法人员所在部门。")})
    if expert_field is not None and not is_expert:
        raise ValidationError({"expert_field": _("只有专家才能填写专家领域。")})
    inspector.section = section
    inspector.is_expert = is_expert
    inspector.expert_field = expert_field
    inspector.home_area = home_area
    inspector.cert_valid_until = cert_valid_until
    inspector.is_active = is_active
    inspector.save()
    inspector.fields.set(fields)
    return inspector


@transaction.atomic
def leave_add(*, inspector: Inspector, start: dt.date, end: dt.date, reason: str = "") -> Leave:
    if end < start:
        raise ValidationError({"end": _("结束日期不能早于开始日期。")})
    return Leave.objects.create(inspector=inspector, start=start, end=end, reason=reason)


@transaction.atomic
def leave_remove(*, leave: Leave) -> None:
    leave.delete()


@transaction.atomic
def conflict_declare(*, inspector: Inspector, uscc: str, ground: str, note: str = "") -> ConflictDeclaration:
    """A new declaration is pending; declaring again after a rejection reopens it."""
    uscc = uscc.strip().upper()
    if entity_detail(uscc=uscc) is None:
        raise ValidationError({"uscc": _("主体库中没有这个统一社会信用代码。")})
    existing = ConflictDeclaration.objects.select_for_update().filter(inspector=inspector, entity_id=uscc).first()
    if existing is not None:
        if existing.status != ConflictDeclaration.Status.REJECTED:
            raise ValidationError({"uscc": _("已申报过对该主体的回避。")})
        existing.ground, existing.note = ground, note
        existing.status = ConflictDeclaration.Status.PENDING
        existing.decided_by, existing.decided_at = None, None
        existing.save()
        return existing
    try:
        with transaction.atomic():
            return ConflictDeclaration.objects.create(inspector=inspector, entity_id=uscc, ground=ground, note=note)
    except IntegrityError as exc:  # a concurrent declaration of the same pair
        raise ValidationError({"uscc": _("已申报过对该主体的回避。")}) from exc


@transaction.atomic
def conflict_decide(*, conflict: ConflictDeclaration, approve: bool, by: Any, now: dt.datetime) -> ConflictDeclaration:
    # The row lock keeps two approvers from deciding the same declaration twice.
    locked = ConflictDeclaration.objects.select_for_update().get(pk=conflict.pk)
    if locked.status != ConflictDeclaration.Status.PENDING:
        raise ValidationError(_("该申报已处理。"))
    if locked.inspector.user_id is not None and locked.inspector.user_id == by.pk:
        raise ValidationError(_("不能审批本人的回避申报。"))
    locked.status = ConflictDeclaration.Status.APPROVED if approve else ConflictDeclaration.Status.REJECTED
    locked.decided_by, locked.decided_at = by, now
    locked.save()
    return locked

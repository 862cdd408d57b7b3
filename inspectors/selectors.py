"""Reads of the inspector directory: lists scoped to what a person may read, keyset pages on id."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet

from agencies.models import Department, Section
from agencies.selectors import department_ids, sees_all_departments
from entities.selectors import entity_names
from inspectors.models import ConflictDeclaration, Field, Inspector, Leave

PAGE_SIZE = 50


@dataclass(frozen=True)
class InspectorFilters:
    q: str = ""
    department: int | None = None
    section: int | None = None
    field: str = ""
    active: bool | None = None
    on_leave: bool | None = None


def _readable_departments(user: Any) -> Q:
    if sees_all_departments(user):
        return Q()
    return Q(department_id__in=department_ids(user))


def departments_for_user(*, user: Any) -> QuerySet[Department]:
    qs = Department.objects.filter(is_active=True, kind=Department.Kind.REGULATOR)
    if sees_all_departments(user):
        return qs
    return qs.filter(pk__in=department_ids(user))


def sections_for_user(*, user: Any) -> QuerySet[Section]:
    qs = Section.objects.select_related("department")
    if sees_all_departments(user):
        return qs
    return qs.filter(department_id__in=department_ids(user))


def field_list() -> QuerySet[Field]:
    return Field.objects.all()


def on_leave_q(*, today: dt.date) -> Exists:
    return Exists(Leave.objects.filter(inspector_id=OuterRef("pk"), start__lte=today, end__gte=today))


def inspector_queryset(*, user: Any, filters: InspectorFilters, today: dt.date) -> QuerySet[Inspector]:
    qs = Inspector.objects.filter(_readable_departments(user))
    if filters.q:
        q = filters.q.strip()
        qs = qs.filter(Q(name__contains=q) | Q(cert_no__icontains=q))
    if filters.department:
        qs = qs.filter(department_id=filters.department)
    if filters.section:
        qs = qs.filter(section_id=filters.section)
    if filters.field:
        qs = qs.filter(fields__code=filters.field)
    if filters.active is not None:
        qs = qs.filter(is_active=filters.active)
    if filters.on_leave is not None:
        leave = on_leave_q(today=today)
        qs = qs.filter(leave if filters.on_leave else ~leave)
    return qs.annotate(on_leave_today=on_leave_q(today=today))


def inspector_page(
    *, user: Any, filters: InspectorFilters, today: dt.date, after: int = 0, before: int = 0, size: int = PAGE_SIZE
) -> list[Inspector]:
    """One page in id order: after the last id of the previous page, or before the first of the next."""
    qs = inspector_queryset(user=user, filters=filters, today=today).select_related("department", "section")
    if before:
        rows = list(qs.filter(pk__lt=before).order_by("-pk")[:size])
        rows.reverse()
        return rows
    if after:
        qs = qs.filter(pk__gt=after)
    return list(qs.order_by("pk")[:size])


def inspector_fields(*, inspector: Inspector) -> QuerySet[Field]:
    return inspector.fields.all()


def inspector_leaves(*, inspector: Inspector) -> QuerySet[Leave]:
    return inspector.leaves.all()


def inspector_conflicts(*, inspector: Inspector) -> QuerySet[ConflictDeclaration]:
    return inspector.conflicts.select_related("decided_by").order_by("-declared_at", "-pk")


def conflict_page(
    *, user: Any, status: str = "", after: int = 0, size: int = PAGE_SIZE
) -> list[ConflictDeclaration]:
    """Declarations of the departments the person reads, newest first; ``after`` is the last id shown."""
    qs = ConflictDeclaration.objects.filter(
        Q() if sees_all_departments(user) else Q(inspector__department_id__in=department_ids(user))
    )
    if status:
        qs = qs.filter(status=status)
    if after:
        qs = qs.filter(pk__lt=after)
    return list(qs.select_related("inspector", "inspector__department", "inspector__section").order_by("-pk")[:size])


def entity_names_for(conflicts: list[ConflictDeclaration]) -> dict[str, str]:
    return entity_names(codes={c.entity_id for c in conflicts})

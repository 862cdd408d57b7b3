"""Reads about people and their roles. Results are cached on the user for one request."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from django.db.models import Q, QuerySet

from agencies.models import DEPARTMENT_ROLES, OVERSIGHT_ROLES, Department, Membership, Role, Section


def memberships_of(user: Any) -> list[Membership]:
    if not getattr(user, "is_authenticated", False):
        return []
    cached = getattr(user, "_ssj_memberships", None)
    if cached is None:
        cached = list(
            Membership.objects.filter(user=user, is_active=True, department__is_active=True).select_related(
                "department", "section"
            )
        )
        user._ssj_memberships = cached
    return cached


def roles_of(user: Any) -> set[str]:
    return {m.role for m in memberships_of(user)}


def has_role(user: Any, *roles: str) -> bool:
    return bool(roles_of(user) & set(roles))


def department_ids(user: Any, *, roles: Collection[str] | None = None) -> set[int]:
    """Departments the user works in (with a department role, or one of ``roles``)."""
    wanted = set(roles) if roles else DEPARTMENT_ROLES
    return {m.department_id for m in memberships_of(user) if m.role in wanted}


def sees_all_departments(user: Any) -> bool:
    """The joint-meeting office and discipline read every department's data."""
    return has_role(user, *OVERSIGHT_ROLES)


def department_list_for_user(*, user: Any) -> QuerySet[Department]:
    qs = Department.objects.filter(is_active=True)
    if sees_all_departments(user):
        return qs
    return qs.filter(pk__in=department_ids(user))


def section_list(*, department: Department) -> QuerySet[Section]:
    return department.sections.all()


def people_of_department(*, department: Department) -> QuerySet[Membership]:
    return Membership.objects.filter(department=department, is_active=True).select_related("user", "section")


def users_with_roles(*, department: Department, roles: set[str] | None = None) -> QuerySet[Any]:
    from agencies.models import User

    q = Q(memberships__department=department, memberships__is_active=True)
    if roles:
        q &= Q(memberships__role__in=roles)
    return User.objects.filter(q, is_active=True).distinct()


def office_users() -> QuerySet[Any]:
    from agencies.models import User

    return User.objects.filter(memberships__role=Role.OFFICE, memberships__is_active=True, is_active=True).distinct()

"""Who may see the office's guidance and training sessions for departments. 404 for "missing"
and "not yours" alike.

- The office reads and writes every session (creates it, records attendance).
- Discipline reads every session.
- People of an invited department read the sessions their department was invited to.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from agencies.models import DEPARTMENT_ROLES, Role
from agencies.selectors import department_ids, has_role
from oversight.models import GuidanceSession


def reads_all_guidance(user: Any) -> bool:
    return has_role(user, Role.OFFICE, Role.DISCIPLINE)


def may_write_guidance(user: Any) -> bool:
    return has_role(user, Role.OFFICE)


def guidance_readable_by(user: Any) -> QuerySet[GuidanceSession]:
    """The sessions the person may read (none for anyone else)."""
    qs = GuidanceSession.objects.all()
    if not getattr(user, "is_authenticated", False):
        return qs.none()
    if reads_all_guidance(user):
        return qs
    return qs.filter(departments__in=department_ids(user, roles=DEPARTMENT_ROLES)).distinct()


def access_guidance(*, user: Any, pk: int, write: bool = False) -> GuidanceSession:
    """Read: office, discipline, invited departments' people. Write: the office."""
    if write:
        if not may_write_guidance(user):
            raise Http404
        session = GuidanceSession.objects.filter(pk=pk).first()
    else:
        session = guidance_readable_by(user).filter(pk=pk).first()
    if session is None:
        raise Http404
    return session

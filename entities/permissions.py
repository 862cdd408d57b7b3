"""One door per object kind for the registry and the directories. "Missing" and "not yours" both
answer 404.

Who sees what
-------------
Registry entities (市场主体)
    The registry is the district's shared data: readable by anyone with a department role
    (staff, section chief, liaison, dept_admin, inspector) in any department, and by the
    oversight roles (joint-meeting office, discipline). The assessor and the superior authority
    read KPIs and issue tasks; they do not browse the registry (404).
    The legal representative (法定代表人) and the address are staff-side data: shown to these
    readers, never on a page without login (the public site reads publication records only).
    Entities are not edited in the UI: the registry is fed by imports, so ``write`` is always 404.

Directories (检查对象名录库 and 专项库)
    Read: the people of the owning department (any department role) and the oversight roles.
    Manage (create, edit name and rule, add or remove entries, apply the rule): the owning
    department's dept_admin and staff. Everybody else: 404.
    An entity's detail page lists only the directories the reader may read.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404

from agencies.models import Role
from agencies.selectors import department_ids, sees_all_departments
from entities.models import Directory, DirectoryEntry, Entity

DIRECTORY_MANAGERS: set[str] = {Role.DEPT_ADMIN, Role.STAFF}


def _authenticated(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False))


def can_read_registry(user: Any) -> bool:
    if not _authenticated(user):
        return False
    if department_ids(user):
        return True
    return sees_all_departments(user)


def can_read_directories_of(user: Any, department_id: int) -> bool:
    if not _authenticated(user):
        return False
    if department_id in department_ids(user):
        return True
    return sees_all_departments(user)


def can_manage_directories_of(user: Any, department_id: int) -> bool:
    if not _authenticated(user):
        return False
    return department_id in department_ids(user, roles=DIRECTORY_MANAGERS)


def managed_department_ids(user: Any) -> set[int]:
    if not _authenticated(user):
        return set()
    return department_ids(user, roles=DIRECTORY_MANAGERS)


def access_entity(*, user: Any, pk: str, write: bool = False) -> Entity:
    if write:
        raise Http404  # the registry is read-only in the UI; imports feed it
    if not can_read_registry(user):
        raise Http404
    entity = Entity.objects.select_related("region", "industry").filter(pk=str(pk).upper()).first()
    if entity is None:
        raise Http404
    return entity


def access_directory(*, user: Any, pk: int, write: bool = False) -> Directory:
    directory = Directory.objects.select_related("department").filter(pk=pk).first()
    if directory is None:
        raise Http404
    if not can_read_directories_of(user, directory.department_id):
        raise Http404
    if write and not can_manage_directories_of(user, directory.department_id):
        raise Http404
    return directory


def access_directory_entry(*, user: Any, pk: int, write: bool = False) -> DirectoryEntry:
    entry = DirectoryEntry.objects.select_related("directory", "directory__department").filter(pk=pk).first()
    if entry is None:
        raise Http404
    access_directory(user=user, pk=entry.directory_id, write=write)
    return entry

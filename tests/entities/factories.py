"""Registry, directory and inspector rows for the tests of the staff pages."""

from __future__ import annotations

import itertools
from typing import Any

from stdnum.cn import uscc as stdnum_uscc

from agencies.models import Membership, User
from entities.models import Directory, DirectoryEntry, Entity, EntityTag
from inspectors.models import Inspector

_seq = itertools.count(1)
TOWN = "370113001"


def code_for(n: int, region: str = "370113") -> str:
    body = f"91{region}{n:09d}"
    return body + stdnum_uscc.calc_check_digit(body)


def make_entity(n: int | None = None, *, tags: tuple[str, ...] = (), **fields: Any) -> Entity:
    n = next(_seq) if n is None else n
    values: dict[str, Any] = {
        "uscc": code_for(n),
        "name": f"测试企业{n:04d}有限公司",
        "entity_type": "enterprise",
        "industry_id": "62",
        "region_id": TOWN,
        "legal_rep": f"法人{n:04d}",
        "risk_class": "B",
    }
    values.update(fields)
    entity = Entity.objects.create(**values)
    for tag in tags:
        EntityTag.objects.create(entity=entity, tag_id=tag)
    return entity


def make_directory(department: Any, code: str = "main", **fields: Any) -> Directory:
    fields.setdefault("name", f"{department.name}{code}名录库")
    return Directory.objects.create(department=department, code=code, **fields)


def add_entry(directory: Directory, entity: Entity, **fields: Any) -> DirectoryEntry:
    return DirectoryEntry.objects.create(directory=directory, entity=entity, **fields)


def make_inspector(department: Any, cert_no: str | None = None, **fields: Any) -> Inspector:
    n = next(_seq)
    fields.setdefault("name", f"执法员{n:03d}")
    return Inspector.objects.create(department=department, cert_no=cert_no or f"37011300{n:05d}", **fields)


def member(username: str, department: Any, *roles: str, section: Any = None) -> User:
    """A person with roles and no password: tests log them in with ``force_login``, skipping the
    deliberately slow password hash that ``tests.factories.person`` pays."""
    user, _ = User.objects.get_or_create(username=username, defaults={"display_name": username})
    for role in roles:
        Membership.objects.create(user=user, department=department, role=role, section=section)
    return user


def oversight(role: str) -> User:
    """A person of the office, discipline, assessor or superior, each in their own department."""
    from tests.factories import DepartmentFactory

    return member(f"u-{role}", DepartmentFactory(code=f"D-{role}"), role)

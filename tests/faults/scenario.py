"""Data for the fault scenarios, written with real commits into the private database."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from django.utils import timezone

from agencies.models import Role
from entities.models import Entity
from inspections import randomness
from inspections.drawing import draw_announce
from inspections.services import task_publish
from tests.factories import DepartmentFactory, person
from tests.inspections.entities import registry
from tests.inspections.factories import make_task

_seq = itertools.count(1)


def ensure_registry(n: int = 400) -> None:
    if Entity.objects.count() < n:
        registry(n - Entity.objects.count(), start=Entity.objects.count())


def department_with_clerk() -> tuple[Any, Any]:
    i = next(_seq)
    dept = DepartmentFactory(code=f"F{i}", name=f"故障局{i}")
    return dept, person(f"fclerk{i}", dept, Role.STAFF, Role.DEPT_ADMIN)


def announced_draw(*, witnessed_today: bool = False) -> tuple[Any, Any]:
    """A published task and an announced entity draw awaiting its randomness."""
    ensure_registry()
    dept, user = department_with_clerk()
    task = make_task(user=user, department=dept, ratio_bp=300, title=f"故障演练任务{dept.code}")
    task_publish(task=task, user=user)
    sources = None
    if witnessed_today:
        sources = [randomness.witness_source(witness="见证人甲", ceremony=timezone.localdate(), count=3)]
    draw = draw_announce(task=task, user=user, sources=sources)
    return draw, user


def tomorrow() -> dt.date:
    return timezone.localdate() + dt.timedelta(days=1)

"""The entity frame of a task, computed from the registry before any randomness exists.

Order of exclusions (each count is of what that rule removed from what was left):
1. entities not in existence (注销、吊销、撤销、迁出);
2. already inspected this year for one of the task's items (at most once per item per year);
3. inspected this quarter by a department outside this task (go jointly, or leave it out).
Only the columns the draw needs are read; on PostgreSQL they stream out with COPY.
"""

from __future__ import annotations

import datetime as dt
import io
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import Exists, OuterRef, QuerySet

from entities.models import DirectoryEntry, Entity, EntityStatus, EntityTag
from inspections.models import InspectionRecord, Task, TaskItem


@dataclass
class FrameRows:
    strata: dict[str, list[str]]
    exclusions: list[tuple[str, int]]
    private: set[str]


def scope_queryset(task: Task) -> QuerySet[Entity]:
    f: dict[str, Any] = task.filters or {}
    qs = Entity.objects.all()
    if task.draw_mode == Task.DrawMode.UNTARGETED:
        return qs
    for field, key in (("entity_type", "entity_types"), ("industry_id", "industries"),
                       ("region_id", "regions"), ("risk_class", "risk_classes")):
        if f.get(key):
            qs = qs.filter(**{f"{field}__in": f[key]})
    if f.get("tags"):
        qs = qs.filter(Exists(EntityTag.objects.filter(entity_id=OuterRef("uscc"), tag_id__in=f["tags"])))
    if f.get("directory"):
        qs = qs.filter(Exists(DirectoryEntry.objects.filter(entity_id=OuterRef("uscc"), directory_id=f["directory"])))
    return qs


def _quarter(day: dt.date) -> tuple[dt.date, dt.date]:
    first_month = 3 * ((day.month - 1) // 3) + 1
    start = dt.date(day.year, first_month, 1)
    end = dt.date(day.year + (first_month == 10), (first_month + 3 - 1) % 12 + 1, 1) - dt.timedelta(days=1)
    return start, end


def exclusion_steps(task: Task) -> list[tuple[str, Any]]:
    items = TaskItem.objects.filter(task=task).values("item_id")
    departments = set(task.participants.exclude(status="declined").values_list("department_id", flat=True))
    q_start, q_end = _quarter(task.window_start)
    same_item = InspectionRecord.objects.filter(
        entity_id=OuterRef("uscc"), item_id__in=items, inspected_on__year=task.year
    )
    other_dept = InspectionRecord.objects.filter(
        entity_id=OuterRef("uscc"), inspected_on__range=(q_start, q_end)
    ).exclude(department_id__in=departments)
    return [
        ("not_in_existence", lambda qs: qs.filter(status=EntityStatus.ACTIVE)),
        ("inspected_this_year_for_item", lambda qs: qs.filter(~Exists(same_item))),
        ("inspected_this_quarter_by_other_department", lambda qs: qs.filter(~Exists(other_dept))),
    ]


def stratum_key(task: Task, risk_class: str, entity_type: str) -> str:
    if task.sampling == Task.Sampling.RISK_RATIO:
        return f"risk:{risk_class or '-'}|type:{entity_type}"
    return f"type:{entity_type}"


def _stream(qs: QuerySet[Entity]) -> Any:
    """(uscc, risk_class, entity_type) in code order; COPY on PostgreSQL, a cursor elsewhere."""
    rows = qs.order_by("uscc").values_list("uscc", "risk_class", "entity_type")
    if connection.vendor != "postgresql":
        yield from rows.iterator(chunk_size=5000)
        return
    sql, params = rows.query.sql_with_params()
    with connection.cursor() as cursor:
        query = cursor.mogrify(sql, params).decode()
        buffer = io.StringIO()
        cursor.copy_expert(f"COPY ({query}) TO STDOUT", buffer)
    buffer.seek(0)
    for line in buffer:
        uscc, risk, kind = line.rstrip("\n").split("\t")
        yield uscc, "" if risk == "\\N" else risk, kind


def build_frame_rows(task: Task) -> FrameRows:
    qs = scope_queryset(task)
    exclusions: list[tuple[str, int]] = []
    before = qs.count()
    for rule, narrow in exclusion_steps(task):
        qs = narrow(qs)
        after = qs.count()
        exclusions.append((rule, before - after))
        before = after
    strata: dict[str, list[str]] = defaultdict(list)
    for uscc, risk, kind in _stream(qs):
        strata[stratum_key(task, risk, kind)].append(uscc)
    private = set(strata) if task.sampling == Task.Sampling.RISK_RATIO else set()
    return FrameRows(dict(strata), exclusions, private)

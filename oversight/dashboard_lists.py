"""The lists behind the dashboard's numbers. Each uses the very condition that counted it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.db.models.expressions import RawSQL
from django.utils.translation import gettext as _

from agencies.models import Department, Membership, Role, Section
from entities.models import Entity
from inspections.models import Result, Task, TaskParticipant, Visit
from inspectors.models import Inspector
from oversight import dashboard as d


class BadFilter(ValueError):
    """An unknown list or filter: the page does not exist."""


@dataclass
class Listing:
    kind: str
    title: str
    rows: Any  # a QuerySet or a list
    department: Department | None = None


def _int(params: Mapping[str, str], key: str) -> int | None:
    value = params.get(key) or ""
    if not value:
        return None
    if not value.isdigit():
        raise BadFilter(key)
    return int(value)


def _where(template: str, *, dept: int | None = None, task: int | None = None, dept_col: str = "dept") -> str:
    cond = f"({template})"
    if dept is not None:
        cond += f" AND {dept_col} = {int(dept)}"
    if task is not None:
        cond += f" AND rtask = {int(task)}"
    return cond


def _ids(rows: QuerySet[Any] | d.RawRows, id_col: str, cond: str, clock: d.Clock) -> RawSQL:
    sql, params = d.ids_where(rows, id_col, cond, clock)
    return RawSQL(sql, params)  # noqa: S611  (conditions are module constants, ids are ints)


def participations(*, period: d.Period, today: dt.date, stage: str, dept: int | None = None) -> QuerySet[TaskParticipant]:
    if stage not in d.STAGE_SQL:
        raise BadFilter(stage)
    ids = _ids(d.participation_rows(period), "pid", _where(d.STAGE_SQL[stage], dept=dept), d.Clock.on(today))
    return (TaskParticipant.objects.filter(pk__in=ids).select_related("task", "task__department", "department")
            .order_by("task__window_end", "task__code", "department__code"))


def results(*, period: d.Period, today: dt.date, flag: str, dept: int | None = None, task: int | None = None) -> QuerySet[Result]:
    if flag not in d.RESULT_SQL:
        raise BadFilter(flag)
    ids = _ids(d.result_rows(period), "rid", _where(d.RESULT_SQL[flag], dept=dept, task=task), d.Clock.on(today))
    return (Result.objects.filter(pk__in=ids).select_related("task", "department", "item", "entity")
            .order_by("task__window_end", "task__code", "entity_id", "item_id"))


def carded_tasks(*, period: d.Period, today: dt.date, flag: str, dept: int | None = None) -> QuerySet[Task]:
    if flag not in d.TASK_SQL:
        raise BadFilter(flag)
    ids = _ids(d.task_rows(period), "tid", _where(d.TASK_SQL[flag], dept=dept), d.Clock.on(today))
    return Task.objects.filter(pk__in=ids).select_related("department").order_by("window_end", "code")


def joint_visits(*, period: d.Period) -> list[dict[str, Any]]:
    pairs = d.joint_visit_list(period)
    visits = Visit.objects.in_bulk([v for v, _n in pairs])
    names = dict(Entity.objects.filter(pk__in=[v.entity_id for v in visits.values()]).values_list("pk", "name"))
    return [{"visit": visits[v], "name": names.get(visits[v].entity_id, ""), "inspections": n, "saved": n - 1} for v, n in pairs]


def repeat_entities(*, period: d.Period) -> list[dict[str, Any]]:
    rows = list(d.repeat_entities(period).order_by("-doors", "entity_id"))
    names = dict(Entity.objects.filter(pk__in=[r["entity_id"] for r in rows]).values_list("pk", "name"))
    return [{"uscc": r["entity_id"], "name": names.get(r["entity_id"], ""), "doors": r["doors"]} for r in rows]


def inspectors(*, period: d.Period) -> list[dict[str, Any]]:
    rows = list(d.inspector_rows(period).order_by("-load", "inspector_id"))
    people = Inspector.objects.select_related("department").in_bulk([r["inspector_id"] for r in rows])
    return [{"inspector": people[r["inspector_id"]], "load": r["load"]} for r in rows]


def chief_visits(*, period: d.Period, dept: int | None, chief: bool) -> QuerySet[Visit]:
    if dept is None:
        raise BadFilter("dept")
    rows = d.chief_rows(period)
    cond = _where("chief = 1" if chief else "1 = 1", dept=dept)
    sql, params = rows.query.sql_with_params()
    ids = RawSQL(f"SELECT visit_ref FROM ({sql}) t WHERE {cond}", list(params))  # noqa: S608, S611
    return Visit.objects.filter(pk__in=ids).order_by("window_start", "entity_id")


TITLES = {
    "tasks": _("参与部门的任务"), "results": _("检查结果"), "cards": _("红黄牌任务"), "joint_visits": _("联合入户（一次上门）"),
    "repeat_entities": _("多次被检查的市场主体"), "inspectors": _("执法人员检查量"), "chief_visits": _("入户检查"),
}


def listing(*, kind: str, period: d.Period, today: dt.date, params: Mapping[str, str]) -> Listing:
    dept = _int(params, "dept")
    department = Department.objects.filter(pk=dept).first() if dept is not None else None
    if dept is not None and department is None:
        raise BadFilter("dept")
    rows: Any
    if kind == "tasks":
        rows = participations(period=period, today=today, stage=params.get("stage", ""), dept=dept)
    elif kind == "results":
        rows = results(period=period, today=today, flag=params.get("flag", ""), dept=dept, task=_int(params, "task"))
    elif kind == "cards":
        rows = carded_tasks(period=period, today=today, flag=params.get("flag", ""), dept=dept)
    elif kind == "joint_visits":
        rows = joint_visits(period=period)
    elif kind == "repeat_entities":
        rows = repeat_entities(period=period)
    elif kind == "inspectors":
        rows = inspectors(period=period)
    elif kind == "chief_visits":
        rows = chief_visits(period=period, dept=dept, chief=params.get("chief") == "1")
    else:
        raise BadFilter(kind)
    return Listing(kind=kind, title=str(TITLES[kind]), rows=rows, department=department)


# --- People -------------------------------------------------------------------------------------
def liaison_directory() -> list[dict[str, Any]]:
    """One liaison per section (联络员制): each section with its liaisons; none or two is flagged."""
    people = Prefetch(
        "memberships", queryset=Membership.objects.filter(role=Role.LIAISON, is_active=True, user__is_active=True)
        .select_related("user").order_by("user__username"), to_attr="liaisons",
    )
    sections = (Section.objects.filter(department__is_active=True, department__kind=Department.Kind.REGULATOR)
                .select_related("department").prefetch_related(people).order_by("department__code", "code"))
    return [{"section": s, "liaisons": [m.user for m in s.liaisons], "ok": len(s.liaisons) == 1} for s in sections]  # type: ignore[attr-defined]


def chief_participation(*, period: d.Period) -> list[dict[str, Any]]:
    counts = d.chief_visits_by_department(period)
    departments = Department.objects.filter(pk__in=list(counts)).order_by("code")
    return [{"department": dep, "visits": counts[dep.pk][0], "chief_visits": counts[dep.pk][1],
             "share": counts[dep.pk][1] / counts[dep.pk][0] if counts[dep.pk][0] else None} for dep in departments]

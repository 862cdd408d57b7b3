"""The office's dashboard: numbers for a period, computed in a few aggregate queries.

Every number on the page is a count of rows that one *condition* selects. The conditions are SQL
fragments over a small derived table (one per kind of row: task participations, results, joint
visits, entities, inspectors); the dashboard sums them with ``SUM(CASE WHEN cond ...)`` grouped
by department or task, and the drill-down lists the same derived table's rows ``WHERE cond``. The
count and the list therefore come from one definition and cannot drift apart.

Deadlines: results are due for publication 20 working days after the task's inspection window
ends (``inspections.results.publication_deadline``). The due date is worked out in Python once
per distinct window end (holidays are data, not SQL) and handed to the database as a CASE.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction
from django.db.models import (
    Case,
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from agencies.models import Department
from core.models import PublicationRecord
from core.workdays import add_working_days, load_calendar
from inspections.models import (
    Result,
    Task,
    TaskParticipant,
    TaskStatus,
    TeamMember,
    VisitTask,
)
from inspections.results import PUBLICATION_WORKING_DAYS, YELLOW_WORKING_DAYS

S = TaskStatus
ORDER = [S.DRAFT, S.PUBLISHED, S.CLAIMED, S.READY, S.ENTITIES_DRAWN, S.INSPECTORS_MATCHED, S.INSPECTING,
         S.IN_REVIEW, S.RESULTS_PUBLISHED, S.CLOSED]


def _from(status: str) -> str:
    """SQL: the task has reached ``status`` (or a later one)."""
    reached = ORDER[ORDER.index(S(status)):]
    return "tstatus IN (" + ", ".join(f"'{s.value}'" for s in reached) + ")"


# --- Conditions ---------------------------------------------------------------------------------
# Task participations (one row per task and department taking part, declined ones excluded).
STAGES: list[tuple[str, Any]] = [
    ("planned", _("计划")), ("launched", _("已发起")), ("claimed", _("已认领")), ("drawn", _("已抽取")),
    ("matched", _("已匹配")), ("inspected", _("已检查")), ("reviewed", _("已审核")), ("published", _("已公示")),
]
STAGE_SQL: dict[str, str] = {
    "planned": "1 = 1",
    "launched": _from(S.PUBLISHED),
    "claimed": _from(S.CLAIMED),
    "drawn": _from(S.ENTITIES_DRAWN),
    "matched": _from(S.INSPECTORS_MATCHED),
    "inspected": _from(S.IN_REVIEW),
    # The department's own results are all approved (and there is at least one).
    "reviewed": f"{_from(S.IN_REVIEW)} AND has_results = 1 AND has_unapproved = 0",
    "published": f"{_from(S.RESULTS_PUBLISHED)} AND has_results = 1 AND has_unapproved = 0",
    "joint": f"{_from(S.PUBLISHED)} AND tscope = 'joint'",
    "claim_overdue": "pstatus = 'invited' AND tstatus = 'published' AND claim_deadline < {today}",
}
# Results (one row per result: entity, task, department, item).
RESULT_FLAGS: list[tuple[str, Any]] = [
    ("entered", _("已录入")), ("approved", _("已审核")), ("published", _("已公示")), ("on_time", _("按期公示")),
    ("late", _("超期公示")), ("overdue", _("逾期未公示")), ("due_soon", _("临近期限")),
]
RESULT_SQL: dict[str, str] = {
    "entered": "1 = 1",
    "approved": "rstatus = 'approved'",
    "published": "pub_at IS NOT NULL",
    "on_time": "pub_at < due_end",  # published on or before the due day (local time)
    "late": "pub_at >= due_end",
    "overdue": "pub_at IS NULL AND due < {today}",
    "due_soon": "pub_at IS NULL AND due >= {today} AND due <= {yellow}",
}
# Tasks (one row per task): red once the publication deadline has passed unfinished, yellow in the
# last five working days before it.
_UNFINISHED = f"tstatus <> 'draft' AND NOT ({_from(S.RESULTS_PUBLISHED)})"
TASK_SQL: dict[str, str] = {
    "red": f"{_UNFINISHED} AND due < {{today}}",
    "yellow": f"{_UNFINISHED} AND due >= {{today}} AND due <= {{yellow}}",
}


@dataclass(frozen=True)
class Period:
    start: dt.date
    end: dt.date
    key: str

    @property
    def label(self) -> str:
        return f"{self.start:%Y-%m-%d} – {self.end:%Y-%m-%d}"


def period_parse(value: str | None, *, today: dt.date) -> Period:
    """``2026`` (a year), ``2026-H1``/``H2``, ``2026-Q1``..``Q4``, or ``2026-01-01..2026-03-31``."""
    value = (value or "").strip()
    try:
        if ".." in value:
            a, b = value.split("..", 1)
            start, end = dt.date.fromisoformat(a), dt.date.fromisoformat(b)
            if start <= end:
                return Period(start, end, value)
        year_text, _sep, part = value.partition("-")
        year = int(year_text)
        if 2000 <= year <= 2100:
            spans = {"": (1, 12), "H1": (1, 6), "H2": (7, 12), "Q1": (1, 3), "Q2": (4, 6), "Q3": (7, 9), "Q4": (10, 12)}
            first, last = spans[part.upper()]
            end = dt.date(year + (last == 12), last % 12 + 1, 1) - dt.timedelta(days=1)
            return Period(dt.date(year, first, 1), end, value.upper())
    except (ValueError, KeyError):
        pass
    return Period(dt.date(today.year, 1, 1), dt.date(today.year, 12, 31), str(today.year))


def period_choices(*, today: dt.date, current: Period | None = None) -> list[tuple[str, str]]:
    out = [(current.key, current.label)] if current and "." in current.key else []
    for year in (today.year, today.year - 1):
        out.append((str(year), f"{year}"))
        out += [(f"{year}-{p}", f"{year} {p}") for p in ("H1", "H2", "Q1", "Q2", "Q3", "Q4")]
    return out


# --- The derived tables -------------------------------------------------------------------------
def period_tasks(period: Period) -> QuerySet[Task]:
    """A task belongs to the period in which its inspection window ends (each task to one period)."""
    return Task.objects.filter(window_end__gte=period.start, window_end__lte=period.end)


def _period_tasks_sql(period: Period) -> tuple[str, list[Any]]:
    """The period's tasks with their publication due date and the instant that day ends (local
    time), as plain SQL: a CASE over the distinct window ends, written here rather than compiled
    from hundreds of ORM ``When`` nodes. Comparing timestamps with the end of the due day spares a
    time-zone conversion per published result."""
    calendar = load_calendar()
    ends = list(period_tasks(period).order_by().values_list("window_end", flat=True).distinct())
    zone = timezone.get_current_timezone()
    day_params: list[Any] = []
    end_params: list[Any] = []
    adapt = connection.ops.adapt_datetimefield_value
    for end in ends:
        due = add_working_days(end, PUBLICATION_WORKING_DAYS, calendar=calendar).date
        day_params += [end, due]
        end_params += [end, adapt(dt.datetime.combine(due + dt.timedelta(days=1), dt.time(), zone))]
    whens = " ".join(["WHEN %s THEN %s"] * len(ends))
    cast = "CAST(%s AS DATE)" if connection.vendor == "postgresql" else "%s"
    stamp = "CAST(%s AS TIMESTAMPTZ)" if connection.vendor == "postgresql" else "%s"
    due_sql = f"CASE t.window_end {whens} END" if ends else cast.replace("%s", "NULL")
    q = connection.ops.quote_name
    due_sql = due_sql.replace("THEN %s", f"THEN {cast}")
    end_sql = (f"CASE t.window_end {whens} END" if ends else stamp.replace("%s", "NULL")).replace("THEN %s", f"THEN {stamp}")
    sql = (
        f"SELECT t.id AS tid, t.code AS tcode, t.department_id AS dept, t.status AS tstatus, t.scope AS tscope, "  # noqa: S608
        f"{due_sql} AS due, {end_sql} AS due_end FROM {q(Task._meta.db_table)} t "
        f"WHERE t.window_end >= %s AND t.window_end <= %s"
    )
    return sql, [*day_params, *end_params, period.start, period.end]


def due_for(window_end: dt.date) -> dt.date:
    return add_working_days(window_end, PUBLICATION_WORKING_DAYS).date


class RawRows:
    """A derived table written in SQL, with the same ``query.sql_with_params()`` as a QuerySet."""

    def __init__(self, sql: str, params: list[Any]) -> None:
        self.sql, self.params = sql, params

    @property
    def query(self) -> RawRows:
        return self

    def sql_with_params(self) -> tuple[str, list[Any]]:
        return self.sql, self.params


# Keeps the task subquery from being merged into the outer query, so each task's due-date CASE
# is worked out once per task rather than once per result and condition.
_FENCE = {True: "OFFSET 0", False: "LIMIT -1 OFFSET 0"}


def result_rows(period: Period) -> RawRows:
    """One row per result of the period's tasks, with its due date and first publication day.

    The first publication is version 1 of the record published under ``result:<task code>:<uscc>:
    <item>`` (a withdrawal or a correction is always a later version); it is hash-joined on that id
    instead of looked up once per result."""
    tasks_sql, tasks_params = _period_tasks_sql(period)
    q = connection.ops.quote_name
    public_id = "('result:' || t.tcode || ':' || r.entity_id || ':' || CAST(r.item_id AS VARCHAR(20)))"
    sql = (
        f"SELECT r.id AS rid, r.task_id AS rtask, r.department_id AS dept, r.visit_id AS rvisit, r.entity_id AS rentity, "  # noqa: S608
        f"r.status AS rstatus, t.due AS due, t.due_end AS due_end, p.published_at AS pub_at "
        f"FROM {q(Result._meta.db_table)} r "
        f"JOIN ({tasks_sql} {_FENCE[connection.vendor == 'postgresql']}) t ON t.tid = r.task_id "
        f"LEFT JOIN {q(PublicationRecord._meta.db_table)} p "
        f"ON p.public_id = {public_id} AND p.version = 1 AND p.kind = %s"
    )
    return RawRows(sql, [*tasks_params, PublicationRecord.Kind.RESULT.value])


def participation_rows(period: Period) -> QuerySet[Any]:
    mine = Result.objects.filter(task=OuterRef("task_id"), department=OuterRef("department_id"))
    return (
        TaskParticipant.objects.filter(task__in=period_tasks(period))
        .exclude(status="declined")
        .order_by()
        .values(pid=F("id"), ptask=F("task_id"), dept=F("department_id"), pstatus=F("status"),
                tstatus=F("task__status"), tscope=F("task__scope"), claim_deadline=F("task__claim_deadline"))
        .annotate(
            has_results=Case(When(Exists(mine), then=Value(1)), default=Value(0)),
            has_unapproved=Case(When(Exists(mine.exclude(status=Result.Status.APPROVED)), then=Value(1)), default=Value(0)),
        )
    )


def task_rows(period: Period) -> RawRows:
    return RawRows(*_period_tasks_sql(period))


@contextlib.contextmanager
def planned_plainly() -> Iterator[None]:
    """PostgreSQL's JIT compiles these wide CASE expressions for seconds to save milliseconds (the
    publication join's row estimate is far too high): it is switched off for this transaction only."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL jit = off")
        yield


# --- Running conditions -------------------------------------------------------------------------
@dataclass(frozen=True)
class Clock:
    today: dt.date
    yellow: dt.date  # the last day that is still within YELLOW_WORKING_DAYS of today

    @classmethod
    def on(cls, today: dt.date) -> Clock:
        return cls(today, add_working_days(today, YELLOW_WORKING_DAYS).date)


def _cond(template: str, clock: Clock) -> str:
    # Dates are formatted from date objects here, never from user input.
    return template.format(today=f"'{clock.today.isoformat()}'", yellow=f"'{clock.yellow.isoformat()}'")


def _sum_by(rows: QuerySet[Any] | RawRows, group: list[str], conds: dict[str, str], clock: Clock,
            extra: dict[str, str] | None = None) -> list[dict[str, Any]]:
    sql, params = rows.query.sql_with_params()
    q = connection.ops.quote_name
    cols = [f"SUM(CASE WHEN {_cond(c, clock)} THEN 1 ELSE 0 END) AS {q(name)}" for name, c in conds.items()]
    cols += [f"{expr} AS {q(name)}" for name, expr in (extra or {}).items()]
    keys = ", ".join(group)
    head = f"{keys}, " if group else ""
    tail = f" GROUP BY {keys}" if group else ""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {head}{', '.join(cols)} FROM ({sql}) t{tail}", params)  # noqa: S608
        names = [c[0] for c in cursor.description]
        return [dict(zip(names, (v or 0 if n in conds else v for n, v in zip(names, row, strict=True)), strict=True))
                for row in cursor.fetchall()]


def ids_where(rows: QuerySet[Any] | RawRows, id_col: str, template: str, clock: Clock) -> tuple[str, list[Any]]:
    """SQL selecting the ids of the derived table's rows that meet a condition (for drill-downs)."""
    sql, params = rows.query.sql_with_params()
    return f"SELECT {id_col} FROM ({sql}) t WHERE {_cond(template, clock)}", list(params)  # noqa: S608


# --- The dashboard ------------------------------------------------------------------------------
@dataclass
class DeptRow:
    department: Department
    stages: dict[str, int] = field(default_factory=dict)
    results: dict[str, int] = field(default_factory=dict)
    joint: int = 0
    claim_overdue: int = 0
    red: int = 0
    yellow: int = 0

    @property
    def joint_share(self) -> float | None:
        launched = self.stages.get("launched", 0)
        return self.joint / launched if launched else None


@dataclass
class Dashboard:
    period: Period
    clock: Clock
    departments: list[DeptRow]
    totals: DeptRow
    cards: list[dict[str, Any]]
    joint_visits: int
    visits_saved: int
    visits: int
    repeat_entities: int
    inspectors: int
    load_max: int
    load_avg: float
    top_inspectors: list[dict[str, Any]]
    launched_tasks: int
    joint_tasks: int

    @property
    def joint_share(self) -> float | None:
        return self.joint_tasks / self.launched_tasks if self.launched_tasks else None

    def chart_data(self) -> dict[str, Any]:
        labels = [str(r.department.label) for r in self.departments]
        return {
            "funnel": {"labels": [str(label) for _k, label in STAGES], "values": [self.totals.stages.get(k, 0) for k, _l in STAGES]},
            "departments": {
                "labels": labels,
                "series": [
                    {"label": str(label), "values": [r.results.get(k, 0) for r in self.departments]}
                    for k, label in RESULT_FLAGS if k in ("on_time", "late", "overdue", "due_soon")
                ],
            },
        }


def _department_list(ids: set[int]) -> list[Department]:
    """The district's member departments, and any other that took part (e.g. a superior's)."""
    district = Q(kind=Department.Kind.REGULATOR, is_active=True, level=Department.Level.DISTRICT)
    return list(Department.objects.filter(district | Q(pk__in=ids)).order_by("code"))


def dashboard(*, period: Period, today: dt.date) -> Dashboard:
    with planned_plainly():
        return _dashboard(period=period, today=today)


def _dashboard(*, period: Period, today: dt.date) -> Dashboard:
    clock = Clock.on(today)
    part = _sum_by(participation_rows(period), ["dept"], {**STAGE_SQL}, clock)
    res = _sum_by(result_rows(period), ["dept"], RESULT_SQL, clock)
    per_task = _sum_by(task_rows(period), ["tid", "dept"], {
        **TASK_SQL, "launched": STAGE_SQL["launched"], "joint": STAGE_SQL["joint"]}, clock)
    flags: dict[int, dict[str, int]] = defaultdict(lambda: {"red": 0, "yellow": 0})
    for r in per_task:
        flags[r["dept"]]["red"] += r["red"]
        flags[r["dept"]]["yellow"] += r["yellow"]
    by_dept: dict[int, DeptRow] = {}
    departments = _department_list({r["dept"] for r in part + res})
    for d in departments:
        by_dept[d.pk] = DeptRow(d)
    for r in part:
        row = by_dept[r["dept"]]
        row.stages = {k: r[k] for k, _l in STAGES}
        row.joint, row.claim_overdue = r["joint"], r["claim_overdue"]
    for r in res:
        by_dept[r["dept"]].results = {k: r[k] for k, _l in RESULT_FLAGS}
    for dept_id, f in flags.items():
        if dept_id in by_dept:
            by_dept[dept_id].red, by_dept[dept_id].yellow = f["red"], f["yellow"]
    totals = DeptRow(Department(name=str(_("合计")), code=""))
    rows = list(by_dept.values())
    for key, _l in STAGES:
        totals.stages[key] = sum(r.stages.get(key, 0) for r in rows)
    for key, _l in RESULT_FLAGS:
        totals.results[key] = sum(r.results.get(key, 0) for r in rows)
    for attr in ("joint", "claim_overdue", "red", "yellow"):
        setattr(totals, attr, sum(getattr(r, attr) for r in rows))
    doors = one_door(period)
    load = inspector_load(period)
    carded = {r["tid"]: "red" if r["red"] else "yellow" for r in per_task if r["red"] or r["yellow"]}
    return Dashboard(
        period=period, clock=clock, departments=rows, totals=totals, cards=cards(period=period, clock=clock, carded=carded),
        joint_visits=doors["joint_visits"], visits_saved=doors["saved"], visits=doors["visits"],
        repeat_entities=doors["repeat"], inspectors=load["inspectors"], load_max=load["max"],
        load_avg=load["avg"], top_inspectors=load["top"], launched_tasks=sum(r["launched"] for r in per_task),
        joint_tasks=sum(r["joint"] for r in per_task),
    )


def chief_rows(period: Period) -> QuerySet[Any]:
    """Per result: its department, its visit, and whether one of that department's section chiefs
    was on the team (科所长负责制)."""
    chief = TeamMember.objects.filter(visit=OuterRef("visit_id"), department=OuterRef("department_id"), is_section_chief=True)
    return (
        Result.objects.filter(task__in=period_tasks(period)).order_by()
        .values(dept=F("department_id"), visit_ref=F("visit_id"))
        .annotate(chief=Case(When(Exists(chief), then=Value(1)), default=Value(0)))
    )


def chief_visits_by_department(period: Period) -> dict[int, tuple[int, int]]:
    """Per department: visits where it inspected, and those with one of its section chiefs on the team."""
    out = _sum_by(chief_rows(period), ["dept"], {}, Clock(dt.date.min, dt.date.min), extra={
        "visits": "COUNT(DISTINCT visit_ref)", "chief_visits": "COUNT(DISTINCT CASE WHEN chief = 1 THEN visit_ref END)",
    })
    return {r["dept"]: (r["visits"], r["chief_visits"]) for r in out}


# --- One door, repeats, inspector load ----------------------------------------------------------
def _joint_visits_sql(period: Period) -> tuple[str, list[Any]]:
    """Per visit (and its entity): how many task-and-department inspections it carried."""
    tasks_sql, params = period_tasks(period).order_by().values("id").query.sql_with_params()
    result = connection.ops.quote_name(Result._meta.db_table)
    sql = (
        "SELECT visit_id AS vid, MIN(ent) AS ent, COUNT(*) AS n FROM ("  # noqa: S608
        f"SELECT r.visit_id, MIN(r.entity_id) AS ent FROM {result} r WHERE r.task_id IN ({tasks_sql}) "
        "GROUP BY r.visit_id, r.task_id, r.department_id) vt GROUP BY visit_id"
    )
    return sql, list(params)


def one_door(period: Period) -> dict[str, int]:
    """Visits saved: each visit that carried n inspections (task × department) spared n − 1 doors.
    In the same pass: entities that went through more than one door (repeat visits)."""
    sql, params = _joint_visits_sql(period)
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH v AS ({sql}) SELECT COUNT(*), SUM(CASE WHEN n > 1 THEN 1 ELSE 0 END), SUM(n - 1), "  # noqa: S608
            "(SELECT COUNT(*) FROM (SELECT ent FROM v GROUP BY ent HAVING COUNT(*) > 1) e) FROM v", params,
        )
        visits, joint, saved, repeat = cursor.fetchone()
    return {"visits": visits or 0, "joint_visits": joint or 0, "saved": saved or 0, "repeat": repeat or 0}


def joint_visit_list(period: Period) -> list[tuple[int, int]]:
    """(visit id, inspections carried) for every visit that carried more than one."""
    sql, params = _joint_visits_sql(period)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT vid, n FROM ({sql}) v WHERE n > 1 ORDER BY n DESC, vid", params)  # noqa: S608
        return [(int(v), int(n)) for v, n in cursor.fetchall()]


def repeat_entities(period: Period) -> QuerySet[Any]:
    """Entities visited through more than one door in the period: the repeat visits the office hunts."""
    from django.db.models import Count

    return (
        Result.objects.filter(task__in=period_tasks(period)).order_by()
        .values("entity_id").annotate(doors=Count("visit_id", distinct=True)).filter(doors__gt=1)
    )


def repeat_entity_count(period: Period) -> int:
    return repeat_entities(period).count()


def inspector_rows(period: Period) -> QuerySet[Any]:
    from django.db.models import Count

    visits = VisitTask.objects.filter(task__in=period_tasks(period)).values("visit_id")
    return (
        TeamMember.objects.filter(inspector__isnull=False, visit_id__in=visits).order_by()
        # one row per visit and inspector (team_member_once), so a plain count is a count of visits
        .values("inspector_id").annotate(load=Count("id"))
    )


def inspector_load(period: Period, top: int = 10) -> dict[str, Any]:
    """How many inspectors went through a door in the period, the heaviest load and the mean
    (one grouped query; the per-inspector rows are few)."""
    from inspectors.models import Inspector

    loads = list(inspector_rows(period).values_list("inspector_id", "load"))
    heavy = sorted(loads, key=lambda r: (-r[1], r[0]))[:top]
    people = {i.pk: i for i in Inspector.objects.filter(pk__in=[pk for pk, _n in heavy]).select_related("department")}
    return {
        "inspectors": len(loads), "max": heavy[0][1] if heavy else 0,
        "avg": round(sum(n for _pk, n in loads) / len(loads), 1) if loads else 0.0,
        "top": [{"id": pk, "name": people[pk].name, "department": people[pk].department.label, "load": n} for pk, n in heavy],
    }


# --- Cards --------------------------------------------------------------------------------------
def cards(*, period: Period, clock: Clock, carded: dict[int, str] | None = None) -> list[dict[str, Any]]:
    """Red and yellow cards: tasks late (or nearly) for publication, departments late to claim.
    ``carded`` (task id -> colour) is passed when the caller has already counted the flags."""
    out: list[dict[str, Any]] = []
    if carded is None:
        flagged = _sum_by(task_rows(period), ["tid"], TASK_SQL, clock)
        carded = {r["tid"]: "red" if r["red"] else "yellow" for r in flagged if r["red"] or r["yellow"]}
    for task in Task.objects.filter(pk__in=list(carded)).select_related("department").order_by("window_end", "code"):
        due = due_for(task.window_end)
        out.append({"colour": carded[task.pk], "kind": "publication", "task": task, "department": task.department,
                    "due": due, "days": (clock.today - due).days})
    sql, params = ids_where(participation_rows(period), "pid", STAGE_SQL["claim_overdue"], clock)
    for part in TaskParticipant.objects.filter(pk__in=_raw(sql, params)).select_related("task", "department"):
        out.append({"colour": "red", "kind": "claim", "task": part.task, "department": part.department,
                    "due": part.task.claim_deadline, "days": (clock.today - part.task.claim_deadline).days if part.task.claim_deadline else 0})
    out.sort(key=lambda c: (c["colour"] != "red", -c["days"]))
    return out


def _raw(sql: str, params: list[Any]) -> Any:
    from django.db.models.expressions import RawSQL

    return RawSQL(sql, params)  # noqa: S611  (conditions are module constants; values are bound)


# --- Per task -----------------------------------------------------------------------------------
def task_table(*, period: Period, today: dt.date) -> list[dict[str, Any]]:
    """One row per task of the period: its stage, entities, results by flag, due date and card."""
    with planned_plainly():
        return _task_table(period=period, today=today)


def _task_table(*, period: Period, today: dt.date) -> list[dict[str, Any]]:
    clock = Clock.on(today)
    res = {r["rtask"]: r for r in _sum_by(result_rows(period), ["rtask"], RESULT_SQL, clock)}
    flags = {r["tid"]: r for r in _sum_by(task_rows(period), ["tid"], TASK_SQL, clock)}
    from django.db.models import Count

    entities = dict(
        VisitTask.objects.filter(task__in=period_tasks(period)).order_by().values("task_id")
        .annotate(n=Count("id")).values_list("task_id", "n")
    )
    tasks = period_tasks(period).select_related("department").order_by("window_end", "code")
    rows = []
    for task in tasks:
        reached = ORDER.index(S(task.status))
        flag = flags.get(task.pk, {})
        rows.append({
            "task": task, "reached": reached, "entities": entities.get(task.pk, 0),
            "results": {k: res.get(task.pk, {}).get(k, 0) for k, _l in RESULT_FLAGS},
            "due": due_for(task.window_end),
            "card": "red" if flag.get("red") else "yellow" if flag.get("yellow") else "",
        })
    return rows


def dept_totals_naive(*, period: Period, today: dt.date) -> dict[int, dict[str, int]]:
    """The same per-department numbers the naive way: a loop per department and per result.
    Kept for ``bench_dashboard`` (the comparison) and for tests that hold the fast path to it."""
    from inspections.results import publication_deadline

    out: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    yellow = Clock.on(today).yellow
    for dept in Department.objects.all():
        for result in Result.objects.filter(department=dept, task__window_end__gte=period.start,
                                            task__window_end__lte=period.end).select_related("task"):
            due = publication_deadline(result.task, today=today).due
            record = (PublicationRecord.objects.filter(
                kind="result", withdrawn=False, public_id=f"result:{result.task.code}:{result.entity_id}:{result.item_id}")
                .order_by("published_at").first())
            from django.utils import timezone

            pub = timezone.localtime(record.published_at).date() if record else None
            row = out[dept.pk]
            row["entered"] += 1
            row["approved"] += result.status == Result.Status.APPROVED
            row["published"] += pub is not None
            row["on_time"] += pub is not None and pub <= due
            row["late"] += pub is not None and pub > due
            row["overdue"] += pub is None and due < today
            row["due_soon"] += pub is None and today <= due <= yellow
    return {k: dict(v) for k, v in out.items()}

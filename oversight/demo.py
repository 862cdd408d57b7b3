"""A year of the district's history, so the office's dashboard and its cards mean something on
first open; ``bench_dashboard`` builds its 500 tasks and 50,000 results with the same code.

The history stands for work done on the district's earlier platform and carried over: tasks in
every state, visits that joined several departments at one door, teams, results, approvals and
their publication records (on time, late, and still missing). It holds no draws: the draws and
matchings of those tasks stay on record in the earlier platform, and this platform's verifiable
draws (``verify_draw --all``) are only its own. Rows go in with bulk inserts (COPY on PostgreSQL),
one audit row per table; ids are allocated up front so that rows can refer to each other.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection, models, transaction
from django.utils import timezone

from agencies.models import Department, User
from core.audit import audit_bulk, digest_of
from core.bulk import bulk_insert
from core.demo import demo_step
from core.models import PublicationRecord
from core.workdays import add_working_days, load_calendar
from entities.models import Entity
from inspections.models import (
    InspectionItem,
    InspectionRecord,
    Result,
    ResultCategory,
    Task,
    TaskItem,
    TaskParticipant,
    TaskStatus,
    TeamMember,
    Violation,
    Visit,
    VisitTask,
)
from inspections.results import PUBLICATION_WORKING_DAYS
from inspectors.models import Inspector

S = TaskStatus
NOTE = "历史数据：自原“双随机”抽查平台迁移，抽取与人员匹配记录保存在原平台。"
SCOPE_LABEL = {Task.Scope.SINGLE: "本部门", Task.Scope.JOINT: "跨部门联合"}


@dataclass(frozen=True)
class HistorySpec:
    today: dt.date
    tasks: int
    results: int
    prefix: str = "L"  # task codes: <DEPT>-<year>-<prefix><serial>
    seed: int = 2026
    days: int = 330  # window ends spread over this many days before today (and a few weeks after)


@dataclass
class _Dept:
    dept: Department
    item: InspectionItem
    inspectors: list[int]


class _Ids:
    """Ids handed out before the rows exist (COPY returns none). On PostgreSQL they are taken from
    the table's own sequence in blocks, so rows written meanwhile by others (a worker publishing a
    draw) never get the same id; elsewhere, max + 1, in a database nobody else writes to."""

    def __init__(self) -> None:
        self.next: dict[type[models.Model], int] = {}
        self.pool: dict[type[models.Model], list[int]] = {}

    def take(self, model: type[models.Model]) -> int:
        if connection.vendor == "postgresql":
            pool = self.pool.setdefault(model, [])
            if not pool:
                with connection.cursor() as cursor:
                    cursor.execute(
                        "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, 2000)",
                        [model._meta.db_table, model._meta.pk.column],
                    )
                    pool.extend(sorted((row[0] for row in cursor.fetchall()), reverse=True))
            return pool.pop()
        if model not in self.next:
            self.next[model] = (model._default_manager.aggregate(m=models.Max("pk"))["m"] or 0) + 1
        value = self.next[model]
        self.next[model] += 1
        return value

    def reset(self) -> None:
        """Nothing to do: PostgreSQL's sequences handed the ids out; SQLite follows explicit ids."""


def _status(rng: random.Random, start: dt.date, end: dt.date, due: dt.date, today: dt.date) -> str:
    if start > today + dt.timedelta(days=20):
        return rng.choice([S.DRAFT, S.PUBLISHED, S.PUBLISHED, S.CLAIMED, S.READY])
    if start > today:
        return rng.choice([S.PUBLISHED, S.CLAIMED, S.READY, S.READY])
    if end >= today:
        return rng.choice([S.ENTITIES_DRAWN, S.INSPECTORS_MATCHED, S.INSPECTING, S.INSPECTING])
    if due < today:  # mostly done; the rest is what the red cards are for
        return rng.choices([S.RESULTS_PUBLISHED, S.CLOSED, S.IN_REVIEW, S.INSPECTING], weights=[62, 22, 10, 6])[0]
    return rng.choices([S.INSPECTING, S.IN_REVIEW, S.RESULTS_PUBLISHED], weights=[35, 40, 25])[0]


def _reached(status: str, stage: str) -> bool:
    order = [s.value for s in S]
    return order.index(status) >= order.index(stage)


def _categories(rng: random.Random) -> tuple[list[str], list[str]]:
    roll = rng.random()
    if roll < 0.78:
        return [ResultCategory.NO_PROBLEM], []
    if roll < 0.88:
        return [ResultCategory.PROBLEM_PENDING], [rng.choice([Violation.NOT_PUBLISHED, Violation.OTHER_MARKET, Violation.UNREACHABLE])]
    if roll < 0.95:
        return [ResultCategory.CORRECTED], []
    return [ResultCategory.NO_ACTIVITY], []


def _wording(categories: list[str], violations: list[str]) -> list[str]:
    return [str(ResultCategory(c).label) for c in categories] + [str(Violation(v).label) for v in violations]


@transaction.atomic
def build_history(*, spec: HistorySpec, user: User, departments: Sequence[Department] | None = None) -> dict[str, int]:
    """Insert a year of tasks, visits, teams, results and publications; returns row counts."""
    rng = random.Random(spec.seed)  # noqa: S311  (demo data, reproducible on purpose)
    calendar = load_calendar()
    pools = _pools(departments)
    if not pools:
        return {}
    entities = list(Entity.objects.filter(status="active").order_by("uscc").values_list("uscc", "name", "region_id")[: max(spec.results, 2000)])
    ids = _Ids()
    rows: dict[str, list[tuple[Any, ...]]] = {k: [] for k in (
        "task", "part", "titem", "visit", "vtask", "team", "result", "record", "pub")}
    now = timezone.now()
    joint_share = 0.4
    avg_depts = 1 + joint_share * 2
    per_task = max(1, round(spec.results / (spec.tasks * avg_depts * 0.88)))  # ~88% of tasks reach inspection
    serial: dict[tuple[str, int], int] = {}
    dept_names = {p.dept.pk: p.dept.name for p in pools}
    entity_pick = _EntityPicker(rng, entities)
    for n in range(spec.tasks):
        lead = pools[n % len(pools)]
        end = spec.today - dt.timedelta(days=spec.days) + dt.timedelta(days=round((spec.days + 45) * n / spec.tasks) + rng.randint(-3, 3))
        start = end - dt.timedelta(days=rng.choice([20, 30, 45]))
        due = add_working_days(end, PUBLICATION_WORKING_DAYS, calendar=calendar).date
        status = _status(rng, start, end, due, spec.today)
        joint = rng.random() < joint_share and len(pools) > 1
        others = rng.sample([p for p in pools if p is not lead], k=min(len(pools) - 1, rng.randint(1, 3))) if joint else []
        key = (lead.dept.code, end.year)
        serial[key] = serial.get(key, 0) + 1
        task_id = ids.take(Task)
        code = f"{lead.dept.code}-{end.year}-{spec.prefix}{serial[key]:04d}"
        title = f"{lead.item.name.removesuffix('的检查')}抽查（{end.month}月）"
        claim_deadline = start - dt.timedelta(days=7)
        rows["task"].append((task_id, code, title, lead.dept.pk, end.year, "own", Task.Scope.JOINT if joint else Task.Scope.SINGLE,
                             Task.DrawMode.TARGETED, {}, Task.Sampling.RATIO, 300, {}, True, 2, 20, False, start, end,
                             claim_deadline if joint else None, end + dt.timedelta(days=40), False, status, NOTE, user.pk, now, now, ""))
        taking = [lead]
        rows["part"].append((ids.take(TaskParticipant), task_id, lead.dept.pk, "initiator", 2, None, None, ""))
        rows["titem"].append((ids.take(TaskItem), task_id, lead.dept.pk, lead.item.pk))
        for other in others:
            if status in (S.DRAFT, S.PUBLISHED):
                state = "invited" if status == S.PUBLISHED else None
            else:
                state = "declined" if rng.random() < 0.1 else "claimed"
            if state is None:
                continue
            rows["part"].append((ids.take(TaskParticipant), task_id, other.dept.pk, state, 1, user.pk if state != "invited" else None,
                                 now if state != "invited" else None, "本部门该时段无检查力量" if state == "declined" else ""))
            if state == "claimed":
                taking.append(other)
                rows["titem"].append((ids.take(TaskItem), task_id, other.dept.pk, other.item.pk))
        if not _reached(status, S.ENTITIES_DRAWN):
            continue
        names = [dept_names[p.dept.pk] for p in taking]
        for uscc, entity_name, region in entity_pick.take(per_task):
            visit_id = ids.take(Visit)
            rows["visit"].append((visit_id, uscc, start, end, None, now))
            rows["vtask"].append((ids.take(VisitTask), visit_id, task_id))
            if not _reached(status, S.INSPECTORS_MATCHED):
                continue
            for k, part in enumerate(taking):
                team = rng.sample(part.inspectors, k=min(2, len(part.inspectors)))
                # 科所长负责制: the first three of each pool stand for section chiefs, more present in some departments.
                chiefs = part.inspectors[:3]
                if rng.random() < (0.25 + 0.5 * (part.dept.pk % 2)) and not set(team) & set(chiefs):
                    team[-1] = rng.choice(chiefs)
                for j, inspector in enumerate(team):
                    rows["team"].append((ids.take(TeamMember), visit_id, part.dept.pk, inspector, "", "drawn", k == 0 and j == 0,
                                         inspector in chiefs, "", None, now))
            if not _reached(status, S.INSPECTING):
                continue
            for part in taking:
                _result(rows, ids, rng, spec, user, task_id, code, title, joint, names, visit_id, part, uscc, entity_name,
                        region, start, end, due, status, now)
    counts = _insert(rows)
    ids.reset()
    return counts


class _EntityPicker:
    """Mostly fresh entities; about one in eight comes back (the repeat visits the office watches)."""

    def __init__(self, rng: random.Random, entities: list[tuple[str, str, str]]) -> None:
        self.rng, self.entities, self.i, self.seen = rng, entities, 0, list[tuple[str, str, str]]()

    def take(self, k: int) -> list[tuple[str, str, str]]:
        out: list[tuple[str, str, str]] = []
        while len(out) < k:
            if self.seen and self.rng.random() < 0.12:
                pick = self.rng.choice(self.seen)
            else:
                pick = self.entities[self.i % len(self.entities)]
                self.i += 1
                self.seen.append(pick)
            if pick not in out:
                out.append(pick)
        return out


def _result(rows: dict[str, list[tuple[Any, ...]]], ids: _Ids, rng: random.Random, spec: HistorySpec, user: User,
            task_id: int, code: str, title: str, joint: bool, names: list[str], visit_id: int, part: _Dept, uscc: str,
            entity_name: str, region: str, start: dt.date, end: dt.date, due: dt.date, status: str, now: Any) -> None:
    inspected = min(start + dt.timedelta(days=rng.randint(0, (end - start).days)), spec.today)
    if status in (S.RESULTS_PUBLISHED, S.CLOSED):
        state = "approved"
    elif status == S.IN_REVIEW:
        state = rng.choices(["approved", "submitted", "returned"], weights=[55, 40, 5])[0]
    else:
        state = rng.choice(["draft", "submitted"])
    categories, violations = _categories(rng)
    result_id = ids.take(Result)
    rows["result"].append((result_id, visit_id, task_id, part.dept.pk, part.item.pk, uscc, categories, violations, None,
                           ["on_site"], "", "", inspected, state, user.pk, now, "", 1))
    if state != "approved":
        return
    rows["record"].append((ids.take(InspectionRecord), uscc, part.dept.pk, part.item.pk, task_id, visit_id, "random", inspected))
    # Approval publishes (the outbox does it within minutes): mostly before the deadline, some after.
    late = rng.random() < 0.14
    day = due + dt.timedelta(days=rng.randint(1, 25)) if late else max(end, due - dt.timedelta(days=rng.randint(0, 25)))
    if day > spec.today:
        day = spec.today
    published_at = timezone.make_aware(dt.datetime.combine(day, dt.time(10, rng.randint(0, 59))))
    payload = {
        "抽查计划编号": "", "抽查计划名称": "", "抽查任务编号": code, "抽查任务名称": title,
        "抽查类型": SCOPE_LABEL[Task.Scope.JOINT if joint else Task.Scope.SINGLE], "抽查机关": names,
        "抽查完成日期": str(inspected), "检查事项": part.item.name, "检查结果": _wording(categories, violations),
        "统一社会信用代码": uscc, "主体名称": entity_name,
    }
    filter_keys = {"categories": categories, "departments": [part.dept.code], "uscc": uscc, "name": entity_name}
    rows["pub"].append((ids.take(PublicationRecord), "result", f"result:{code}:{uscc}:{part.item.pk}", 1, payload,
                        part.dept.code, end.year, region or "", categories[0], filter_keys, None, False, published_at))


def _json(value: Any) -> Any:
    import json

    return json.dumps(value, ensure_ascii=False) if connection.vendor == "postgresql" else value


TABLES: list[tuple[str, type[models.Model], list[str], set[int]]] = [
    ("task", Task, ["id", "code", "title", "department_id", "year", "source", "scope", "draw_mode", "filters", "sampling",
                    "ratio_bp", "risk_ratios_bp", "round_up", "inspectors_per_entity", "inspector_load_cap", "avoid_own_area",
                    "window_start", "window_end", "claim_deadline", "deadline", "secret", "status", "description",
                    "created_by_id", "created_at", "updated_at", "superior_ref"], {8, 11}),
    ("part", TaskParticipant, ["id", "task_id", "department_id", "status", "inspectors_per_entity", "responded_by_id",
                               "responded_at", "decline_reason"], set()),
    ("titem", TaskItem, ["id", "task_id", "department_id", "item_id"], set()),
    ("visit", Visit, ["id", "entity_id", "window_start", "window_end", "planned_on", "created_at"], set()),
    ("vtask", VisitTask, ["id", "visit_id", "task_id"], set()),
    ("team", TeamMember, ["id", "visit_id", "department_id", "inspector_id", "name", "kind", "is_leader", "is_section_chief",
                          "reason", "added_by_id", "added_at"], set()),
    ("result", Result, ["id", "visit_id", "task_id", "department_id", "item_id", "entity_id", "categories", "violations",
                        "other_department_id", "methods", "findings", "avoidance_on_site", "inspected_on", "status",
                        "entered_by_id", "updated_at", "client_token", "version"], {6, 7, 9}),
    ("record", InspectionRecord, ["id", "entity_id", "department_id", "item_id", "task_id", "visit_id", "kind", "inspected_on"], set()),
    ("pub", PublicationRecord, ["id", "kind", "public_id", "version", "payload", "department_code", "year", "street", "category",
                                "filter_keys", "supersedes_id", "withdrawn", "published_at"], {4, 9}),
]


def _insert(rows: dict[str, list[tuple[Any, ...]]]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for key, model, fields, json_cols in TABLES:
        data = rows[key]
        if not data:
            continue
        if json_cols:
            data = [tuple(_json(v) if i in json_cols else v for i, v in enumerate(row)) for row in data]
        counts[model._meta.label_lower] = bulk_insert(model, fields, data)
        audit_bulk(action="bulk_create", object_type=model._meta.label_lower, count=len(data),
                   digest=digest_of([str(r[0]) for r in data]), summary={"source": "oversight history"})
    return counts


def _pools(departments: Sequence[Department] | None) -> list[_Dept]:
    qs = Department.objects.filter(kind=Department.Kind.REGULATOR, is_active=True, level=Department.Level.DISTRICT).order_by("code")
    if departments is not None:
        qs = qs.filter(pk__in=[d.pk for d in departments])
    out = []
    for dept in qs:
        item = InspectionItem.objects.filter(department=dept, parent__isnull=True, is_active=True).order_by("code").first()
        inspectors = list(Inspector.objects.filter(department=dept, is_active=True).order_by("cert_no").values_list("pk", flat=True)[:60])
        if item is not None and len(inspectors) >= 2:
            out.append(_Dept(dept, item, inspectors))
    return out


@demo_step(60, "oversight: a year of history for the office's dashboard")
def seed(out: Any) -> None:
    if Task.objects.filter(description=NOTE).exists():
        return
    user = User.objects.filter(username="scj_admin").first() or User.objects.filter(is_superuser=True).first()
    if user is None:
        return
    counts = build_history(spec=HistorySpec(today=timezone.localdate(), tasks=90, results=2400), user=user)
    out.write("  history: " + ", ".join(f"{k.split('.')[-1]} {v}" for k, v in counts.items()) + "\n")

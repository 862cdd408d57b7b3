"""A small constructed district for the dashboard tests; every expected number is worked out by
hand in ``EXPECTED`` (see the comments), not by the code under test."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from agencies.models import Department, Role
from core.models import PublicationRecord
from inspections.models import InspectionItem, Result, Task, TaskParticipant, TeamMember, Visit, VisitTask
from tests.entities.factories import make_entity, make_inspector, member

TODAY = dt.date(2026, 6, 15)
YEAR = "2026"


@dataclass
class World:
    a: Department
    b: Department
    office: Any
    discipline: Any
    tasks: dict[str, Task]
    results: dict[str, Result]
    visits: dict[str, Visit]


def _task(code: str, dept: Department, user: Any, *, status: str, end: dt.date, scope: str = "single",
          claim_deadline: dt.date | None = None) -> Task:
    return Task.objects.create(
        code=code, title=f"任务{code}", department=dept, year=end.year, scope=scope, status=status,
        window_start=end - dt.timedelta(days=30), window_end=end, deadline=end + dt.timedelta(days=60),
        claim_deadline=claim_deadline, created_by=user,
    )


def _published(result: Result, on: dt.date) -> None:
    PublicationRecord.objects.create(
        kind="result", public_id=f"result:{result.task.code}:{result.entity_id}:{result.item_id}", payload={},
        department_code=result.department.code, year=2026,
        published_at=timezone.make_aware(dt.datetime.combine(on, dt.time(23, 30))),  # late evening, local time
    )


def build(cast: Any) -> World:
    a, b = cast.dept_a, cast.dept_b
    lxb = Department.objects.create(code="LXB", name="联席办", kind=Department.Kind.OFFICE)
    jjz = Department.objects.create(code="JJZ", name="纪检组", kind=Department.Kind.DISCIPLINE)
    office = member("office1", lxb, Role.OFFICE)
    discipline = member("discipline1", jjz, Role.DISCIPLINE)
    user = cast.alice
    item_a = InspectionItem.objects.create(department=a, code="A-1", name="甲事项")
    item_b = InspectionItem.objects.create(department=b, code="B-1", name="乙事项")
    e1, e2, e3, e4 = (make_entity() for _ in range(4))
    t = {
        "T0": _task("T0", a, user, status="results_published", end=dt.date(2025, 12, 31)),  # another year
        "T1": _task("T1", a, user, status="results_published", end=dt.date(2026, 3, 31)),
        "T2": _task("T2", a, user, status="in_review", end=dt.date(2026, 5, 8), scope="joint"),
        "T3": _task("T3", b, user, status="inspecting", end=dt.date(2026, 5, 20)),
        "T4": _task("T4", b, user, status="published", end=dt.date(2026, 7, 31), scope="joint",
                    claim_deadline=dt.date(2026, 6, 1)),
        "T5": _task("T5", a, user, status="draft", end=dt.date(2026, 9, 30)),
    }
    for code, dept, status in [("T0", a, "initiator"), ("T1", a, "initiator"), ("T2", a, "initiator"), ("T2", b, "claimed"),
                               ("T3", b, "initiator"), ("T4", b, "initiator"), ("T4", a, "invited"), ("T5", a, "initiator"),
                               ("T5", b, "declined")]:
        TaskParticipant.objects.create(task=t[code], department=dept, status=status)
    v = {}
    for name, entity, task in [("V0", e1, "T0"), ("V1", e1, "T1"), ("V2", e2, "T1"), ("V3", e3, "T2"), ("V4", e1, "T2"),
                               ("V5", e4, "T3")]:
        v[name] = Visit.objects.create(entity=entity, window_start=t[task].window_start, window_end=t[task].window_end)
        VisitTask.objects.create(visit=v[name], task=t[task])
    ia1, ia2, ib1 = make_inspector(a, name="甲一"), make_inspector(a, name="甲二"), make_inspector(b, name="乙一")
    for visit, inspector, dept, chief in [("V0", ia1, a, False), ("V1", ia1, a, False), ("V1", ia2, a, False),
                                          ("V2", ia2, a, False), ("V3", ia1, a, True), ("V3", ib1, b, False),
                                          ("V4", ia2, a, False), ("V5", ib1, b, False)]:
        TeamMember.objects.create(visit=v[visit], inspector=inspector, department=dept, is_section_chief=chief)
    r = {}
    for name, visit, task, dept, item, status in [
        ("R0", "V0", "T0", a, item_a, "approved"),
        ("R1", "V1", "T1", a, item_a, "approved"), ("R2", "V2", "T1", a, item_a, "approved"),
        ("R3a", "V3", "T2", a, item_a, "approved"), ("R3b", "V3", "T2", b, item_b, "submitted"),
        ("R4", "V4", "T2", a, item_a, "draft"), ("R5", "V5", "T3", b, item_b, "draft"),
    ]:
        r[name] = Result.objects.create(visit=v[visit], task=t[task], department=dept, item=item, entity_id=v[visit].entity_id,
                                        categories=["no_problem"], status=status, entered_by=user)
    _published(r["R0"], dt.date(2026, 1, 10))
    _published(r["R1"], dt.date(2026, 4, 29))  # due 2026-04-29 (see DUE): on time, on the last day
    _published(r["R2"], dt.date(2026, 5, 20))  # late
    return World(a, b, office, discipline, t, r, v)


# Publication due = window end + 20 working days on the official 2026 calendar:
# T1 ends Tue 31 Mar: Apr 1-3 (3), Qingming Apr 4-6 off, Apr 7-10 (7), 13-17 (12), 20-24 (17), 27-29 (20) -> Wed 29 Apr.
# T2 ends Fri 8 May: May 9 is a make-up Saturday (1), 11-15 (6), 18-22 (11), 25-29 (16), Jun 1-4 (20) -> Thu 4 Jun (past: red).
# T3 ends Wed 20 May: 21-22 (2), 25-29 (7), Jun 1-5 (12), 8-12 (17), 15-17 (20) -> Wed 17 Jun (within 5 working days: yellow).
DUE = {"T1": dt.date(2026, 4, 29), "T2": dt.date(2026, 6, 4), "T3": dt.date(2026, 6, 17)}

EXPECTED: dict[str, Any] = {
    # participations (declined ones excluded): A takes part in T1, T2, T4 (invited), T5; B in T2, T3, T4.
    "stages": {
        "A": {"planned": 4, "launched": 3, "claimed": 2, "drawn": 2, "matched": 2, "inspected": 2, "reviewed": 1, "published": 1},
        "B": {"planned": 3, "launched": 3, "claimed": 2, "drawn": 2, "matched": 2, "inspected": 1, "reviewed": 0, "published": 0},
    },
    "joint": {"A": 2, "B": 2},
    "claim_overdue": {"A": 1, "B": 0},
    # cards on the initiator: T2 (A) red, T3 (B) yellow.
    "red": {"A": 1, "B": 0},
    "yellow": {"A": 0, "B": 1},
    "results": {
        "A": {"entered": 4, "approved": 3, "published": 2, "on_time": 1, "late": 1, "overdue": 2, "due_soon": 0},
        "B": {"entered": 2, "approved": 0, "published": 0, "on_time": 0, "late": 0, "overdue": 1, "due_soon": 1},
    },
    "visits": 5, "joint_visits": 1, "visits_saved": 1, "repeat_entities": 1,
    "inspectors": 3, "load_max": 3, "load_avg": 2.3,
    "launched_tasks": 4, "joint_tasks": 2,
    "chiefs": {"A": (4, 1), "B": (2, 0)},
}

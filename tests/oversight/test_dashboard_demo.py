"""The demo history keeps the invariants of real work, and the dashboard reads it as the naive loop does."""

from __future__ import annotations

import pytest

from core.models import PublicationRecord
from inspections.models import Draw, Result, Task, TaskStatus, TeamMember, Visit
from inspections.results import public_result
from oversight import dashboard as d
from oversight.demo import HistorySpec, build_history
from tests.entities.factories import make_inspector
from tests.inspections.entities import registry
from tests.inspections.factories import item
from tests.oversight.dashboard_data import TODAY

pytestmark = pytest.mark.django_db

BEFORE_INSPECTION = [TaskStatus.DRAFT, TaskStatus.PUBLISHED, TaskStatus.CLAIMED, TaskStatus.READY,
                     TaskStatus.ENTITIES_DRAWN, TaskStatus.INSPECTORS_MATCHED]


@pytest.fixture
def history(cast, official_calendar):  # type: ignore[no-untyped-def]
    for dept in (cast.dept_a, cast.dept_b):
        item(dept, code=f"{dept.code}-1")
        for _ in range(4):
            make_inspector(dept)
    registry(120)
    return build_history(spec=HistorySpec(today=TODAY, tasks=16, results=160, days=200), user=cast.alice,
                         departments=[cast.dept_a, cast.dept_b])


def test_history_holds_tasks_in_every_stage_and_results_only_where_inspection_began(history) -> None:
    statuses = set(Task.objects.values_list("status", flat=True))
    assert {TaskStatus.RESULTS_PUBLISHED, TaskStatus.INSPECTING} <= statuses and len(statuses) >= 5
    assert not Result.objects.filter(task__status__in=BEFORE_INSPECTION).exists()
    assert not TeamMember.objects.filter(visit__visit_tasks__task__status__in=BEFORE_INSPECTION[:5]).exists()
    assert not Draw.objects.exists()  # the earlier platform's draws are not passed off as checkable ones here
    assert Visit.objects.filter(visit_tasks__isnull=True).count() == 0


def test_every_approved_result_is_published_with_the_public_field_set_and_nothing_else_is(history) -> None:
    approved = Result.objects.filter(status="approved").select_related("task", "item", "entity", "other_department")
    assert approved.count() == PublicationRecord.objects.filter(kind="result").count() > 0
    for result in approved[:30]:
        record = PublicationRecord.objects.get(public_id=f"result:{result.task.code}:{result.entity_id}:{result.item_id}")
        assert record.payload == public_result(result)


def test_the_dashboard_reads_the_history_as_the_naive_loop_does(history) -> None:
    period = d.Period(TODAY.replace(month=1, day=1).replace(year=TODAY.year - 1), TODAY.replace(month=12, day=31), "x")
    board = d.dashboard(period=period, today=TODAY)
    naive = d.dept_totals_naive(period=period, today=TODAY)
    assert board.totals.results["entered"] == Result.objects.count()
    for row in board.departments:
        if row.results:
            assert {k: naive[row.department.pk].get(k, 0) for k in row.results} == row.results
    assert board.totals.results["late"] > 0 and board.visits_saved > 0

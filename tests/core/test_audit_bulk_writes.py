"""Writes that fire no signal (conditional UPDATEs, bulk_create, raw INSERTs) are chained too, and
``verify_records`` finds their rows changed behind the chain's back."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.utils import timezone

from agencies.models import Role
from core.audit import verify_records
from core.models import AuditEntry
from inspections.drawing import draw_announce, draw_record_randomness, entity_list_assign
from inspections.models import RedrawRequest, Task, TaskCommitment, Visit, VisitTask
from inspections.randomness import lottery_source
from inspections.redraws import redraw_request_create, redraw_request_decide
from inspections.services import task_publish
from tests.factories import DepartmentFactory, person
from tests.inspections.entities import code, registry
from tests.inspections.factories import make_task

pytestmark = pytest.mark.django_db


def tomorrow() -> dt.date:
    """Tomorrow when the test runs, not when this module was imported: a run may cross midnight."""
    return timezone.localdate() + dt.timedelta(days=1)


@pytest.fixture(autouse=True)
def _in_process(settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True


@pytest.fixture
def drawn(django_capture_on_commit_callbacks):
    dept = DepartmentFactory(code="SCJG")
    clerk, chief = person("clerk", dept, Role.STAFF), person("chief", dept, Role.SECTION_CHIEF)
    registry(120)
    task = make_task(user=clerk, department=dept, ratio_bp=800)
    task_publish(task=task, user=clerk)
    draw = draw_announce(task=task, user=clerk)
    with django_capture_on_commit_callbacks(execute=True):
        draw_record_randomness(draw=draw, raw_values=["246", "13579"], user=clerk, today=tomorrow())
    draw.refresh_from_db()
    assert draw.status == "done" and VisitTask.objects.filter(task=task).exists()
    return task, clerk, chief, draw


def _execute(sql: str, params: list) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_the_commitment_advance_is_chained_without_the_secret(drawn) -> None:
    task, *_ = drawn
    chain = TaskCommitment.objects.get(task=task)
    assert chain.next_iteration == 2
    last = AuditEntry.objects.filter(object_type="inspections.taskcommitment", object_id=str(chain.pk)).order_by("-seq").first()
    # The first draw creates the chain with its first iteration taken: one write, chained once.
    assert last.action == "create" and last.changes["next_iteration"] == 2
    assert last.changes["secret_hex"].startswith("sha256:")
    assert not any(chain.secret_hex in str(c) for c in AuditEntry.objects.values_list("changes", flat=True))
    assert verify_records().ok, verify_records().problems

    # Winding the chain back (to reuse a code) is found.
    TaskCommitment.objects.filter(pk=chain.pk).update(next_iteration=1)
    assert f"inspections.taskcommitment:{chain.pk} differs from its chained record" in verify_records().problems


def test_a_visit_altered_behind_the_chain_is_found(drawn) -> None:
    task, *_ = drawn
    assert verify_records().ok, verify_records().problems
    joins = AuditEntry.objects.filter(action="visit_join")
    assert joins.count() == 1 and joins.get().count == VisitTask.objects.filter(task=task).count()

    victim = Visit.objects.filter(visit_tasks__task=task).order_by("pk").first()
    _execute("UPDATE inspections_visit SET entity_id = %s WHERE id = %s", [code(119), victim.pk])
    problems = verify_records().problems
    assert any(p.startswith("#") and f"visit_join task_id={task.pk}: rows differ" in p for p in problems), problems
    with pytest.raises(CommandError):
        call_command("verify_audit")


def test_a_visit_removed_behind_the_chain_is_found(drawn) -> None:
    task, *_ = drawn
    victim = Visit.objects.filter(visit_tasks__task=task).order_by("pk").first()
    _execute("DELETE FROM inspections_visittask WHERE visit_id = %s", [victim.pk])
    _execute("DELETE FROM inspections_visit WHERE id = %s", [victim.pk])
    assert any(f"visit_join task_id={task.pk}" in p and "rows stored" in p for p in verify_records().problems)


def test_a_redraw_by_request_is_chained_and_still_verifies(drawn, django_capture_on_commit_callbacks) -> None:
    task, clerk, chief, draw = drawn
    request = redraw_request_create(draw=draw, user=clerk, reason="名录有误")
    later = [lottery_source("fc3d", tomorrow() + dt.timedelta(days=1))]
    request = redraw_request_decide(request=request, user=chief, approve=True, note="同意", sources=later)
    with django_capture_on_commit_callbacks(execute=True):
        draw_record_randomness(draw=request.new_draw, raw_values=["777"], user=clerk, today=tomorrow() + dt.timedelta(days=1))
    last = AuditEntry.objects.filter(object_type="inspections.redrawrequest", object_id=str(request.pk)).order_by("-seq").first()
    assert last.changes["status"] == "approved" and last.changes["new_draw_id"] == request.new_draw.pk
    # The redraw moved the task's visits: the removals are chained row by row, the join restates the set.
    assert AuditEntry.objects.filter(action="visit_join").count() == 2
    report = verify_records()
    assert report.ok, report.problems
    call_command("verify_audit")

    RedrawRequest.objects.filter(pk=request.pk).update(decision_note="")
    assert f"inspections.redrawrequest:{request.pk} differs from its chained record" in verify_records().problems


def test_a_task_status_changed_by_raw_sql_is_found(drawn) -> None:
    task, *_ = drawn
    assert Task.objects.get(pk=task.pk).status == "entities_drawn"
    assert verify_records().ok
    _execute("UPDATE inspections_task SET status = %s WHERE id = %s", ["ready", task.pk])
    problems = verify_records().problems
    assert f"inspections.task:{task.pk} status 'ready' differs from its chained state 'entities_drawn'" in problems


def test_an_entity_list_altered_behind_the_chain_is_found() -> None:
    dept = DepartmentFactory(code="SCJG")
    user = person("clerk", dept, Role.STAFF)
    registry(20)
    task = make_task(user=user, department=dept, draw_mode="assigned", source="superior")
    task_publish(task=task, user=user)
    entity_list_assign(task=task, user=user, usccs=[code(i) for i in range(5)], note="省局下发名单")
    report = verify_records()
    assert report.ok, report.problems
    assert AuditEntry.objects.filter(action="visit_join", changes__task_id=task.pk).exists()

    _execute("UPDATE inspections_entitylistitem SET entity_id = %s WHERE entity_id = %s", [code(19), code(0)])
    assert any(f"entity_list task={task.code}: rows differ" in p for p in verify_records().problems)

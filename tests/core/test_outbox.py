import pytest
from django.db import transaction

from agencies.models import Department
from core.models import OutboxItem
from core.outbox import outbox_enqueue, outbox_execute, outbox_handler, outbox_sweep

pytestmark = pytest.mark.django_db

CALLS: list[int] = []


@outbox_handler("tests.rename")
def rename(item: OutboxItem) -> dict:
    CALLS.append(item.pk)
    dept = Department.objects.get(code=item.payload["code"])
    dept.name = item.payload["name"]
    dept.save()
    if item.payload.get("explode"):
        raise RuntimeError("boom")
    return {"renamed": dept.code}


@pytest.fixture(autouse=True)
def _in_process(settings) -> None:
    """These tests are about the outbox itself, run in-process; the worker tests use Redis."""
    settings.CELERY_TASK_ALWAYS_EAGER = True
    CALLS.clear()


def test_the_request_is_a_row_and_runs_in_process_on_commit_without_redis(django_capture_on_commit_callbacks) -> None:
    Department.objects.create(code="X", name="旧名")
    with django_capture_on_commit_callbacks(execute=True):
        item = outbox_enqueue(handler="tests.rename", payload={"code": "X", "name": "新名"})
    item.refresh_from_db()
    assert item.status == OutboxItem.Status.DONE
    assert item.result["renamed"] == "X"
    assert Department.objects.get(code="X").name == "新名"


def test_nothing_is_queued_when_the_asking_transaction_rolls_back(django_capture_on_commit_callbacks) -> None:
    Department.objects.create(code="X", name="旧名")
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ValueError), transaction.atomic():
        outbox_enqueue(handler="tests.rename", payload={"code": "X", "name": "新名"})
        raise ValueError("the change that asked for it failed")
    assert not OutboxItem.objects.exists()
    assert CALLS == []


def test_running_an_item_twice_does_the_work_once() -> None:
    Department.objects.create(code="X", name="旧名")
    item = OutboxItem.objects.create(handler="tests.rename", payload={"code": "X", "name": "新名"})
    assert outbox_execute(item_id=item.pk) == "done"
    assert outbox_execute(item_id=item.pk) == "done"
    assert CALLS == [item.pk]


def test_a_failed_handler_leaves_the_data_as_it_was_and_the_item_pending() -> None:
    Department.objects.create(code="X", name="旧名")
    item = OutboxItem.objects.create(handler="tests.rename", payload={"code": "X", "name": "新名", "explode": True})
    assert outbox_execute(item_id=item.pk) == "failed"
    item.refresh_from_db()
    assert item.status == OutboxItem.Status.PENDING and item.attempts == 1 and "boom" in item.last_error
    assert Department.objects.get(code="X").name == "旧名"


def test_a_duplicate_request_with_the_same_key_is_one_row() -> None:
    Department.objects.create(code="X", name="旧名")
    first = outbox_enqueue(handler="tests.rename", payload={"code": "X", "name": "A"}, dedupe_key="rename-X")
    second = outbox_enqueue(handler="tests.rename", payload={"code": "X", "name": "B"}, dedupe_key="rename-X")
    assert first.pk == second.pk and OutboxItem.objects.count() == 1


def test_a_visitor_of_the_public_site_may_ask_with_or_without_a_key() -> None:
    from django.contrib.auth.models import AnonymousUser

    Department.objects.create(code="X", name="旧名")
    with transaction.atomic():
        keyed = outbox_enqueue(handler="tests.rename", payload={"code": "X", "name": "A"}, dedupe_key="v", user=AnonymousUser())
        again = outbox_enqueue(handler="tests.rename", payload={"code": "X", "name": "A"}, dedupe_key="v", user=AnonymousUser())
        plain = outbox_enqueue(handler="tests.rename", payload={"code": "X", "name": "B"}, user=AnonymousUser())
        transaction.set_rollback(True)  # nothing needs to run
    assert keyed.pk == again.pk != plain.pk and keyed.created_by_id is None


def test_an_unknown_handler_is_refused_in_the_request() -> None:
    with pytest.raises(KeyError):
        outbox_enqueue(handler="nobody.runs.this", payload={})


def test_the_sweep_runs_rows_nobody_picked_up(settings) -> None:
    Department.objects.create(code="X", name="旧名")
    item = OutboxItem.objects.create(handler="tests.rename", payload={"code": "X", "name": "新名"})
    from datetime import timedelta

    assert outbox_sweep(stale_after=timedelta(0)) == 1
    item.refresh_from_db()
    assert item.status == OutboxItem.Status.DONE


def test_held_back_items_wait_for_the_caller_and_others_run_on_commit(django_capture_on_commit_callbacks, settings) -> None:
    from core.outbox import held_back

    Department.objects.create(code="X", name="旧名")
    Department.objects.create(code="Y", name="旧名")
    with held_back("tests.rename") as held, django_capture_on_commit_callbacks(execute=True):
        item = outbox_enqueue(handler="tests.rename", payload={"code": "X", "name": "新名"})
    assert held == {"tests.rename": [item.pk]} and CALLS == []
    item.refresh_from_db()
    assert item.status == OutboxItem.Status.PENDING and Department.objects.get(code="X").name == "旧名"
    assert outbox_execute(item_id=item.pk) == OutboxItem.Status.DONE
    assert Department.objects.get(code="X").name == "新名"
    with django_capture_on_commit_callbacks(execute=True):  # outside the block: runs on commit again
        outbox_enqueue(handler="tests.rename", payload={"code": "Y", "name": "新名"})
    assert Department.objects.get(code="Y").name == "新名"
    settings.CELERY_TASK_ALWAYS_EAGER = False
    with pytest.raises(RuntimeError), held_back("tests.rename"):
        pass

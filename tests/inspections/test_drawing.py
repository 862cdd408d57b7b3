import datetime as dt

import pytest
from django.utils import timezone

from agencies.models import Role
from core.models import PublicationRecord
from inspections import draw as engine
from inspections.drawing import DrawRefused, draw_announce, draw_execute, draw_record_randomness, unpack
from inspections.models import Draw, DrawSelection, InspectionRecord, TaskCommitment, Visit
from inspections.services import TaskError, task_publish, task_transition
from tests.factories import DepartmentFactory, person
from tests.inspections.entities import registry
from tests.inspections.factories import make_task

pytestmark = pytest.mark.django_db


def tomorrow() -> dt.date:
    """Tomorrow when the test runs, not when this module was imported: a run may cross midnight."""
    return timezone.localdate() + dt.timedelta(days=1)


@pytest.fixture(autouse=True)
def _in_process(settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True


@pytest.fixture
def ready_task(django_capture_on_commit_callbacks):
    dept = DepartmentFactory(code="SCJG")
    user = person("clerk", dept, Role.STAFF)
    registry(200)
    task = make_task(user=user, department=dept, ratio_bp=500, title="食品经营者抽查")
    task_publish(task=task, user=user)
    task.refresh_from_db()
    assert task.status == "ready"
    return task, user


def _run(draw, user, django_capture_on_commit_callbacks, values=("358", "04712")):
    with django_capture_on_commit_callbacks(execute=True):
        draw_record_randomness(draw=draw, raw_values=list(values), user=user, today=tomorrow())
    draw.refresh_from_db()
    return draw


def test_an_announcement_is_recorded_and_published_before_any_randomness(ready_task) -> None:
    task, user = ready_task
    draw = draw_announce(task=task, user=user)
    assert draw.status == "announced" and draw.randomness is None
    chain = TaskCommitment.objects.get(task=task)
    assert chain.chain_length >= 32 and draw.announcement["commitment_hash_hex"] == chain.commitment_hex
    assert draw.frame_size == 200 and draw.announcement["frame_hash_hex"] == draw.frame_hash_hex
    record = PublicationRecord.objects.get(kind="draw")
    assert record.payload["announcement"] == draw.announcement
    assert [s["kind"] for s in record.payload["announcement"]["sources"]] == ["lottery", "lottery"]


def test_the_commitment_secret_never_enters_the_audit_trail(ready_task) -> None:
    from core.models import AuditEntry

    task, user = ready_task
    draw_announce(task=task, user=user)
    chain = TaskCommitment.objects.get(task=task)
    trail = [str(e.changes) for e in AuditEntry.objects.filter(object_type="inspections.taskcommitment")]
    assert trail and not any(chain.secret_hex in t for t in trail)


def test_the_selection_follows_from_the_stored_randomness_and_verifies(ready_task, django_capture_on_commit_callbacks) -> None:
    task, user = ready_task
    draw = _run(draw_announce(task=task, user=user), user, django_capture_on_commit_callbacks)
    assert draw.status == "done"
    task.refresh_from_db()
    assert task.status == "entities_drawn"
    # 5% of each stratum (entity type), rounded up: 50 enterprises -> ceil(2.5) = 3,
    # 100 individual businesses -> 5, 50 co-operatives -> 3.
    assert DrawSelection.objects.filter(draw=draw).count() == 11
    bundle = unpack(draw.evidence.bundle)
    report = engine.verify_bundle(bundle, draw.announcement)
    assert report.ok, report
    assert [s["label"] for s in bundle["selected"]] == list(
        DrawSelection.objects.filter(draw=draw).order_by("rank").values_list("entity_id", flat=True)
    )


def test_running_a_done_draw_again_changes_nothing(ready_task, django_capture_on_commit_callbacks) -> None:
    task, user = ready_task
    draw = _run(draw_announce(task=task, user=user), user, django_capture_on_commit_callbacks)
    before = list(DrawSelection.objects.filter(draw=draw).values_list("entity_id", "order_hex"))
    assert draw_execute(draw_id=draw.pk) == "already done"
    assert list(DrawSelection.objects.filter(draw=draw).values_list("entity_id", "order_hex")) == before


def test_a_lottery_result_cannot_be_entered_before_its_date(ready_task) -> None:
    task, user = ready_task
    draw = draw_announce(task=task, user=user)
    with pytest.raises(Exception, match="尚未产生"):
        draw_record_randomness(draw=draw, raw_values=["358", "04712"], user=user, today=timezone.localdate())
    draw.refresh_from_db()
    assert draw.randomness is None


def test_randomness_once_recorded_cannot_be_changed(ready_task, django_capture_on_commit_callbacks) -> None:
    task, user = ready_task
    draw = _run(draw_announce(task=task, user=user), user, django_capture_on_commit_callbacks)
    with pytest.raises(DrawRefused, match="不能更改"):
        draw_record_randomness(draw=draw, raw_values=["111", "22222"], user=user, today=tomorrow())


def test_server_entropy_alone_is_refused_for_a_real_draw(ready_task) -> None:
    task, user = ready_task
    with pytest.raises(DrawRefused, match="无法控制"):
        draw_announce(task=task, user=user, sources=[], server_entropy=True)
    assert not Draw.objects.exists()


def test_a_trial_draw_never_becomes_the_tasks_draw(ready_task, django_capture_on_commit_callbacks) -> None:
    task, user = ready_task
    trial = draw_announce(task=task, user=user, sources=[], server_entropy=True, trial=True)
    trial = _run(trial, user, django_capture_on_commit_callbacks, values=("",))
    assert trial.status == "done"
    task.refresh_from_db()
    assert task.status == "ready"
    assert not PublicationRecord.objects.filter(kind="draw").exists()
    with pytest.raises(TaskError, match="尚无完成的正式抽取"):
        task_transition(task=task, action="record_entity_draw", user=user)


def test_a_task_cannot_reach_entities_drawn_without_a_draw(ready_task) -> None:
    task, user = ready_task
    with pytest.raises(TaskError):
        task_transition(task=task, action="record_entity_draw", user=user)


def test_a_second_real_draw_needs_the_redraw_path(ready_task, django_capture_on_commit_callbacks) -> None:
    task, user = ready_task
    _run(draw_announce(task=task, user=user), user, django_capture_on_commit_callbacks)
    with pytest.raises(DrawRefused):
        draw_announce(task=task, user=user)


def test_exclusions_are_counted_and_leave_the_frame(ready_task) -> None:
    task, user = ready_task
    registry(7, start=1000, status="deregistered")
    item = task.task_items.first().item
    first = task.department
    inspected = registry(3, start=2000)
    for e in inspected:
        InspectionRecord.objects.create(entity=e, department=first, item=item, inspected_on=dt.date(task.year, 3, 1))
    draw = draw_announce(task=task, user=user)
    rules = {e["rule"]: e["removed"] for e in draw.announcement and unpack(draw.frame.blob)["exclusions"]}
    assert rules["not_in_existence"] == 7
    assert rules["inspected_this_year_for_item"] == 3
    assert draw.frame_size == 200


def test_two_tasks_of_one_window_share_one_visit(ready_task, django_capture_on_commit_callbacks) -> None:
    task, user = ready_task
    draw = _run(draw_announce(task=task, user=user), user, django_capture_on_commit_callbacks)
    from inspections.drawing import join_visits

    selected = list(draw.selections.values_list("entity_id", flat=True))
    from tests.inspections.factories import item

    other = make_task(user=user, department=task.department, ratio_bp=100, title="另一任务",
                      items=[item(task.department, "I2", "另一事项")])
    saved = join_visits(task=other, usccs=selected[:5])
    assert saved == 5
    assert Visit.objects.count() == len(selected)
    assert Visit.objects.filter(tasks=other).count() == 5


def test_the_result_is_public_at_once_with_its_bundle_attached(ready_task, django_capture_on_commit_callbacks) -> None:
    task, user = ready_task
    draw = _run(draw_announce(task=task, user=user), user, django_capture_on_commit_callbacks)
    record = PublicationRecord.objects.filter(kind="draw").order_by("-version").first()
    assert record.version == 2 and record.supersedes is not None
    assert [s["label"] for s in record.payload["result"]["selected"]] == list(
        draw.selections.order_by("rank").values_list("entity_id", flat=True)
    )
    assert record.attachments.get().name.endswith(".json")


def test_a_secret_tasks_list_stays_unpublished_until_the_inspection_starts(ready_task, django_capture_on_commit_callbacks) -> None:
    task, user = ready_task
    task.secret = True
    task.save()
    draw = _run(draw_announce(task=task, user=user), user, django_capture_on_commit_callbacks)
    assert not PublicationRecord.objects.filter(kind="draw", payload__has_key="result").exists()
    from inspections.models import Task as T

    T.objects.filter(pk=task.pk).update(status="inspectors_matched")
    task_transition(task=task, action="start_inspection", user=user)
    latest = PublicationRecord.objects.filter(kind="draw").order_by("-version").first()
    assert latest.payload["result"]["selected"]
    assert draw.selections.count() == len(latest.payload["result"]["selected"])


def test_the_frozen_frame_is_stored_whole_and_chained_like_a_saved_row(ready_task) -> None:
    """The frame row is written (and read) by binary COPY on PostgreSQL, the ORM elsewhere: it
    reads back byte for byte, the per-type export gives the frame the announcement hashed, and
    the audit chain holds the same snapshot a ``save()`` would have chained."""
    from core.audit import snapshot
    from core.bulk import read_blob
    from core.models import AuditEntry
    from inspections.drawing import frame_from_blob, stored_frame_blob
    from inspections.models import DrawFrame

    task, user = ready_task
    draw = draw_announce(task=task, user=user)
    row = DrawFrame.objects.get(draw=draw)
    assert stored_frame_blob(draw) == bytes(row.blob) == read_blob(DrawFrame, row.pk, "blob")
    assert frame_from_blob(row.blob, algorithm=draw.algorithm).hash_hex == draw.frame_hash_hex
    chained = AuditEntry.objects.get(object_type="inspections.drawframe", object_id=str(row.pk), action="create")
    assert chained.changes == snapshot(row) and chained.changes["blob"]["bytes"] == len(bytes(row.blob))
    with pytest.raises(DrawFrame.DoesNotExist):
        read_blob(DrawFrame, row.pk + 1000, "blob")
    # Found by another unique key in one statement: the draw's own frame, and no other draw's.
    assert read_blob(DrawFrame, draw.pk, "blob", by="draw") == bytes(row.blob)
    with pytest.raises(DrawFrame.DoesNotExist):
        read_blob(DrawFrame, draw.pk + 1000, "blob", by="draw")
    with pytest.raises(ValueError, match="not unique"):
        read_blob(DrawFrame, "{}", "blob", by="summary")

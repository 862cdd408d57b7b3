"""A worker killed during a draw, between storing the randomness and committing the selection."""

import datetime as dt
from datetime import timedelta

import pytest
from django.utils import timezone

from agencies.models import Role
from core.models import OutboxItem
from core.outbox import outbox_sweep
from inspections import draw as engine
from inspections.drawing import draw_announce, draw_record_randomness, evidence_bundle
from inspections.models import Draw, DrawSelection
from inspections.services import task_publish
from tests.conftest import KILL_FILE, wait_for
from tests.factories import DepartmentFactory, person
from tests.inspections.entities import registry
from tests.inspections.factories import make_task

pytestmark = [pytest.mark.postgres, pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]


def test_a_worker_killed_mid_draw_leaves_nothing_and_the_retry_gives_the_predicted_selection(celery_worker) -> None:
    dept = DepartmentFactory(code="SCJG")
    user = person("clerk", dept, Role.STAFF)
    registry(300)
    task = make_task(user=user, department=dept, ratio_bp=300)
    task_publish(task=task, user=user)
    draw = draw_announce(task=task, user=user)

    KILL_FILE.write_text("die once")  # the worker that runs the draw dies before committing
    draw_record_randomness(draw=draw, raw_values=["907", "31415"], user=user, today=timezone.localdate() + dt.timedelta(days=1))
    stored = Draw.objects.get(pk=draw.pk)
    randomness_before = (stored.randomness, stored.ikm_utf8, stored.randomness_at)

    assert wait_for(lambda: not celery_worker.alive(), timeout=60), "the worker did not reach the kill point"
    assert not KILL_FILE.exists()
    stored.refresh_from_db()
    assert stored.status == "randomness"
    assert not DrawSelection.objects.filter(draw=draw).exists()  # no partial rows

    celery_worker.ensure_alive()
    assert outbox_sweep(stale_after=timedelta(0)) >= 1  # what beat does every OUTBOX_SWEEP_SECONDS
    assert wait_for(lambda: Draw.objects.get(pk=draw.pk).status == "done", timeout=60)
    # then the evidence work after the draw (its own outbox job), which also publishes the result
    assert wait_for(lambda: OutboxItem.objects.filter(dedupe_key=f"evidence:{draw.pk}", status="done").exists(), timeout=90)

    done = Draw.objects.get(pk=draw.pk)
    assert (done.randomness, done.ikm_utf8, done.randomness_at) == randomness_before
    bundle = evidence_bundle(done)  # built by background work after the draw, or now
    assert engine.verify_bundle(bundle, done.announcement).ok
    chosen = list(DrawSelection.objects.filter(draw=draw).order_by("rank").values_list("entity_id", flat=True))
    assert chosen == [s["label"] for s in bundle["selected"]]
    assert len(chosen) == len(set(chosen)) == sum(s["quota"] for s in bundle["frame"]["strata"])
    task.refresh_from_db()
    assert task.status == "entities_drawn"

"""(a) The worker is killed (SIGKILL) during a draw, an import and a publication. Each time the
half-done work is rolled back, the sweep hands it over again, and it is done exactly once."""

from datetime import timedelta

import pytest

from core.outbox import outbox_sweep
from inspections import draw as engine
from inspections.drawing import draw_record_randomness, unpack
from inspections.models import Draw, DrawSelection
from tests.conftest import wait_for
from tests.faults.scenario import announced_draw, tomorrow

pytestmark = pytest.mark.faults


def test_worker_killed_during_a_draw(live, ledger) -> None:
    draw, user = announced_draw()
    live.kill_file.write_text("die once")  # the worker dies inside the draw, before its commit
    draw_record_randomness(draw=draw, raw_values=["907", "31415"], user=user, today=tomorrow())
    assert wait_for(lambda: not live.worker.alive(), timeout=60), "the worker did not reach the kill point"
    ledger.fault("worker killed during a draw")
    assert Draw.objects.get(pk=draw.pk).status == "randomness"
    assert not DrawSelection.objects.filter(draw=draw).exists()  # nothing half-written

    live.worker.ensure_alive()
    assert outbox_sweep(stale_after=timedelta(0)) >= 1  # what beat does every OUTBOX_SWEEP_SECONDS
    assert wait_for(lambda: Draw.objects.get(pk=draw.pk).status == "done", timeout=60)
    done = Draw.objects.get(pk=draw.pk)
    bundle = unpack(done.evidence.bundle)
    assert engine.verify_bundle(bundle, done.announcement).ok
    chosen = list(DrawSelection.objects.filter(draw=draw).order_by("rank").values_list("entity_id", flat=True))
    assert chosen == [s["label"] for s in bundle["selected"]] and len(chosen) == len(set(chosen)) > 0
    # Sweeping again finds nothing to do and the draw is not redone.
    outbox_sweep(stale_after=timedelta(0))
    assert DrawSelection.objects.filter(draw=draw).count() == len(chosen)
    ledger.settle("draw (worker killed)", accepted=1, done=1, lost=0)

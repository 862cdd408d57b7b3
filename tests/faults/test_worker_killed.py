"""(a) The worker is killed (SIGKILL) during a draw, an import and a publication. Each time the
half-done work is rolled back, the sweep hands it over again, and it is done exactly once."""

from datetime import timedelta

import pytest

from core.outbox import outbox_sweep
from inspections import draw as engine
from inspections.drawing import draw_record_randomness, unpack
from inspections.models import Draw, DrawEvidence, DrawSelection
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
    # The evidence bundle is its own background job, run after the selection commits: wait for it too.
    assert wait_for(lambda: DrawEvidence.objects.filter(draw=draw).exists(), timeout=60)
    done = Draw.objects.get(pk=draw.pk)
    bundle = unpack(done.evidence.bundle)
    assert engine.verify_bundle(bundle, done.announcement).ok
    chosen = list(DrawSelection.objects.filter(draw=draw).order_by("rank").values_list("entity_id", flat=True))
    assert chosen == [s["label"] for s in bundle["selected"]] and len(chosen) == len(set(chosen)) > 0
    # Sweeping again finds nothing to do and the draw is not redone.
    outbox_sweep(stale_after=timedelta(0))
    assert DrawSelection.objects.filter(draw=draw).count() == len(chosen)
    ledger.settle("draw (worker killed)", accepted=1, done=1, lost=0)


def _progress_cache(live):  # type: ignore[no-untyped-def]
    """The worker's progress ticks, read from the private Redis it writes them to."""
    from django.core.cache.backends.redis import RedisCache

    return RedisCache(live.redis.url, {})


def test_worker_killed_during_an_import(live, ledger) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from core.imports import import_job_confirm, import_job_create, progress_key
    from core.models import AuditEntry, ImportJob, OutboxItem
    from entities.models import Entity
    from tests.entities.test_resources import csv_bytes, good_rows, uscc_for
    from tests.faults.scenario import department_with_clerk

    n = 60_000
    rows = good_rows(n)
    for i, row in enumerate(rows):
        row[0] = uscc_for(700_000 + i)
    dept, user = department_with_clerk()
    upload = SimpleUploadedFile("registry.csv", csv_bytes(rows, "utf-8"), content_type="text/csv")
    job = import_job_create(kind="entities", department=dept, user=user, upload=upload, mode="all")
    assert wait_for(lambda: ImportJob.objects.get(pk=job.pk).status == "previewed", timeout=240), \
        ImportJob.objects.get(pk=job.pk).status
    job = import_job_confirm(job=ImportJob.objects.get(pk=job.pk), user=user)
    ledger_before = Entity.objects.filter(uscc__gte=uscc_for(700_000), uscc__lte=uscc_for(700_000 + n)).count()
    assert ledger_before == 0

    cache = _progress_cache(live)
    assert wait_for(lambda: (cache.get(progress_key(job.pk)) or {}).get("done", 0) >= 5_000, timeout=120, interval=0.05), \
        "the import never got going"
    live.worker.kill()  # mid-import: thousands of rows validated and being written
    ledger.fault("worker killed during an import")
    assert ImportJob.objects.get(pk=job.pk).status == "importing"
    assert Entity.objects.filter(uscc__in=[rows[0][0], rows[-1][0]]).count() == 0  # nothing half-written
    assert not AuditEntry.objects.filter(action="import.entities", changes__job=job.pk).exists()

    live.worker.ensure_alive()
    assert outbox_sweep(stale_after=timedelta(0)) >= 1
    assert wait_for(lambda: ImportJob.objects.get(pk=job.pk).status == "done", timeout=240), \
        ImportJob.objects.get(pk=job.pk).status
    imported = Entity.objects.filter(uscc__in=[r[0] for r in rows]).count()
    assert imported == n
    assert AuditEntry.objects.filter(action="import.entities", changes__job=job.pk).count() == 1
    assert OutboxItem.objects.get(dedupe_key=f"import-run:{job.pk}").status == "done"
    ledger.settle(f"import of {n:,} rows (worker killed)", accepted=1, done=1, lost=n - imported)


def test_worker_killed_during_a_publication(live, ledger) -> None:
    """The chain head's publication: the worker dies inside its transaction (held on a lock)."""
    import psycopg2

    from core.models import OutboxItem, PublicationRecord
    from core.outbox import outbox_enqueue

    day = "2031-01-01"
    blocker = psycopg2.connect(live.db_url)
    cur = blocker.cursor()
    cur.execute("SELECT seq FROM core_audithead WHERE id = 1 FOR UPDATE")
    item = outbox_enqueue(handler="core.publish_audit_head", payload={"date": day}, dedupe_key=f"audit_head:{day}")

    def worker_waits() -> bool:
        with psycopg2.connect(live.db_url) as probe, probe.cursor() as c:
            c.execute("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query ILIKE '%core_audithead%'")
            return bool(c.fetchone()[0])

    assert wait_for(worker_waits, timeout=60), "the worker never reached the publication"
    live.worker.kill()
    ledger.fault("worker killed during a publication")
    blocker.rollback()
    blocker.close()
    assert not PublicationRecord.objects.filter(public_id=f"audit_head:{day}").exists()
    assert OutboxItem.objects.get(pk=item.pk).status == "pending"

    live.worker.ensure_alive()
    outbox_sweep(stale_after=timedelta(0))
    assert wait_for(lambda: OutboxItem.objects.get(pk=item.pk).status == "done", timeout=60)
    outbox_sweep(stale_after=timedelta(0))
    assert PublicationRecord.objects.filter(public_id=f"audit_head:{day}").count() == 1
    ledger.settle("audit head publication (worker killed)", accepted=1, done=1, lost=0)

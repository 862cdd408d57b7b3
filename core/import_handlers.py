"""Outbox handlers for imports. Each loads the job by id and calls one service; both are safe to run
twice: a job that has moved on (previewed, done, cancelled, failed) is left as it is."""

from __future__ import annotations

from typing import Any

from core.imports import import_job_preview, import_job_run
from core.models import ImportJob, OutboxItem
from core.outbox import outbox_handler


@outbox_handler("core.preview_import")
def preview_import(item: OutboxItem) -> dict[str, Any]:
    job = ImportJob.objects.select_related("department").filter(pk=item.payload["job"]).first()
    if job is None:
        return {"job": item.payload["job"], "status": "missing"}
    job = import_job_preview(job=job)
    return {"job": job.pk, "status": job.status}


@outbox_handler("core.run_import")
def run_import(item: OutboxItem) -> dict[str, Any]:
    if not ImportJob.objects.filter(pk=item.payload["job"]).exists():
        return {"job": item.payload["job"], "status": "missing"}
    return {"job": item.payload["job"], "status": import_job_run(job_id=item.payload["job"])}

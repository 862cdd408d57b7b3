"""The import flow every kind of file shares: upload, dry-run preview, confirm, background run, cancel.

A kind (``entities``, ``inspectors``) registers an adapter from its app's ``importers`` module: the
adapter validates rows (reasons in Chinese) and writes clean ones. This module owns the states,
the error report and progress; it knows nothing of roles (the views decide who may act).

Every run, the preview's dry run included, happens in one transaction: a bad row in the default
mode, a cancel or a crash rolls it back, so nothing is ever half-written. Progress goes to the
cache, because the job row itself sits inside that uncommitted transaction.
"""

from __future__ import annotations

import csv
import hashlib
import io
import logging
import tempfile
import uuid
import zipfile
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Protocol

from django.core.cache import cache
from django.core.files import File
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext as _

from core.audit import audit_bulk, reset_actor, rows_suppressed, set_actor
from core.models import ImportJob
from core.outbox import outbox_enqueue
from core.tabular import XLSX_MAGIC, TabularError, detect_encoding

log = logging.getLogger(__name__)

MAX_UPLOAD_BYTES = 200 * 1024**2
ERRORS_KEPT = 200
PROGRESS_EVERY = 500
REPORT_HEADINGS = ["行号", "列", "原值", "错误原因"]
Status = ImportJob.Status
RUNNING = {Status.UPLOADED, Status.PREVIEWING, Status.IMPORTING}


class ImportRefused(Exception):
    """The upload or the request cannot be accepted; the message is for the clerk."""


class ImportStateError(ImportRefused):
    """The job is not in a state that allows this step (a second click, a finished job)."""


class _Cancelled(Exception):
    pass


class _Rejected(Exception):
    def __init__(self, run: Any) -> None:
        super().__init__("rejected")
        self.run = run


@dataclass(frozen=True)
class RowProblem:
    row: int
    column: str  # the Chinese heading the clerk sees
    reason: str
    value: str = ""  # masked by the adapter where the value is personal data


@dataclass(frozen=True)
class RowOutcome:
    number: int
    clean: Any = None
    problems: tuple[RowProblem, ...] = ()


@dataclass
class WriteResult:
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    extra: dict[str, int] = field(default_factory=dict)
    _digest: Any = field(default_factory=hashlib.sha256, repr=False)

    def changed(self, key: str, *, new: bool) -> None:
        if new:
            self.new += 1
        else:
            self.updated += 1
        self._digest.update(f"{key}\n".encode())

    @property
    def digest(self) -> str:
        return str(self._digest.hexdigest())

    def counts(self) -> dict[str, int]:
        return {"new": self.new, "update": self.updated, "unchanged": self.unchanged, **self.extra}


class ImportAdapter(Protocol):
    label: Any  # str or a lazy translation
    object_type: str
    headings: list[str]
    required: list[str]

    def validate_rows(self, *, path: Path, department: Any) -> Iterator[RowOutcome]: ...

    def write_rows(self, *, job: ImportJob, rows: Iterable[Any]) -> WriteResult: ...


# --- Registry -------------------------------------------------------------------------------
_KINDS: dict[str, ImportAdapter] = {}
_DISCOVERED = False


def register_import_kind(name: str, adapter: ImportAdapter) -> None:
    _KINDS[name] = adapter


def import_kinds() -> dict[str, ImportAdapter]:
    global _DISCOVERED
    if not _DISCOVERED:  # every app's ``importers`` module, once
        autodiscover_modules("importers")
        _DISCOVERED = True
    return dict(_KINDS)


def import_kind(name: str) -> ImportAdapter:
    """The adapter for ``name``; KeyError when no app registers it."""
    return import_kinds()[name]


# --- Uploads --------------------------------------------------------------------------------
def sniff_upload(head: bytes, *, size: int) -> str:
    """``xlsx`` or ``csv``, judged by the bytes, never by the file name."""
    if size > MAX_UPLOAD_BYTES:
        raise ImportRefused(_("文件超过 200 MB，请拆分后分批导入。"))
    if not head.strip():
        raise ImportRefused(_("文件是空的。"))
    if head.startswith(XLSX_MAGIC):
        return "xlsx"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise ImportRefused(_("这是旧版 Excel（.xls）文件：请在 Excel 中另存为 .xlsx 或 CSV 后再上传。"))
    if b"\x00" in head:
        raise ImportRefused(_("只能导入 xlsx 或 CSV 文件：这个文件不是表格。"))
    try:
        detect_encoding(head)
    except TabularError:
        raise ImportRefused(_("只能导入 xlsx 或 CSV 文件：无法识别这个文件的文字编码。")) from None
    return "csv"


def _check_xlsx(fh: IO[bytes]) -> None:
    try:
        with zipfile.ZipFile(fh) as archive:
            if "xl/workbook.xml" not in archive.namelist():
                raise ImportRefused(_("只能导入 xlsx 或 CSV 文件：这个压缩文件不是 Excel 工作簿。"))
    except zipfile.BadZipFile:
        raise ImportRefused(_("xlsx 文件已损坏或不完整。")) from None
    finally:
        fh.seek(0)


@transaction.atomic
def import_job_create(
    *, kind: str, department: Any, user: Any, upload: Any, mode: str, preview_later: bool = True
) -> ImportJob:
    """Store the upload (under MEDIA_ROOT, served by no URL), record the job, ask for its preview.

    ``preview_later=False`` (the command line) leaves the preview to the caller, inline.
    """
    if kind not in import_kinds():
        raise ImportRefused(_("未知的导入类型。"))
    if mode not in ImportJob.Mode.values:
        raise ImportRefused(_("未知的导入方式。"))
    upload.seek(0)
    ext = sniff_upload(upload.read(1 << 16), size=upload.size)
    upload.seek(0)
    if ext == "xlsx":
        _check_xlsx(upload)
    job = ImportJob(kind=kind, department=department, created_by=user, mode=mode,
                    original_name=str(getattr(upload, "name", ""))[-255:])
    job.file.save(f"{uuid.uuid4().hex}.{ext}", File(upload), save=False)
    job.save()
    if preview_later:
        import_job_preview_later(job=job, user=user)
    return job


# --- States ---------------------------------------------------------------------------------
def _move(job: ImportJob, *, from_: Collection[str], to: str, **fields: Any) -> bool:
    """Conditional UPDATE: only one of two racing requests gets a row back."""
    moved = ImportJob.objects.filter(pk=job.pk, status__in=from_).update(status=to, **fields)
    if moved:
        job.status = to
        for name, value in fields.items():
            setattr(job, name, value)
    return bool(moved)


@transaction.atomic
def import_job_preview_later(*, job: ImportJob, user: Any) -> None:
    if not _move(job, from_={Status.UPLOADED}, to=Status.PREVIEWING):
        raise ImportStateError(_("该文件已在校验或已校验。"))
    outbox_enqueue(handler="core.preview_import", payload={"job": job.pk}, user=user,
                   dedupe_key=f"import-preview:{job.pk}")


@transaction.atomic
def import_job_confirm(*, job: ImportJob, user: Any, background: bool = True) -> ImportJob:
    """previewed -> importing, once, however many clicks arrive; the run goes to the outbox."""
    if not _move(job, from_={Status.PREVIEWED}, to=Status.IMPORTING, rows_done=0):
        raise ImportStateError(_("该导入已确认、已取消或已结束，不能再次确认。"))
    cache.delete(progress_key(job.pk))  # the preview's count is not the import's
    if background:
        outbox_enqueue(handler="core.run_import", payload={"job": job.pk}, user=user,
                       dedupe_key=f"import-run:{job.pk}")
    else:
        import_job_run(job_id=job.pk)
    job.refresh_from_db()
    return job


def import_job_cancel(*, job: ImportJob, user: Any) -> ImportJob:
    """A running import sees the cancel at its next batch, or at the latest at its last step."""
    if not _move(job, from_=RUNNING | {Status.PREVIEWED}, to=Status.CANCELLED, finished_at=timezone.now()):
        raise ImportStateError(_("该导入已结束，不能取消。"))
    cache.delete(progress_key(job.pk))
    return job


# --- Progress -------------------------------------------------------------------------------
def progress_key(job_id: int) -> str:
    return f"import-job:{job_id}:progress"


def import_progress(*, job: ImportJob) -> dict[str, Any]:
    live = cache.get(progress_key(job.pk)) or {}
    done = live.get("done", job.rows_done)
    total = job.rows_total if job.status == Status.IMPORTING else 0
    if total:
        text = _("已处理 %(done)s / %(total)s 行") % {"done": done, "total": total}
    else:
        text = _("已校验 %(done)s 行") % {"done": done}
    return {
        "status": job.status, "label": str(job.get_status_display()), "running": job.status in RUNNING,
        "done": done, "total": total, "text": text,
    }


# --- Running --------------------------------------------------------------------------------
@dataclass
class _Pass:
    """One pass over the file: counts rows, keeps the first errors, spools the full report."""

    job: ImportJob
    stop_writing_on_error: bool
    rows: int = 0
    bad_rows: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)
    report: Any = None

    def good_rows(self, outcomes: Iterator[RowOutcome]) -> Iterator[Any]:
        for outcome in outcomes:
            self.rows += 1
            if self.rows % PROGRESS_EVERY == 0:
                self._tick()
            if outcome.problems:
                self._bad(outcome.problems)
            elif not (self.bad_rows and self.stop_writing_on_error):
                yield outcome.clean
        self._tick()

    def _tick(self) -> None:
        cache.set(progress_key(self.job.pk), {"done": self.rows}, timeout=6 * 3600)
        if ImportJob.objects.filter(pk=self.job.pk, status=Status.CANCELLED).exists():
            raise _Cancelled

    def _bad(self, problems: tuple[RowProblem, ...]) -> None:
        self.bad_rows += 1
        if self.report is None:
            self.report = tempfile.TemporaryFile(mode="w+b")  # noqa: SIM115 - closed in _save_report
            self.report.write("\ufeff".encode())
            self._writer_line(REPORT_HEADINGS)
        for p in problems:
            self._writer_line([str(p.row), p.column, p.value, p.reason])
            if len(self.errors) < ERRORS_KEPT:
                self.errors.append({"row": p.row, "column": p.column, "value": p.value, "reason": p.reason})

    def _writer_line(self, cells: list[str]) -> None:
        buf = io.StringIO()
        csv.writer(buf).writerow([_defuse(c) for c in cells])
        self.report.write(buf.getvalue().encode("utf-8"))


def _defuse(cell: str) -> str:
    """A report opened in Excel must not run formulas that came from the uploaded file."""
    return f"'{cell}" if cell[:1] in ("=", "+", "-", "@") else cell


def _run_pass(job: ImportJob, adapter: ImportAdapter, *, stop_writing_on_error: bool) -> tuple[_Pass, WriteResult]:
    run = _Pass(job=job, stop_writing_on_error=stop_writing_on_error)
    rows = run.good_rows(adapter.validate_rows(path=Path(job.file.path), department=job.department))
    with rows_suppressed():
        result = adapter.write_rows(job=job, rows=rows)
        for _row in rows:  # an adapter that stopped early still gets every row checked
            pass
    return run, result


def _save_report(job: ImportJob, run: _Pass) -> str:
    """A new file each pass: the previous report stays valid until the new row commits."""
    if run.report is None:
        return ""
    run.report.seek(0)
    with run.report:
        job.error_report.save(f"{job.pk}-errors.csv", File(run.report), save=False)
    return job.error_report.name


def _fail(job: ImportJob, *, from_: Collection[str], message: str) -> None:
    errors = [{"row": None, "column": "", "value": "", "reason": message}]
    _move(job, from_=from_, to=Status.FAILED, errors=errors, finished_at=timezone.now())


def import_job_preview(*, job: ImportJob) -> ImportJob:
    """The dry run: every row validated and written, then rolled back, so the counts are true."""
    if job.status not in {Status.UPLOADED, Status.PREVIEWING}:
        return job
    waiting = {Status.UPLOADED, Status.PREVIEWING}
    try:
        with transaction.atomic():
            run, result = _run_pass(job, import_kind(job.kind), stop_writing_on_error=False)
            transaction.set_rollback(True)
    except _Cancelled:
        _move(job, from_=waiting, to=Status.CANCELLED, finished_at=timezone.now())
        return job
    except TabularError as exc:
        _fail(job, from_=waiting, message=str(exc))
        return job
    except Exception:
        log.exception("import job %s: preview failed", job.pk)
        _fail(job, from_=waiting, message=_("校验时出错，未写入任何数据。请检查文件后重新上传。"))
        return job
    cache.delete(progress_key(job.pk))
    rejected = job.mode == ImportJob.Mode.ALL_OR_NOTHING and run.bad_rows
    _move(
        job, from_=waiting, to=Status.REJECTED if rejected else Status.PREVIEWED,
        rows_total=run.rows, rows_done=run.rows, counts=result.counts(), errors=run.errors,
        error_count=run.bad_rows, error_report=_save_report(job, run),
        finished_at=timezone.now() if rejected else None,
    )
    return job


def _import(job: ImportJob, adapter: ImportAdapter) -> None:
    """One transaction: written and marked done together, or not at all."""
    with transaction.atomic():
        run, result = _run_pass(job, adapter, stop_writing_on_error=job.mode == ImportJob.Mode.ALL_OR_NOTHING)
        if run.bad_rows and job.mode == ImportJob.Mode.ALL_OR_NOTHING:
            raise _Rejected(run)
        audit_bulk(
            action=f"import.{job.kind}", object_type=adapter.object_type, count=result.new + result.updated,
            digest=result.digest,
            summary={"job": job.pk, "file": job.original_name, "department": job.department.code,
                     "mode": job.mode, "counts": result.counts(), "bad_rows": run.bad_rows},
        )
        done = _move(
            job, from_={Status.IMPORTING}, to=Status.DONE, rows_total=run.rows, rows_done=run.rows,
            counts=result.counts(), errors=run.errors, error_count=run.bad_rows,
            error_report=_save_report(job, run), finished_at=timezone.now(),
        )
        if not done:  # cancelled while we ran: roll everything back
            raise _Cancelled


def import_job_run(*, job_id: int) -> str:
    """The import proper. Safe to call twice: a job that is not importing any more is left alone."""
    job = ImportJob.objects.select_related("department", "created_by").get(pk=job_id)
    if job.status != Status.IMPORTING:
        return job.status
    token = set_actor(job.created_by)
    try:
        _import(job, import_kind(job.kind))
    except _Cancelled:  # the cancel is usually committed already; this makes sure of it
        _move(job, from_={Status.IMPORTING}, to=Status.CANCELLED, finished_at=timezone.now())
    except _Rejected as rejected:
        run = rejected.run
        _move(job, from_={Status.IMPORTING}, to=Status.REJECTED, rows_total=run.rows, errors=run.errors,
              error_count=run.bad_rows, error_report=_save_report(job, run), finished_at=timezone.now())
    except Exception as exc:
        log.exception("import job %s failed", job.pk)
        message = str(exc) if isinstance(exc, TabularError) else _("导入时出错，已全部撤销，未写入任何数据。")
        _fail(job, from_={Status.IMPORTING}, message=message)
    finally:
        reset_actor(token)
        cache.delete(progress_key(job.pk))
    job.refresh_from_db()
    return job.status


# --- Templates ------------------------------------------------------------------------------
def import_template_xlsx(*, kind: str) -> bytes:
    """An empty workbook with the Chinese headings; required ones are marked with *."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    adapter = import_kind(kind)
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = str(adapter.label)[:31]
    sheet.append([f"{h}*" if h in adapter.required else h for h in adapter.headings])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.number_format = "@"
    for column in sheet.iter_cols(min_row=1, max_row=1):
        sheet.column_dimensions[column[0].column_letter].width = 18
        sheet.column_dimensions[column[0].column_letter].number_format = "@"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()

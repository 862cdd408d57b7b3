# ruff: noqa: S608  (SQL here is built from module constants and model metadata; values go as parameters)
"""The bulk path into the registry: a province's file of a million rows in one transaction.

Rows stream from the file (CSV in UTF-8, UTF-8 with BOM or GBK, or xlsx) through the same
``EntityRowValidator`` the staff UI uses, with the fast 统一社会信用代码 check. Good rows go into
a temporary staging table (``COPY`` on PostgreSQL, ``executemany`` on SQLite) and are merged a
batch at a time by one ``INSERT ... ON CONFLICT (uscc) DO UPDATE ... WHERE ... IS DISTINCT FROM``:
a row that says nothing new is not rewritten and its ``updated_at`` stays put. A column the file
lacks, and a blank status cell, leave an existing entity's value alone (a new entity is active).
Bad rows go to an error file (行号, 列, 原值, 错误原因) that Excel opens.

Everything happens in one transaction: an interrupted run (Ctrl-C, a crash, a killed process)
leaves the registry as it was, and in "all" mode a file with any bad row writes nothing at all.

On PostgreSQL the reading and validating (Python) run in a thread beside the database work, and
psycopg2 lets go of the GIL while the server merges a batch, so the two cores work at once.
Each batch reaches the server sorted by code: the merge then walks the key's index once per
batch instead of jumping around it (measured here: a third less time than sorting in SQL).
"""

from __future__ import annotations

import csv
import hashlib
import queue
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from operator import itemgetter
from pathlib import Path
from typing import IO, Any

from django.core.management.base import OutputWrapper
from django.db import connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from core.audit import audit_bulk, rows_suppressed
from core.tabular import Row, read_rows
from entities.models import Directory, DirectoryEntry, Entity, EntityStatus, EntityTag
from entities.uscc import fast_uscc_reason
from entities.validation import (
    COLUMNS,
    REQUIRED,
    TEMPLATE_HEADINGS,
    CleanEntity,
    EntityRowValidator,
    RowError,
    validator_from_db,
)

MODE_ALL, MODE_GOOD = "all", "good"
# Rows merged per statement. Each merge walks the registry's indexes once, so big batches cost
# the server less; the first is small so that the server starts early while the reader runs on.
FIRST_BATCH_ROWS = 25_000
BATCH_ROWS = 200_000
# Rows per COPY message from the reading thread: large, because each hand-over may wait up to
# the interpreter's switch interval (5 ms) for the GIL while the server waits for data.
CHUNK_ROWS = 10_000
QUEUE_CHUNKS = 24  # a full batch waiting while another merges
SQLITE_BATCH = 5_000
ERROR_SAMPLE = 1_000
# The entity columns a row sets, in staging order; ``tags`` follows them in the staging table.
FIELDS = ["name", "entity_type", "industry", "region", "address", "legal_rep", "reg_authority",
          "reg_date", "status", "risk_class", "risk_date"]
DB_COLUMN = {"industry": "industry_id", "region": "region_id"}
HEADING = {f: next((h for h in TEMPLATE_HEADINGS if COLUMNS[h] == f), f) for f in set(COLUMNS.values())}
NULL = "\\N"  # NULL in COPY's text format
_COPY_ESCAPE = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})

ENTITY = Entity._meta.db_table
ENTITY_TAG = EntityTag._meta.db_table
DIRECTORY_ENTRY = DirectoryEntry._meta.db_table
STAGE, STAGE_TAGS, TOUCHED = "import_stage", "import_stage_tags", "import_touched"
STAGE_COLUMNS = ["uscc", *FIELDS, "tags"]


@dataclass
class BulkCounts:
    rows: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: int = 0  # bad rows, not error messages


@dataclass
class BulkResult:
    counts: BulkCounts
    error_path: Path | None
    imported: bool  # False: rejected ("all" mode with bad rows), nothing written
    digest: str = ""
    errors: list[RowError] = field(default_factory=list)  # the first ERROR_SAMPLE, for display


class _Rejected(Exception):
    pass


# --- Bad rows ----------------------------------------------------------------------------------
class ErrorFile:
    """Bad rows as CSV with a BOM (so Excel reads UTF-8); created on the first bad row."""

    def __init__(self, path: Path | None) -> None:
        self.path, self.rows = path, 0
        self.sample: list[RowError] = []
        self._fh: IO[str] | None = None
        self._writer: Any = None

    def add(self, errors: list[RowError]) -> None:
        self.rows += 1
        if len(self.sample) < ERROR_SAMPLE:
            self.sample.extend(errors[: ERROR_SAMPLE - len(self.sample)])
        if self.path is None:
            return
        if self._writer is None:
            self._fh = self.path.open("w", encoding="utf-8-sig", newline="")
            self._writer = csv.writer(self._fh)
            self._writer.writerow([_("行号"), _("列"), _("原值"), _("错误原因")])
        self._writer.writerows([e.row, HEADING.get(e.column, e.column), e.value, e.reason] for e in errors)

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()


# --- Reading and validating ------------------------------------------------------------------
def copy_line(c: CleanEntity, with_tags: bool) -> str:
    """The staging row in COPY's text format; also what the run's digest covers. A blank status
    cell is staged (and digested) as blank: the merge keeps an existing entity's status."""
    name, address, legal_rep, authority = c.name, c.address, c.legal_rep, c.reg_authority
    free_text = name + address + legal_rep + authority  # codes, dates and words are checked already
    if "\\" in free_text or "\t" in free_text or "\n" in free_text or "\r" in free_text:
        name, address, legal_rep, authority = (v.translate(_COPY_ESCAPE) for v in (name, address, legal_rep, authority))
    tags = ",".join(c.tags) if with_tags else NULL
    return (f"{c.uscc}\t{name}\t{c.entity_type}\t{c.industry}\t{c.region}\t{address}\t{legal_rep}\t"
            f"{authority}\t{c.reg_date or NULL}\t{c.status}\t{c.risk_class}\t{c.risk_date or NULL}\t{tags}\n")


@dataclass
class _Run:
    """One file's pass through the validator, and what the writing side needs to know of it."""

    path: Path
    validator: EntityRowValidator
    errors: ErrorFile
    present: set[str] | None = None  # the fields the file has columns for, from its first row
    with_tags: bool = False
    rows: int = 0
    digest: Any = field(default_factory=hashlib.sha256)

    def cleaned(self) -> Iterator[tuple[CleanEntity, str]]:
        """Good rows with their staging line, in file order; bad ones go to ``errors``."""
        for row in read_rows(self.path, aliases=COLUMNS, required=REQUIRED):
            if self.present is None:
                self.present = set(row.values)
                self.with_tags = "tags" in self.present
            self.rows += 1
            clean, problems = self.validator.validate(row.number, row.values)
            if clean is not None:
                line = copy_line(clean, self.with_tags)
                if "\x00" not in line:
                    yield clean, line
                    continue
                problems = [_nul_error(row)]  # PostgreSQL text cannot hold NUL; the validator allows it
            self.errors.add(problems)

    def update_fields(self) -> list[str]:
        # A column the file does not have is left alone on entities already in the registry.
        return [f for f in FIELDS if f in (self.present or ())]


def _nul_error(row: Row) -> RowError:
    column = next(k for k, v in row.values.items() if "\x00" in v)
    return RowError(row.number, column, _("含有不允许的控制字符"), row.values[column].replace("\x00", "")[:60])


# --- SQL ---------------------------------------------------------------------------------------
def _q(name: str) -> str:
    return connection.ops.quote_name(name)


def _stage_ddl() -> str:
    # char(18) like the registry's key, so joins on it use the key's index without a cast.
    types = {"uscc": "char(18)", "reg_date": "date", "risk_date": "date"}
    cols = ", ".join(f"{c} {types.get(c, 'text')}" for c in STAGE_COLUMNS)
    return f"CREATE TEMP TABLE {STAGE} ({cols})"


def _staged_status(update: list[str]) -> str:
    """The status a staged row (``s``) proposes: a blank one (``STATUS_UNSTATED``) is the stored
    status of an entity already in the registry, and active for a new one.

    It is resolved here, in the merge's SELECT, rather than in its DO UPDATE: PostgreSQL and
    SQLite check the proposed row against ``entity_status_valid`` before they look for a conflict,
    so a blank can never reach EXCLUDED. The lookup probes the key's index for blank cells only
    (COALESCE stops at the first value), and not at all when the file has no status column.
    """
    if "status" not in update:
        return f"COALESCE(NULLIF(s.status, ''), '{EntityStatus.ACTIVE.value}')"
    return (f"COALESCE(NULLIF(s.status, ''), (SELECT x.status FROM {_q(ENTITY)} x WHERE x.uscc = s.uscc), "
            f"'{EntityStatus.ACTIVE.value}')")


def _upsert_sql(update: list[str], *, order_by: str = "", returning: str = "") -> str:
    target = ["uscc", *(DB_COLUMN.get(f, f) for f in FIELDS), "updated_at"]
    sets = [DB_COLUMN.get(f, f) for f in update]
    set_sql = ", ".join(f"{_q(c)} = EXCLUDED.{_q(c)}" for c in [*sets, "updated_at"])
    changed = " OR ".join(f"e.{_q(c)} IS DISTINCT FROM EXCLUDED.{_q(c)}" for c in sets) or "false"
    values = ", ".join(_staged_status(update) if f == "status" else f"s.{f}" for f in FIELDS)
    # "WHERE true": SQLite's parser needs it between a SELECT and ON CONFLICT.
    return (
        f"INSERT INTO {_q(ENTITY)} AS e ({', '.join(_q(c) for c in target)}) "
        f"SELECT s.uscc, {values}, %s FROM {STAGE} s WHERE true {order_by} "
        f"ON CONFLICT (uscc) DO UPDATE SET {set_sql} WHERE {changed} {returning}"
    )


def _directory_sql() -> str:
    return (
        f"INSERT INTO {_q(DIRECTORY_ENTRY)} (directory_id, entity_id, source, licence_no, added_on) "
        f"SELECT %s, uscc, %s, '', %s FROM {STAGE} WHERE true "
        f"ON CONFLICT (directory_id, entity_id) DO NOTHING"
    )


# Tags a row lists replace the entity's tags. Entities whose tag set changed but whose columns
# did not are "touched": counted as updated, and their updated_at moves. Entities the merge just
# created had no tags to remove; ``NOT IN (SELECT ... FROM up)`` is a hashed lookup in the merge's
# own output, cheap beside a probe of the tag index for every new entity.
PG_TAGS_CTE = f"""
del AS (
  DELETE FROM {{et}} t USING {STAGE} s
  WHERE s.tags IS NOT NULL AND t.entity_id = s.uscc AND t.tag_id <> ALL (string_to_array(s.tags, ','))
    AND s.uscc NOT IN (SELECT uscc FROM up WHERE is_new)
  RETURNING t.entity_id
), ins AS (
  INSERT INTO {{et}} (entity_id, tag_id)
  SELECT s.uscc, x FROM {STAGE} s CROSS JOIN LATERAL unnest(string_to_array(s.tags, ',')) AS x
  WHERE s.tags <> ''
  ON CONFLICT (entity_id, tag_id) DO NOTHING
  RETURNING entity_id
), touched AS (
  INSERT INTO {TOUCHED} (entity_id)
  SELECT DISTINCT entity_id FROM (SELECT entity_id FROM del UNION ALL SELECT entity_id FROM ins) AS x
  WHERE entity_id NOT IN (SELECT uscc FROM up)
  RETURNING 1
)"""


class _Backend:
    """Staging and merging on one database; ``merge`` returns (new, updated, touched by tags)."""

    def __init__(self, cursor: Any, now: Any, directory_id: int | None) -> None:
        self.cursor, self.now, self.directory_id = cursor, now, directory_id
        self.directory_added = 0

    def setup(self) -> None:
        self.teardown()
        self.cursor.execute(_stage_ddl())

    def teardown(self) -> None:
        self.cursor.execute(f"DROP TABLE IF EXISTS {STAGE}")

    def add_to_directory(self) -> None:
        if self.directory_id is not None:
            today = timezone.localdate()
            self.cursor.execute(_directory_sql(), [self.directory_id, DirectoryEntry.Source.IMPORT, today])
            self.directory_added += max(self.cursor.rowcount, 0)


class _Postgres(_Backend):
    def setup(self) -> None:
        # JIT compiles every statement afresh, a quarter second a batch, and buys nothing here.
        self.cursor.execute("SET LOCAL jit = off")
        self.cursor.execute("SET LOCAL work_mem = '64MB'")
        # Foreign keys (a tag's entity) checked as each batch merges, while the reader works on,
        # rather than all at COMMIT with nothing left to overlap them.
        self.cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        super().setup()
        self.cursor.execute(f"CREATE TEMP TABLE {TOUCHED} (entity_id char(18))")

    def teardown(self) -> None:
        super().teardown()
        self.cursor.execute(f"DROP TABLE IF EXISTS {TOUCHED}")
        self.cursor.execute("SET CONSTRAINTS ALL DEFERRED")  # Django's constraints are deferred

    def load(self, reader: Any) -> None:
        self.cursor.execute(f"TRUNCATE {STAGE}")
        cols = ", ".join(STAGE_COLUMNS)
        self.cursor.cursor.copy_expert(f"COPY {STAGE} ({cols}) FROM STDIN", reader, size=1 << 16)

    def merge(self, run: _Run) -> tuple[int, int, int]:
        # The stage holds the batch in code order already (see _Reader); no ORDER BY needed.
        up = _upsert_sql(run.update_fields(), returning="RETURNING uscc, (xmax = 0) AS is_new")
        tags = PG_TAGS_CTE.format(et=_q(ENTITY_TAG)) if run.with_tags else ""
        touched = "(SELECT count(*) FROM touched)" if run.with_tags else "0"
        # Old tags are found by probing the (entity, tag) index once per staged row. The planner
        # would rather hash the whole tag table for every batch, which grows with the registry.
        self._nested_loops_only(True)
        self.cursor.execute(
            f"WITH up AS ({up}){',' if tags else ''}{tags} "
            f"SELECT (SELECT count(*) FROM up WHERE is_new), (SELECT count(*) FROM up WHERE NOT is_new), {touched}",
            [self.now],
        )
        new, updated, n_touched = self.cursor.fetchone()
        self._nested_loops_only(False)
        if n_touched:
            self.cursor.execute(f"UPDATE {_q(ENTITY)} e SET updated_at = %s FROM {TOUCHED} t "
                                f"WHERE e.uscc = t.entity_id", [self.now])
            self.cursor.execute(f"TRUNCATE {TOUCHED}")
        self.add_to_directory()
        return new, updated, n_touched

    def _nested_loops_only(self, on: bool) -> None:
        value = "off" if on else "DEFAULT"
        self.cursor.execute(f"SET LOCAL enable_hashjoin TO {value}")
        self.cursor.execute(f"SET LOCAL enable_mergejoin TO {value}")


class _Sqlite(_Backend):
    """The same semantics without COPY or RETURNING: counts are taken before the merge."""

    def setup(self) -> None:
        super().setup()
        self.cursor.execute(f"CREATE TEMP TABLE {STAGE_TAGS} (uscc text, tag text)")
        self.now = connection.ops.adapt_datetimefield_value(self.now)

    def teardown(self) -> None:
        super().teardown()
        self.cursor.execute(f"DROP TABLE IF EXISTS {STAGE_TAGS}")

    def load_rows(self, rows: list[CleanEntity], with_tags: bool) -> None:
        self.cursor.execute(f"DELETE FROM {STAGE}")
        self.cursor.execute(f"DELETE FROM {STAGE_TAGS}")
        marks = ", ".join(["%s"] * len(STAGE_COLUMNS))
        self.cursor.executemany(
            f"INSERT INTO {STAGE} ({', '.join(STAGE_COLUMNS)}) VALUES ({marks})",
            [(c.uscc, *(_plain(getattr(c, f)) for f in FIELDS), ",".join(c.tags) if with_tags else None)
             for c in rows],
        )
        if with_tags:
            pairs = [(c.uscc, t) for c in rows for t in c.tags]
            self.cursor.executemany(f"INSERT INTO {STAGE_TAGS} (uscc, tag) VALUES (%s, %s)", pairs)

    def merge(self, run: _Run) -> tuple[int, int, int]:
        c, fields = self.cursor, run.update_fields()
        c.execute(f"SELECT count(*) FROM {STAGE} s WHERE NOT EXISTS "
                  f"(SELECT 1 FROM {_q(ENTITY)} e WHERE e.uscc = s.uscc)")
        new = c.fetchone()[0]
        # A blank staged status keeps the stored one, as the merge does (see _staged_status).
        staged = {"status": "COALESCE(NULLIF(s.status, ''), e.status)"}
        changed = " OR ".join(f"e.{_q(DB_COLUMN.get(f, f))} IS DISTINCT FROM {staged.get(f, f's.{f}')}"
                              for f in fields) or "false"
        c.execute(f"SELECT count(*) FROM {STAGE} s JOIN {_q(ENTITY)} e ON e.uscc = s.uscc WHERE {changed}")
        updated = c.fetchone()[0]
        c.execute(_upsert_sql(fields, order_by="ORDER BY s.uscc"), [self.now])
        touched = self._sync_tags() if run.with_tags else 0
        self.add_to_directory()
        return new, updated, touched

    def _sync_tags(self) -> int:
        c, et = self.cursor, _q(ENTITY_TAG)
        stale = (f"SELECT t.entity_id, t.tag_id FROM {et} t JOIN {STAGE} s ON s.uscc = t.entity_id "
                 f"WHERE NOT EXISTS (SELECT 1 FROM {STAGE_TAGS} x WHERE x.uscc = t.entity_id AND x.tag = t.tag_id)")
        fresh = (f"SELECT x.uscc, x.tag FROM {STAGE_TAGS} x WHERE NOT EXISTS "
                 f"(SELECT 1 FROM {et} t WHERE t.entity_id = x.uscc AND t.tag_id = x.tag)")
        c.execute(f"SELECT entity_id FROM ({stale}) UNION SELECT uscc FROM ({fresh})")
        changed = [r[0] for r in c.fetchall()]
        c.execute(f"DELETE FROM {et} WHERE (entity_id, tag_id) IN ({stale})")
        c.execute(f"INSERT INTO {et} (entity_id, tag_id) {fresh}")
        touched = 0
        for i in range(0, len(changed), 500):
            part = changed[i:i + 500]
            # Entities the merge just wrote already carry this run's time; the rest are touched.
            c.execute(f"UPDATE {_q(ENTITY)} SET updated_at = %s WHERE updated_at IS NOT %s AND uscc IN "
                      f"({', '.join(['%s'] * len(part))})", [self.now, self.now, *part])
            touched += c.rowcount
        return touched


def _plain(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


# --- The reading thread (PostgreSQL) ------------------------------------------------------
_END, _BATCH_END = object(), object()
_CODE = itemgetter(slice(0, 18))  # sorting on the code alone is about twice as fast as on the line


class _Reader:
    """Reads, validates and formats rows in a thread; ``read()`` feeds psycopg2's COPY.

    Each batch is sorted by code before it is handed over, and ends with a marker at which
    ``read()`` ends the COPY so the caller can merge. Exceptions from the thread or from the
    progress callback end the COPY quietly and are raised again by ``check()``.
    """

    def __init__(self, run: _Run, progress: Callable[[int], None] | None) -> None:
        self.run, self.progress = run, progress
        self.queue: queue.Queue[Any] = queue.Queue(maxsize=QUEUE_CHUNKS)
        self.stop = threading.Event()
        self.done = self.batch_over = False
        self.batch_rows = 0
        self.failure: BaseException | None = None
        self.thread = threading.Thread(target=self._produce, args=(translation.get_language(),), daemon=True)

    # -- the thread
    def _produce(self, language: str | None) -> None:
        try:
            with translation.override(language):
                batch: list[bytes] = []
                read_before, size = 0, min(FIRST_BATCH_ROWS, BATCH_ROWS)
                for _clean, line in self.run.cleaned():
                    batch.append(line.encode())  # once: for the digest, the sort and the COPY
                    if len(batch) >= size:
                        self._send(batch, read_before, self.run.rows)
                        batch, read_before, size = [], self.run.rows, min(size * 2, BATCH_ROWS)
                        if self.stop.is_set():
                            return
                self._send(batch, read_before, self.run.rows)
                self._put(_END)
        except BaseException as exc:  # handed to the main thread, which raises it
            self._put(exc)

    def _send(self, lines: list[bytes], read_before: int, read_after: int) -> None:
        """Hand over one batch; each chunk carries how far into the file it brings the COPY."""
        if not lines:
            return
        self.run.digest.update(b"".join(lines))  # file order, as on SQLite
        lines.sort(key=_CODE)  # each line starts with its 18-character code
        span = read_after - read_before
        for i in range(0, len(lines), CHUNK_ROWS):
            chunk = lines[i:i + CHUNK_ROWS]
            reached = read_before + span * (i + len(chunk)) // len(lines)
            self._put((b"".join(chunk), len(chunk), reached))
        self._put(_BATCH_END)

    def _put(self, item: Any) -> None:
        while not self.stop.is_set():
            try:
                self.queue.put(item, timeout=0.2)
                return
            except queue.Full:
                continue

    # -- the main thread
    def start(self) -> None:
        self.thread.start()

    def next_batch(self) -> None:
        self.batch_over, self.batch_rows = False, 0

    def read(self, size: int = -1) -> bytes:
        if self.done or self.batch_over or self.failure is not None:
            return b""
        item = self.queue.get()
        if item is _END:
            self.done = True
            return b""
        if item is _BATCH_END:
            self.batch_over = True
            return b""
        if isinstance(item, BaseException):
            self.failure = item
            return b""
        data, n, reached = item
        self.batch_rows += n
        if self.progress is not None:
            try:
                self.progress(reached)
            except BaseException as exc:
                self.failure = exc
                return b""
        return data

    def check(self) -> None:
        if self.failure is not None:
            raise self.failure

    def close(self) -> None:
        self.stop.set()
        self.thread.join(timeout=10)


# --- The service --------------------------------------------------------------------------
def import_entities_file(
    *,
    path: Path | str,
    mode: str = MODE_ALL,
    department: Any = None,
    progress: Callable[[int], None] | None = None,
    error_path: Path | str | None = None,
) -> BulkResult:
    """Import a registry file (see the module docstring). ``progress`` gets the rows read so far;
    an exception it raises stops the run with nothing written. Raises ``TabularError`` when the
    file as a whole cannot be read."""
    if mode not in (MODE_ALL, MODE_GOOD):
        raise ValueError(f"mode must be {MODE_ALL!r} or {MODE_GOOD!r}")
    run = _Run(path=Path(path), validator=validator_from_db(uscc_check=fast_uscc_reason),
               errors=ErrorFile(Path(error_path) if error_path else None))
    counts = BulkCounts()
    try:
        with transaction.atomic(), rows_suppressed(), connection.cursor() as cursor:
            directory_id = _main_directory(department)
            backend: _Backend = (_Postgres if connection.vendor == "postgresql" else _Sqlite)(
                cursor, timezone.now(), directory_id)
            backend.setup()
            if isinstance(backend, _Postgres):
                _stream_postgres(backend, run, mode, counts, progress)
            else:
                _stream_sqlite(backend, run, mode, counts, progress)  # type: ignore[arg-type]
            counts.rows, counts.errors = run.rows, run.errors.rows
            if mode == MODE_ALL and counts.errors:
                raise _Rejected
            counts.unchanged = counts.rows - counts.errors - counts.new - counts.updated
            backend.teardown()
            _audit(run, mode, counts, department, backend.directory_added)
    except _Rejected:
        return BulkResult(BulkCounts(rows=run.rows, errors=run.errors.rows), run.errors.path, False,
                          errors=run.errors.sample)
    finally:
        run.errors.close()
    return BulkResult(counts, run.errors.path if counts.errors else None, True,
                      digest=run.digest.hexdigest(), errors=run.errors.sample)


def _main_directory(department: Any) -> int | None:
    if department is None:
        return None
    directory, _created = Directory.objects.get_or_create(
        department=department, code="main", defaults={"name": "检查对象名录库"}
    )
    return directory.pk


def _merge(backend: Any, run: _Run, mode: str, counts: BulkCounts) -> None:
    # In "all" mode nothing is kept once a bad row is seen: validate on, but write no more.
    if mode == MODE_ALL and run.errors.rows:
        return
    new, updated, touched = backend.merge(run)
    counts.new += new
    counts.updated += updated + touched


def _stream_postgres(backend: _Postgres, run: _Run, mode: str, counts: BulkCounts,
                     progress: Callable[[int], None] | None) -> None:
    reader = _Reader(run, progress)
    reader.start()
    try:
        while not reader.done:
            reader.next_batch()
            backend.load(reader)
            reader.check()
            if reader.batch_rows:
                _merge(backend, run, mode, counts)
    finally:
        reader.close()


def _stream_sqlite(backend: _Sqlite, run: _Run, mode: str, counts: BulkCounts,
                   progress: Callable[[int], None] | None) -> None:
    cleaned = run.cleaned()
    while batch := list(islice(cleaned, SQLITE_BATCH)):
        run.digest.update("".join(line for _c, line in batch).encode())
        backend.load_rows([c for c, _line in batch], run.with_tags)
        if progress is not None:
            progress(run.rows)
        _merge(backend, run, mode, counts)


def _audit(run: _Run, mode: str, counts: BulkCounts, department: Any, directory_added: int) -> None:
    audit_bulk(
        action="import.entities", object_type="entities.entity", count=counts.new + counts.updated,
        digest=run.digest.hexdigest(),
        summary={"via": "bulk", "file": run.path.name, "mode": mode, "rows": counts.rows, "new": counts.new,
                 "updated": counts.updated, "unchanged": counts.unchanged, "errors": counts.errors,
                 "department": getattr(department, "code", None), "directory_added": directory_added},
    )


# --- For commands: COPY from an iterator, and a progress bar ----------------------------------
class _LineFile:
    """A read()-able view of an iterator of text lines, for psycopg2's ``copy_expert``."""

    def __init__(self, lines: Iterator[str]) -> None:
        self._lines = lines

    def read(self, size: int = -1) -> bytes:
        return "".join(islice(self._lines, CHUNK_ROWS)).encode()


def copy_lines(cursor: Any, table: str, columns: list[str], lines: Iterable[str]) -> None:
    """COPY text-format lines (each ending in a newline) into ``table``."""
    sql = f"COPY {_q(table)} ({', '.join(_q(c) for c in columns)}) FROM STDIN"
    cursor.cursor.copy_expert(sql, _LineFile(iter(lines)), size=1 << 16)


def progress_bar(*, total: int | None, out: Any, width: int = 30) -> Callable[[int], None]:
    """A one-line textual bar on ``out``: rows done, the share when the total is known, rows/s."""
    t0 = time.perf_counter()

    def show(done: int) -> None:
        rate = done / max(time.perf_counter() - t0, 1e-9)
        if total:
            frac = min(done / total, 1.0)
            text = f"\r[{'#' * int(frac * width):<{width}}] {frac:4.0%} {done:,}/{total:,} {rate:,.0f} 行/秒"
        else:
            text = f"\r{done:,} {rate:,.0f} 行/秒"
        if isinstance(out, OutputWrapper):
            out.write(text, ending="")
        else:
            out.write(text)
        out.flush()

    return show

"""The entity frame of a task, computed from the registry before any randomness exists.

Order of exclusions (each count is of what that rule removed from what was left):
1. entities not in existence (注销、吊销、撤销、迁出);
2. already inspected this year for one of the task's items (at most once per item per year);
3. inspected this quarter by a department outside this task (go jointly, or leave it out).

Why it is shaped this way (a city frame has two million labels and the whole draw must take
about as long as one ``ORDER BY random()`` over the same rows):
* one pass over the registry: the covering index ``entity_draw_frame`` (region, status, entity
  type, code) hands the eligible codes out already grouped by entity type and in code order, so
  the database never sorts and Python never touches a row: each type's lines are cut out of the
  COPY text with a few C-level string operations;
* the two history rules are driven from the (small) inspection history, not probed per entity:
  their entities are listed first, counted, and left out of the one pass;
* the "not in existence" count reads only the non-active part of the index.
"""

from __future__ import annotations

import datetime as dt
import io
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal, overload

import numpy as np
import psycopg2
from django.db import connection
from django.db.models import Case, CharField, Exists, OuterRef, QuerySet, Value, When

from core.bulk import copy_value, copy_values
from entities.models import DirectoryEntry, Entity, EntityStatus, EntityTag, EntityType
from inspections.draw import LabelError, PackedLabels
from inspections.draw.encoding import USCC_LENGTH
from inspections.models import InspectionRecord, Task, TaskItem

NOT_ACTIVE = [s.value for s in EntityStatus if s != EntityStatus.ACTIVE]


@dataclass
class FrameRows:
    strata: dict[str, Sequence[str]]
    exclusions: list[tuple[str, int]]
    private: set[str]


def scope_queryset(task: Task) -> QuerySet[Entity]:
    f: dict[str, Any] = task.filters or {}
    qs = Entity.objects.all()
    if task.draw_mode == Task.DrawMode.UNTARGETED:
        return qs
    for field, key in (("entity_type", "entity_types"), ("industry_id", "industries"),
                       ("region_id", "regions"), ("risk_class", "risk_classes")):
        if f.get(key):
            qs = qs.filter(**{f"{field}__in": f[key]})
    if f.get("tags"):
        qs = qs.filter(Exists(EntityTag.objects.filter(entity_id=OuterRef("uscc"), tag_id__in=f["tags"])))
    if f.get("directory"):
        qs = qs.filter(Exists(DirectoryEntry.objects.filter(entity_id=OuterRef("uscc"), directory_id=f["directory"])))
    return qs


def _quarter(day: dt.date) -> tuple[dt.date, dt.date]:
    first_month = 3 * ((day.month - 1) // 3) + 1
    start = dt.date(day.year, first_month, 1)
    end = dt.date(day.year + (first_month == 10), (first_month + 3 - 1) % 12 + 1, 1) - dt.timedelta(days=1)
    return start, end


def history_exclusions(task: Task, active: QuerySet[Entity]) -> list[tuple[str, list[str]]]:
    """The entities that rules 2 and 3 remove from ``active`` (the in-scope, existing ones), in
    rule order, each list without the entities of the rules before it. Driven from the history:
    a year's inspections are few beside a registry of millions."""
    items = TaskItem.objects.filter(task=task).values("item_id")
    departments = set(task.participants.exclude(status="declined").values_list("department_id", flat=True))
    q_start, q_end = _quarter(task.window_start)
    same_item = InspectionRecord.objects.filter(item_id__in=items, inspected_on__year=task.year).values("entity_id")
    other_dept = (
        InspectionRecord.objects.filter(inspected_on__range=(q_start, q_end))
        .exclude(department_id__in=departments)
        .values("entity_id")
    )
    checked = sorted(active.filter(uscc__in=same_item).values_list("uscc", flat=True))
    others = sorted(set(active.filter(uscc__in=other_dept).values_list("uscc", flat=True)) - set(checked))
    return [("inspected_this_year_for_item", checked), ("inspected_this_quarter_by_other_department", others)]


def stratum_key(task: Task, risk_class: str, entity_type: str) -> str:
    if task.sampling == Task.Sampling.RISK_RATIO:
        return f"risk:{risk_class or '-'}|type:{entity_type}"
    return f"type:{entity_type}"


def _copy_text(qs: QuerySet[Entity], fields: tuple[str, ...]) -> str:
    """``fields`` of ``qs`` as COPY text (tab-separated lines), ordered by the fields."""
    sql, params = qs.order_by(*fields).values_list(*fields).query.sql_with_params()
    buffer = io.StringIO()
    with connection.cursor() as cursor:
        query = cursor.mogrify(sql, params).decode()
        cursor.copy_expert(f"COPY ({query}) TO STDOUT", buffer)
    return buffer.getvalue()


@overload
def split_sorted_groups(text: str) -> dict[str, list[str]]: ...
@overload
def split_sorted_groups(text: str, *, joined: Literal[True]) -> dict[str, str]: ...
def split_sorted_groups(text: str, *, joined: bool = False) -> dict[str, list[str]] | dict[str, str]:
    """``"k1\\tv\\nk1\\tv\\nk2\\tv\\n"`` with lines grouped by key -> {key: [values in order]}.

    Each group is cut out with find/rfind and its key removed with one replace, so the cost is
    a few passes of C over the text, not a Python step per line. Keys must not contain a tab
    and values must not contain the key's text followed by a tab (codes contain no tab).
    """
    groups: dict[str, Any] = {}
    pos, end_of_text = 0, len(text)
    while pos < end_of_text:
        prefix = text[pos : text.index("\t", pos) + 1]
        last = text.rfind("\n" + prefix, pos)
        last = pos if last < 0 else last + 1
        end = text.index("\n", last) + 1
        chunk = text[pos : end - 1]
        lines = chunk.count("\n") + 1
        if prefix[:-1] in groups or chunk.count("\n" + prefix) + 1 != lines:
            raise ValueError(f"lines of {prefix[:-1]!r} are not grouped")
        values = chunk.replace(prefix, "")
        groups[prefix[:-1]] = values if joined else values.split("\n")
        pos = end
    return groups


def _groups(text: str) -> dict[str, list[str]]:
    """``split_sorted_groups``, or line by line if the database did not group the lines."""
    try:
        return split_sorted_groups(text)
    except ValueError:
        groups: dict[str, list[str]] = defaultdict(list)
        for line in text.splitlines():
            key, _tab, value = line.partition("\t")
            groups[key].append(value)
        return dict(groups)


def _strata_postgres(
    task: Task, eligible: QuerySet[Entity], gone: QuerySet[Entity], both: QuerySet[Entity]
) -> tuple[dict[str, Sequence[str]], int]:
    """The strata and the count of ``gone`` (the not-in-existence rule's rows)."""
    if task.sampling == Task.Sampling.RISK_RATIO:
        by_risk: dict[str, list[str]] = {}
        for kind, lines in _groups(_copy_text(eligible, ("entity_type", "uscc", "risk_class"))).items():
            for line in lines:
                uscc, _tab, risk = line.partition("\t")
                by_risk.setdefault(stratum_key(task, risk, kind), []).append(uscc)
        return dict(by_risk), gone.count()
    packed, removed = _strata_by_type_packed(task, eligible, gone, both)
    if packed is not None:
        return packed, removed
    strata: dict[str, Sequence[str]] = {}
    text = _copy_text(eligible, ("entity_type", "uscc"))
    try:
        joined = split_sorted_groups(text, joined=True)
    except ValueError:
        joined = {}
    for kind, labels in joined.items():
        try:  # one text per stratum: the engine hashes and packs it without a step per label
            strata[stratum_key(task, "", kind)] = PackedLabels(labels.encode("ascii"))
        except (LabelError, UnicodeEncodeError):
            joined = {}
            break
    if not joined:
        strata = {stratum_key(task, "", kind): values for kind, values in _groups(text).items()}
    return strata, removed


# Entity types in the order they usually come by size: the largest export starts first.
_TYPES_BY_SIZE = [EntityType.INDIVIDUAL, EntityType.ENTERPRISE, EntityType.COOPERATIVE, EntityType.BRANCH, EntityType.OTHER]


def _export(cursor: Any, job: tuple[str, str]) -> bytes:
    """One export job. ``("lines", query)``: the rows of a one-column query as COPY text, one
    per line (for codes, which COPY never escapes, exactly the packed labels: the database
    writes them out of the index with no aggregate, and nothing is parsed here; measured for
    1.38 million codes: 0.31 s, against 0.46 s for ``string_agg`` of the same rows).
    ``("value", query)``: the one value of a one-row query (``core.bulk.copy_value``)."""
    mode, query = job
    if mode == "lines":
        buffer = io.BytesIO()
        cursor.copy_expert(f"COPY ({query}) TO STDOUT", buffer)
        return buffer.getvalue()[:-1]  # without the last line's newline; no rows: empty
    return copy_value(cursor, query) or b""  # the aggregate of no rows is NULL


def _may_export_snapshot() -> bool:
    """Only the outermost transaction can export its snapshot (not from within a savepoint).
    Importers do not see the exporter's uncommitted writes: ``draw_announce`` writes nothing
    to the registry or the history before it freezes the frame, and a caller that did (inside
    its own transaction) reaches here within a savepoint and exports on its own connection."""
    return connection.vendor == "postgresql" and connection.in_atomic_block and not connection.savepoint_ids


class SnapshotJobs:
    """Jobs run on two extra connections at once, both reading the snapshot of this transaction
    (``pg_export_snapshot``), started now and collected with ``results``: the caller's own
    connection stays free for other work in between. Each job takes a cursor. Only where
    ``_may_export_snapshot``."""

    def __init__(self, jobs: dict[str, Callable[[Any], Any]]) -> None:
        from concurrent.futures import ThreadPoolExecutor
        from queue import SimpleQueue

        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_export_snapshot()")
            self._snapshot = cursor.fetchone()[0]
        self._jobs = jobs
        self._todo: SimpleQueue[str] = SimpleQueue()
        for name in jobs:
            self._todo.put(name)
        self._found: dict[str, Any] = {}
        self._params = connection.get_connection_params()
        self._pool = ThreadPoolExecutor(max_workers=2)
        self._futures = [self._pool.submit(self._work) for _ in range(min(2, len(jobs)))]

    def _work(self) -> None:
        from queue import Empty

        conn = connection.get_new_connection(self._params)
        try:
            conn.set_session(isolation_level=psycopg2.extensions.ISOLATION_LEVEL_REPEATABLE_READ, readonly=True)
            with conn.cursor() as cursor:
                cursor.execute("SET TRANSACTION SNAPSHOT %s", [self._snapshot])
                while True:
                    try:  # not empty() then get(): the other thread may take the last one between
                        name = self._todo.get_nowait()
                    except Empty:
                        break
                    self._found[name] = self._jobs[name](cursor)
            conn.rollback()
        finally:
            conn.close()

    def results(self) -> dict[str, Any]:
        try:
            for future in self._futures:
                future.result()
        finally:
            self._pool.shutdown()
        return {name: self._found[name] for name in self._jobs}


def _export_in_parallel(queries: dict[str, tuple[str, str]]) -> dict[str, bytes]:
    """Run the exports on two extra connections at once, both reading the snapshot of this
    transaction: strata come from one consistent state of the registry, and the database scans
    two types' index ranges on two cores."""
    def job_of(job: tuple[str, str]) -> Callable[[Any], bytes]:
        return lambda cursor: _export(cursor, job)

    return SnapshotJobs({kind: job_of(job) for kind, job in queries.items()}).results()


# Below this many eligible rows (the planner's estimate) the export runs on the draw's own
# connection: opening two more costs more than a district frame's export (measured: 50 ms in
# parallel against 30 ms on one connection for 70,000 rows).
PARALLEL_EXPORT_ROWS = 300_000


def _estimated_rows(cursor: Any, qs: QuerySet[Entity]) -> int:
    sql, params = qs.values("pk").query.sql_with_params()
    cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
    return int(cursor.fetchone()[0][0]["Plan"]["Plan Rows"])


_GONE = "count of the rows gone"  # not an entity type: the not-in-existence count, exported alongside


_FLAG_GONE = ord("-")


def _flagged_export(cursor: Any, kinds: list[str], both: QuerySet[Entity]) -> dict[str, bytes] | None:
    """A small frame in one pass over the scope: every eligible or gone row (``both``) as one line, its
    code, a tab and one flag character (the index of its type in ``kinds``, or ``-`` for gone), in code
    order; the lines are then cut by type with array operations. Used for frames below the
    parallel export's size, and for any frame when this transaction's snapshot cannot be shared
    (within a savepoint: a redraw decided in its approval's transaction). Measured on a 70,000-entity
    district frame: 17 ms in the database, against 40 ms for one ``string_agg`` per type (each a
    scan of the scope's index range); whole frame 28 ms against 40 ms. None when a code is not 18 characters (the caller's general path)."""
    if len(kinds) > 10:
        return None
    flag = Case(
        *[When(status=EntityStatus.ACTIVE, entity_type=kind, then=Value(str(i))) for i, kind in enumerate(kinds)],
        When(status__in=NOT_ACTIVE, then=Value(chr(_FLAG_GONE))),
        default=Value("?"), output_field=CharField(),  # a row of no listed type: not this path's
    )
    sql, params = both.annotate(flag=flag).order_by("uscc").values_list("uscc", "flag").query.sql_with_params()
    buffer = io.BytesIO()
    cursor.copy_expert(f"COPY ({cursor.mogrify(sql, params).decode()}) TO STDOUT", buffer)
    data, width = buffer.getvalue(), USCC_LENGTH + 3  # the code, a tab, the flag, the newline
    if len(data) % width:
        return None
    lines = np.frombuffer(data, dtype=np.uint8).reshape(-1, width)
    # The code column is blank-padded to 18: a shorter code shows as a space.
    if not ((lines[:, USCC_LENGTH] == ord("\t")).all() and (lines[:, width - 1] == ord("\n")).all()) or (
        lines[:, :USCC_LENGTH] == ord(" ")
    ).any():
        return None
    flags = lines[:, USCC_LENGTH + 1]
    if np.count_nonzero(flags == ord("?")):
        return None
    values = {_GONE: str(int(np.count_nonzero(flags == _FLAG_GONE))).encode()}
    for i, kind in enumerate(kinds):
        of_kind = lines[flags == ord(str(i))][:, : USCC_LENGTH + 1]  # the code and the tab's place
        of_kind[:, USCC_LENGTH] = ord("\n")
        values[kind] = of_kind.tobytes()[:-1]
    return values


def _strata_by_type_packed(
    task: Task, eligible: QuerySet[Entity], gone: QuerySet[Entity], both: QuerySet[Entity]
) -> tuple[dict[str, Sequence[str]] | None, int]:
    """Each entity type's codes as one text, straight into the stratum's packed labels (None:
    not all codes are 18 characters, use the general path), and the count of ``gone``, taken
    from the same snapshot while the types export.

    The covering index hands each type's codes out in order and they arrive as one text, codes
    one per line: nothing is split, decoded or re-encoded per label. A large frame (by the
    planner's estimate) is exported inside the draw's transaction on two connections at once
    from the same snapshot, each type as COPY text lines; a small one in one statement on the
    draw's own connection (``_flagged_export``; each type joined by ``string_agg`` if the codes
    are not all 18 characters). The engine checks the order (and
    sorts if it ever differs), so the order of the export is a speed matter, not a trust one.
    Every row has one of the known types (check constraint ``entity_type_valid``), so the
    per-type exports together hold every eligible row."""
    # The types in scope: an untargeted task's scope ignores its filters (scope_queryset).
    listed = (task.filters or {}).get("entity_types") if task.draw_mode != Task.DrawMode.UNTARGETED else None
    wanted = listed or [t.value for t in EntityType]
    kinds = [t.value for t in _TYPES_BY_SIZE if t.value in wanted] + sorted(set(wanted) - {t.value for t in _TYPES_BY_SIZE})
    codes: dict[str, str] = {}
    with connection.cursor() as cursor:
        for kind in kinds:
            sql, params = eligible.filter(entity_type=kind).order_by("uscc").values_list("uscc").query.sql_with_params()
            codes[kind] = cursor.mogrify(sql, params).decode()
        sql, params = gone.values("pk").query.sql_with_params()
        count = f"SELECT count(*)::text FROM ({cursor.mogrify(sql, params).decode()}) AS g"  # noqa: S608 - mogrified
        values: dict[str, bytes] | None
        if _may_export_snapshot() and _estimated_rows(cursor, eligible) >= PARALLEL_EXPORT_ROWS:
            values = _export_in_parallel({**{kind: ("lines", query) for kind, query in codes.items()}, _GONE: ("value", count)})
        else:  # one statement, so every type and the count come from one state of the registry
            values = _flagged_export(cursor, kinds, both)
            if values is None:  # not every code is 18 characters: each type joined by the database
                joined = [f"(SELECT string_agg(s.uscc::text, E'\\n') FROM ({query}) AS s)" for query in codes.values()]  # noqa: S608 - mogrified
                together = "SELECT " + ", ".join([*joined, f"({count})"])
                values = {kind: value or b"" for kind, value in zip([*codes, _GONE], copy_values(cursor, together), strict=True)}
    removed = int(values.pop(_GONE))
    strata: dict[str, Sequence[str]] = {}
    for kind in sorted(values):
        if values[kind]:
            try:
                strata[stratum_key(task, "", kind)] = PackedLabels(values[kind])
            except LabelError:
                return None, removed
    return strata, removed


def _strata_portable(task: Task, eligible: QuerySet[Entity]) -> dict[str, Sequence[str]]:
    strata: dict[str, list[str]] = defaultdict(list)
    rows = eligible.order_by("uscc").values_list("uscc", "risk_class", "entity_type")
    for uscc, risk, kind in rows.iterator(chunk_size=5000):
        strata[stratum_key(task, risk or "", kind)].append(uscc)
    return dict(strata)


def build_frame_rows(task: Task) -> FrameRows:
    """Strata (labels in code order), exclusion counts in rule order, and which strata are private."""
    scope = scope_queryset(task)
    active = scope.filter(status=EntityStatus.ACTIVE)
    gone = scope.filter(status__in=NOT_ACTIVE)
    history = history_exclusions(task, active)
    eligible = active
    for _rule, removed in history:
        if removed:
            eligible = eligible.exclude(uscc__in=removed)
    if connection.vendor == "postgresql":
        # The eligible and the gone rows together: the scope without the history rules' entities.
        removed_codes = [c for _rule, removed in history for c in removed]
        in_frame_or_gone = scope.exclude(uscc__in=removed_codes) if removed_codes else scope
        strata, gone_count = _strata_postgres(task, eligible, gone, in_frame_or_gone)
    else:
        strata, gone_count = _strata_portable(task, eligible), gone.count()
    exclusions = [("not_in_existence", gone_count)] + [(rule, len(removed)) for rule, removed in history]
    private = set(strata) if task.sampling == Task.Sampling.RISK_RATIO else set()
    return FrameRows(strata, exclusions, private)

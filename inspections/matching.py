"""Inspector matching: the second draw of a task, with its own frozen frame (DRAW.md).

The frame is frozen after the entity draw and before its own randomness: the drawn entities with
their order values, each participating department's eligible inspectors, load caps, leave that
overlaps the window, declared conflicts (pending ones count), repeats within the configured
years, qualification fields and, if the task asks, own areas of responsibility. Its hash is
staff-only: no inspector data reaches the public.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import unicodedata
from collections.abc import Callable
from functools import partial
from typing import Any, cast

from django.conf import settings
from django.db import connection
from django.db.models import Q, QuerySet
from django.db.models.expressions import RawSQL

from inspections import draw as engine
from inspections.frames import SnapshotJobs, _may_export_snapshot
from inspections.models import (
    Draw,
    DrawSelection,
    EntityListItem,
    InspectionRecord,
    ParticipantStatus,
    Task,
    TaskItem,
)
from inspectors.models import ConflictDeclaration, Inspector, Leave


def _label(cert_no: str) -> str:
    return unicodedata.normalize("NFC", cert_no.strip())


def entity_draw_of(task: Task) -> Draw | None:
    return (
        Draw.objects.filter(task=task, kind=Draw.Kind.ENTITIES, trial=False, status=Draw.Status.DONE, superseded_by__isnull=True)
        .order_by("-iteration")
        .first()
    )


def _eligible(task: Task, department: Any) -> QuerySet[Inspector]:
    """The department's inspectors who may be matched: active, certificate valid to the window's end."""
    return Inspector.objects.filter(department=department, is_active=True).filter(
        Q(cert_valid_until__isnull=True) | Q(cert_valid_until__gte=task.window_end)
    )


def _departments(task: Task) -> tuple[list[dict[str, Any]], dict[int, str], dict[str, int]]:
    """Each participating department's list, every listed inspector's number by key, and each
    department's key by code."""
    parts = list(task.participants.filter(status__in=[ParticipantStatus.INITIATOR, ParticipantStatus.CLAIMED]).select_related("department"))
    others = sum(p.inspectors_per_entity for p in parts if p.status != ParticipantStatus.INITIATOR)
    result = []
    cert_of: dict[int, str] = {}
    for part in parts:
        dept = part.department
        per_entity = part.inspectors_per_entity
        if part.status == ParticipantStatus.INITIATOR:
            per_entity = max(1, task.inspectors_per_entity - others)
        required = sorted(
            set(
                TaskItem.objects.filter(task=task, department=dept).values_list("item__required_fields__code", flat=True)
            )
            - {None}
        )
        listed = dict(_eligible(task, dept).values_list("pk", "cert_no"))
        cert_of.update(listed)
        result.append({"code": dept.code, "per_entity": per_entity, "cap": task.inspector_load_cap,
                       "labels": sorted({_label(c) for c in listed.values()}), "required_fields": required})
    return result, cert_of, {p.department.code: p.department_id for p in parts}


def _keys(keys: list[int]) -> Any:
    """``keys`` for an ``__in`` lookup: on PostgreSQL one array parameter, where a list of 5,000
    keys costs Django a Python step per key in each query that names it."""
    if connection.vendor == "postgresql":
        return RawSQL("SELECT unnest(%s::bigint[])", [keys])
    return keys


def _drawn_codes(entity_draw: Draw | None, task: Task) -> QuerySet[Any]:
    """The task's entities as a subquery: a database-side ``IN``, where a list of twenty
    thousand codes would cost Django a Python step per code in each query that names them."""
    if entity_draw is not None:
        return DrawSelection.objects.filter(draw=entity_draw).values("entity_id")
    return EntityListItem.objects.filter(entity_list__task=task).values("entity_id")


def drawn_entities(task: Task, entity_draw: Draw | None = None) -> list[tuple[str, str]]:
    """(USCC, order value) of the task's entities. A listed (not drawn) entity's order value is
    SHA-256 of its code: it only fixes the processing order of the matching."""
    entity_draw = entity_draw or entity_draw_of(task)
    if entity_draw is not None:
        return list(DrawSelection.objects.filter(draw=entity_draw).values_list("entity_id", "order_hex"))
    listed = EntityListItem.objects.filter(entity_list__task=task).values_list("entity_id", flat=True)
    return [(u, hashlib.sha256(u.encode()).hexdigest()) for u in listed]


# From this many drawn entities on, the conflicts are aggregated on two extra connections, each
# for half of the entities, while this one reads the rest of the frame (measured for a million
# pairs, with another process busy on one of the two cores: 0.31-0.36 s, against 0.44-0.52 s
# on one connection).
PARALLEL_CONFLICT_ENTITIES = 2_000

_CONFLICT_SQL = (
    # Declared pairs are unique: no pair comes twice. The numbers are the ones the lists were
    # built from (a number changed since is not read again). Each entity's numbers are put in
    # order in Python: an ordered aggregate costs the database a sort per entity (measured for a
    # million pairs: 1.0 s, against 0.46 s unordered and 0.1 s for sorting).
    # The join through the inspectors' table is for the planner: with its statistics (keys are
    # unique) it hashes the 5,000 listed, not the million conflicts (measured: 0.47 s, against
    # 1.0 s joining the list straight to the conflicts).
    "SELECT c.entity_id, string_agg(l.label, E'\\t')"
    " FROM inspectors_conflictdeclaration c JOIN inspectors_inspector i ON i.id = c.inspector_id"
    " JOIN unnest(%s::bigint[], %s::text[]) AS l (id, label) ON l.id = i.id"
    " WHERE c.entity_id = ANY(%s::bpchar[]) AND c.status <> %s"
    " GROUP BY c.entity_id"
)


def _conflict_rows(cursor: Any, *, usccs: list[str], label_of: dict[int, str]) -> dict[str, str]:
    cursor.execute("SET LOCAL work_mem = '256MB'")  # aggregate a million pairs in memory
    return _sorted_texts(_conflict_query(cursor, usccs=usccs, label_of=label_of))


def _conflict_query(cursor: Any, *, usccs: list[str], label_of: dict[int, str]) -> list[tuple[str, str]]:
    cursor.execute(_CONFLICT_SQL, [list(label_of), list(label_of.values()), usccs, ConflictDeclaration.Status.REJECTED])
    return cast(list[tuple[str, str]], cursor.fetchall())


def _sorted_texts(rows: list[tuple[str, str]]) -> dict[str, str]:
    """Each entity's numbers (one row per entity: the query groups by entity), in code-point
    order. Done here, on the reader's thread, while the other half is still being read: about
    30 ms per half of a million pairs (the database's ordered aggregate took 0.6 s, not 0.3)."""
    return {entity.strip(): "\t".join(sorted(text.split("\t"))) for entity, text in rows}


def _joined(parts: list[dict[str, str]]) -> engine.PairSet:
    """The parts' sorted texts as one set; an entity found in two parts has its numbers merged."""
    texts: dict[str, str] = {}
    for part in parts:
        for entity, text in part.items():
            found = texts.get(entity)
            texts[entity] = text if found is None else "\t".join(sorted(f"{found}\t{text}".split("\t")))
    return engine.PairSet.joined(dict(sorted(texts.items())))


def _conflicts_pending(usccs: list[str], label_of: dict[int, str]) -> Callable[[], engine.PairSet]:
    """Declared conflicts (pending ones count) of the drawn entities with the listed inspectors
    (``label_of``: key -> number as listed), grouped by entity; the caller collects them by
    calling what this returns. A matching frame can hold a million of them: on PostgreSQL they
    arrive as one row per entity, its inspectors' numbers as one text, and no Python step is
    taken per pair. A large frame's are aggregated in the background
    (``PARALLEL_CONFLICT_ENTITIES``), on connections reading this transaction's snapshot."""
    labels = list(label_of.values())
    if connection.vendor != "postgresql" or len(set(labels)) != len(labels) or any("\t" in x for x in labels):
        # Two keys with one number (stored differently), or a number the frame will refuse.
        declared = ConflictDeclaration.objects.filter(entity_id__in=usccs, inspector_id__in=list(label_of)).exclude(
            status=ConflictDeclaration.Status.REJECTED
        )
        groups: dict[str, list[str]] = {}
        for entity, inspector in declared.values_list("entity_id", "inspector_id").iterator(chunk_size=5000):
            groups.setdefault(entity, []).append(label_of[inspector])
        found = engine.PairSet(groups)
        return lambda: found
    if _may_export_snapshot() and len(usccs) >= PARALLEL_CONFLICT_ENTITIES:
        jobs = SnapshotJobs({half: partial(_conflict_rows, usccs=usccs[start::2], label_of=label_of)
                             for half, start in (("even", 0), ("odd", 1))})
        return lambda: _joined(list(jobs.results().values()))
    with connection.cursor() as cursor:
        if connection.get_autocommit():  # no transaction to scope the setting to: the default memory
            texts = _sorted_texts(_conflict_query(cursor, usccs=usccs, label_of=label_of))
        else:
            texts = _conflict_rows(cursor, usccs=usccs, label_of=label_of)
    result = _joined([texts])
    return lambda: result


def _conflicts(usccs: list[str], label_of: dict[int, str]) -> engine.PairSet:
    return _conflicts_pending(usccs, label_of)()


def build_matching_frame_for(task: Task, keys: dict[str, Any] | None = None) -> engine.MatchingFrame:
    """The task's matching frame. ``keys``, if given, receives the database keys of the frame's
    labels as read now ({"inspectors": {number: key}, "departments": {code: key}}): the draw
    stores its assignments with these, however numbers are edited before its randomness."""
    entity_draw = entity_draw_of(task)
    entities = drawn_entities(task, entity_draw)
    if not entities:
        raise ValueError("no entities")
    usccs = [u for u, _ in entities]
    drawn = _drawn_codes(entity_draw, task)
    departments, cert_of, department_keys = _departments(task)
    # The listed inspectors as read once: every later query names these keys, so an inspector
    # made eligible (or not) meanwhile cannot enter one part of the frame and miss another.
    label_of = {pk: _label(cert_no) for pk, cert_no in cert_of.items()}
    pool = _keys(list(label_of))
    if keys is not None:
        keys.update(inspectors={label: pk for pk, label in label_of.items()}, departments=department_keys)
    pending = _conflicts_pending(usccs, label_of)  # a large frame's are read meanwhile
    try:
        rest = _read_the_rest(task, drawn, label_of, pool)
        conflicts = pending()
    except BaseException:
        with contextlib.suppress(Exception):
            pending()  # collect the background readers before the error goes on
        raise
    return engine.build_matching_frame(
        task_code=task.code,
        entities=entities,
        departments=departments,
        lead_department=task.department.code,
        min_team=task.inspectors_per_entity,
        conflicts=conflicts,
        **rest,
    )


def _read_the_rest(task: Task, drawn: QuerySet[Any], label_of: dict[int, str], pool: Any) -> dict[str, Any]:
    """Qualifications, leave, repeats and own areas of the listed inspectors (``label_of``,
    ``pool``: their keys), as ``build_matching_frame``'s arguments."""
    held: dict[str, list[str]] = {label: [] for label in label_of.values()}
    for pk, code in Inspector.fields.through.objects.filter(inspector_id__in=pool).values_list(
        "inspector_id", "field__code"
    ):
        held[label_of[pk]].append(code)
    leave = Leave.objects.filter(inspector_id__in=pool, start__lte=task.window_end, end__gte=task.window_start)
    years = settings.DRAW_REPEAT_YEARS
    since = task.window_start - dt.timedelta(days=365 * years)
    items = TaskItem.objects.filter(task=task).values("item_id")
    repeats = InspectionRecord.inspectors.through.objects.filter(
        inspectionrecord__entity_id__in=drawn, inspectionrecord__item_id__in=items,
        inspectionrecord__inspected_on__gte=since, inspector_id__in=pool,
    ).values_list("inspectionrecord__entity_id", "inspector_id")
    own_area: list[tuple[str, str]] = []
    if task.avoid_own_area:
        from entities.models import Entity

        home = dict(Inspector.objects.filter(pk__in=pool).exclude(home_area="").values_list("pk", "home_area"))
        region_of = dict(Entity.objects.filter(uscc__in=drawn).values_list("uscc", "region_id"))
        own_area = [(u, label_of[pk]) for u, r in region_of.items() for pk, area in home.items() if area == r]
    return {
        "leave": [label_of[pk] for pk in leave.values_list("inspector_id", flat=True)],
        "repeat_years": years,
        "repeats": [(u, label_of[pk]) for u, pk in repeats],
        "qualifications": held,
        "own_area": own_area,
    }

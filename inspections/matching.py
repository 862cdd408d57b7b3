"""Inspector matching: the second draw of a task, with its own frozen frame (DRAW.md).

The frame is frozen after the entity draw and before its own randomness: the drawn entities with
their order values, each participating department's eligible inspectors, load caps, leave that
overlaps the window, declared conflicts (pending ones count), repeats within the configured
years, qualification fields and, if the task asks, own areas of responsibility. Its hash is
staff-only: no inspector data reaches the public.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import unicodedata
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import Q, QuerySet

from inspections import draw as engine
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


def _eligible(task: Task, departments: list[int]) -> QuerySet[Inspector]:
    """The departments' inspectors who may be matched: active, certificate valid to the window's end."""
    return Inspector.objects.filter(department__in=departments, is_active=True).filter(
        Q(cert_valid_until__isnull=True) | Q(cert_valid_until__gte=task.window_end)
    )


def _departments(task: Task) -> tuple[list[dict[str, Any]], dict[int, str], QuerySet[Inspector]]:
    """Each participating department's list, every listed inspector's number by key, and the
    listed inspectors as a subquery."""
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
        listed = dict(_eligible(task, [dept.pk]).values_list("pk", "cert_no"))
        cert_of.update(listed)
        result.append({"code": dept.code, "per_entity": per_entity, "cap": task.inspector_load_cap,
                       "labels": sorted({_label(c) for c in listed.values()}), "required_fields": required})
    return result, cert_of, _eligible(task, [p.department_id for p in parts])


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


def _conflicts(
    usccs: list[str], label_of: dict[int, str], cert_of: dict[int, str], *, drawn: Any = None, pool: Any = None
) -> engine.PairSet:
    """Declared conflicts (pending ones count) of the drawn entities with the listed inspectors,
    grouped by entity. A matching frame can hold a million of them: on PostgreSQL they arrive
    as one row per entity, its inspectors' numbers already in canonical order as one text, so
    no Python step is taken per pair (numbers stored in canonical form, the usual case)."""
    if connection.vendor != "postgresql" or any(cert_of[pk] != label for pk, label in label_of.items()):
        declared = ConflictDeclaration.objects.filter(
            entity_id__in=usccs if drawn is None else drawn, inspector_id__in=list(label_of) if pool is None else pool
        ).exclude(status=ConflictDeclaration.Status.REJECTED)
        groups: dict[str, list[str]] = {}
        for entity, inspector in declared.values_list("entity_id", "inspector_id").iterator(chunk_size=5000):
            groups.setdefault(entity, []).append(label_of[inspector])
        return engine.PairSet(groups)
    with connection.cursor() as cursor:
        if not connection.get_autocommit():  # the frame is frozen in a transaction: scope it to that
            cursor.execute("SET LOCAL work_mem = '256MB'")  # aggregate a million pairs in memory
        # Numbers are unique and so are declared pairs: no pair comes twice. Each entity's numbers
        # are put in order here: an ordered aggregate costs the database a sort per entity
        # (measured for a million pairs: 1.0 s, against 0.46 s unordered and 0.1 s for sorting).
        cursor.execute(
            "SELECT c.entity_id, string_agg(i.cert_no, E'\\t')"
            " FROM inspectors_conflictdeclaration c JOIN inspectors_inspector i ON i.id = c.inspector_id"
            " WHERE c.entity_id = ANY(%s::bpchar[]) AND c.inspector_id = ANY(%s::bigint[]) AND c.status <> %s"
            " GROUP BY c.entity_id",
            [usccs, list(label_of), ConflictDeclaration.Status.REJECTED],
        )
        rows = cursor.fetchall()
    return engine.PairSet.joined({entity.strip(): "\t".join(sorted(text.split("\t"))) for entity, text in sorted(rows)})


def build_matching_frame_for(task: Task) -> engine.MatchingFrame:
    entity_draw = entity_draw_of(task)
    entities = drawn_entities(task, entity_draw)
    if not entities:
        raise ValueError("no entities")
    usccs = [u for u, _ in entities]
    drawn = _drawn_codes(entity_draw, task)
    departments, cert_of, listed = _departments(task)
    pool = listed.values("pk")  # a subquery wherever the pool is named
    label_of = {pk: _label(cert_no) for pk, cert_no in cert_of.items()}
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

        home = dict(listed.exclude(home_area="").values_list("pk", "home_area"))
        region_of = dict(Entity.objects.filter(uscc__in=drawn).values_list("uscc", "region_id"))
        own_area = [(u, label_of[pk]) for u, r in region_of.items() for pk, area in home.items() if area == r]
    return engine.build_matching_frame(
        task_code=task.code,
        entities=entities,
        departments=departments,
        lead_department=task.department.code,
        min_team=task.inspectors_per_entity,
        conflicts=_conflicts(usccs, label_of, cert_of, drawn=drawn, pool=pool),
        leave=[label_of[pk] for pk in leave.values_list("inspector_id", flat=True)],
        repeat_years=years,
        repeats=[(u, label_of[pk]) for u, pk in repeats],
        qualifications=held,
        own_area=own_area,
    )

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
from django.db.models import Q

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


def _departments(task: Task) -> list[dict[str, Any]]:
    parts = list(task.participants.filter(status__in=[ParticipantStatus.INITIATOR, ParticipantStatus.CLAIMED]).select_related("department"))
    others = sum(p.inspectors_per_entity for p in parts if p.status != ParticipantStatus.INITIATOR)
    result = []
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
        labels = Inspector.objects.filter(department=dept, is_active=True).filter(
            Q(cert_valid_until__isnull=True) | Q(cert_valid_until__gte=task.window_end)
        ).values_list("cert_no", flat=True)
        result.append({"code": dept.code, "per_entity": per_entity, "cap": task.inspector_load_cap,
                       "labels": sorted({_label(c) for c in labels}), "required_fields": required})
    return result


def drawn_entities(task: Task) -> list[tuple[str, str]]:
    """(USCC, order value) of the task's entities. A listed (not drawn) entity's order value is
    SHA-256 of its code: it only fixes the processing order of the matching."""
    entity_draw = entity_draw_of(task)
    if entity_draw is not None:
        return list(DrawSelection.objects.filter(draw=entity_draw).values_list("entity_id", "order_hex"))
    listed = EntityListItem.objects.filter(entity_list__task=task).values_list("entity_id", flat=True)
    return [(u, hashlib.sha256(u.encode()).hexdigest()) for u in listed]


def _conflicts(usccs: list[str], label_of: dict[int, str]) -> engine.PairSet:
    """Declared conflicts (pending ones count) of the drawn entities with the listed inspectors,
    grouped by entity. A matching frame can hold a million of them: on PostgreSQL they arrive
    as one row per entity, the inspectors as one text, so no Python step is taken per pair."""
    declared = ConflictDeclaration.objects.filter(entity_id__in=usccs, inspector_id__in=list(label_of)).exclude(
        status=ConflictDeclaration.Status.REJECTED
    )
    groups: dict[str, list[str]] = {}
    if connection.vendor != "postgresql":
        for entity, inspector in declared.values_list("entity_id", "inspector_id").iterator(chunk_size=5000):
            groups.setdefault(entity, []).append(label_of[inspector])
        return engine.PairSet(groups)
    text_of = {str(k): v for k, v in label_of.items()}
    with connection.cursor() as cursor:
        if not connection.get_autocommit():  # the frame is frozen in a transaction: scope it to that
            cursor.execute("SET LOCAL work_mem = '256MB'")  # aggregate a million pairs in memory
        cursor.execute(
            "SELECT entity_id, string_agg(inspector_id::text, ',') FROM inspectors_conflictdeclaration "
            "WHERE entity_id = ANY(%s::bpchar[]) AND inspector_id = ANY(%s::bigint[]) AND status <> %s GROUP BY entity_id",
            [usccs, list(label_of), ConflictDeclaration.Status.REJECTED],
        )
        for entity, ids in cursor.fetchall():
            groups[entity.strip()] = list(map(text_of.__getitem__, ids.split(",")))
    return engine.PairSet(groups)


def build_matching_frame_for(task: Task) -> engine.MatchingFrame:
    entities = drawn_entities(task)
    if not entities:
        raise ValueError("no entities")
    usccs = [u for u, _ in entities]
    departments = _departments(task)
    certs = {c for d in departments for c in d["labels"]}
    label_of = {
        pk: _label(cert_no)
        for pk, cert_no in Inspector.objects.filter(cert_no__in=certs).values_list("pk", "cert_no")
        if _label(cert_no) in certs
    }
    held: dict[str, list[str]] = {label: [] for label in label_of.values()}
    for pk, code in Inspector.fields.through.objects.filter(inspector_id__in=list(label_of)).values_list(
        "inspector_id", "field__code"
    ):
        held[label_of[pk]].append(code)
    leave = Leave.objects.filter(inspector_id__in=list(label_of), start__lte=task.window_end, end__gte=task.window_start)
    years = settings.DRAW_REPEAT_YEARS
    since = task.window_start - dt.timedelta(days=365 * years)
    items = TaskItem.objects.filter(task=task).values("item_id")
    repeats = InspectionRecord.inspectors.through.objects.filter(
        inspectionrecord__entity_id__in=usccs, inspectionrecord__item_id__in=items,
        inspectionrecord__inspected_on__gte=since, inspector_id__in=list(label_of),
    ).values_list("inspectionrecord__entity_id", "inspector_id")
    own_area: list[tuple[str, str]] = []
    if task.avoid_own_area:
        from entities.models import Entity

        home = dict(Inspector.objects.filter(pk__in=list(label_of)).exclude(home_area="").values_list("pk", "home_area"))
        region_of = dict(Entity.objects.filter(uscc__in=usccs).values_list("uscc", "region_id"))
        own_area = [(u, label_of[pk]) for u, r in region_of.items() for pk, area in home.items() if area == r]
    return engine.build_matching_frame(
        task_code=task.code,
        entities=entities,
        departments=departments,
        lead_department=task.department.code,
        min_team=task.inspectors_per_entity,
        conflicts=_conflicts(usccs, label_of),
        leave=[label_of[pk] for pk in leave.values_list("inspector_id", flat=True)],
        repeat_years=years,
        repeats=[(u, label_of[pk]) for u, pk in repeats],
        qualifications=held,
        own_area=own_area,
    )

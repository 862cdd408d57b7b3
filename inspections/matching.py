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


def build_matching_frame_for(task: Task) -> engine.MatchingFrame:
    entities = drawn_entities(task)
    if not entities:
        raise ValueError("no entities")
    usccs = [u for u, _ in entities]
    departments = _departments(task)
    certs = {c for d in departments for c in d["labels"]}
    inspectors = {
        _label(i.cert_no): i
        for i in Inspector.objects.filter(cert_no__in=certs).prefetch_related("fields")
    }
    conflicts = ConflictDeclaration.objects.filter(entity_id__in=usccs, inspector__cert_no__in=certs).exclude(
        status=ConflictDeclaration.Status.REJECTED
    )
    leave = Leave.objects.filter(inspector__cert_no__in=certs, start__lte=task.window_end, end__gte=task.window_start)
    years = settings.DRAW_REPEAT_YEARS
    since = task.window_start - dt.timedelta(days=365 * years)
    items = TaskItem.objects.filter(task=task).values("item_id")
    repeats = InspectionRecord.inspectors.through.objects.filter(
        inspectionrecord__entity_id__in=usccs, inspectionrecord__item_id__in=items,
        inspectionrecord__inspected_on__gte=since, inspector__cert_no__in=certs,
    ).values_list("inspectionrecord__entity_id", "inspector__cert_no")
    own_area: list[tuple[str, str]] = []
    if task.avoid_own_area:
        from entities.models import Entity

        region_of = dict(Entity.objects.filter(uscc__in=usccs).values_list("uscc", "region_id"))
        own_area = [(u, c) for u, r in region_of.items() for c, i in inspectors.items() if i.home_area and i.home_area == r]
    return engine.build_matching_frame(
        task_code=task.code,
        entities=entities,
        departments=departments,
        lead_department=task.department.code,
        min_team=task.inspectors_per_entity,
        conflicts=[(u, _label(c)) for u, c in conflicts.values_list("entity_id", "inspector__cert_no")],
        leave=[_label(c) for c in leave.values_list("inspector__cert_no", flat=True)],
        repeat_years=years,
        repeats=[(u, _label(c)) for u, c in repeats],
        qualifications={c: [f.code for f in i.fields.all()] for c, i in inspectors.items()},
        own_area=own_area,
    )

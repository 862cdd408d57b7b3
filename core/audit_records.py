"""Bulk-written records the audit chain vouches for by digest.

Rows written by COPY (``core.bulk.bulk_insert``) or ``bulk_create`` fire no signals; their writer
chains one ``audit_bulk`` row per batch holding a SHA-256 of the rows. Here each such digest is
recomputed from the rows as stored, so a selection, matching, visit or list altered in the
database is found.

Models are named by label through the app registry: core imports no app above it. Each recipe
must produce the exact text its writer hashed (``inspections.drawing._store_selection`` and
``_store_assignments``, ``entity_list_assign``; ``join_visits`` hashes ``visit_lines`` itself);
``tests/core/test_audit_integrity.py`` and ``test_audit_bulk_writes.py`` hold them equal on real draws.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

from django.apps import apps

from core.models import AuditEntry


def _selection_lines(draw_id: Any) -> list[str]:
    model = apps.get_model("inspections.DrawSelection")
    rows = model._default_manager.filter(draw_id=draw_id).order_by("rank").values_list("entity_id", "order_hex")
    return [f"{entity}:{order}" for entity, order in rows]


def _matching_lines(draw_id: Any) -> list[str]:
    model = apps.get_model("inspections.DrawAssignment")
    rows = (
        model._default_manager.filter(draw_id=draw_id).order_by("pk").values_list("entity_id", "inspector_id", "order_hex")
    )
    return [f"{entity}:{inspector}:{order}" for entity, inspector, order in rows]


def visit_lines(task_id: Any) -> list[str]:
    """The visits a task joined or opened (``inspections.drawing.join_visits`` hashes these very
    lines): which door, which entity, which window."""
    model = apps.get_model("inspections.VisitTask")
    rows = (
        model._default_manager.filter(task_id=task_id).order_by("visit_id")
        .values_list("visit_id", "visit__entity_id", "visit__window_start", "visit__window_end")
    )
    return [f"{visit}:{str(entity).strip()}:{start.isoformat()}:{end.isoformat()}" for visit, entity, start, end in rows]


def _entity_list_lines(task_code: Any) -> list[str]:
    # One list per task (a one-to-one); ``entity_list_assign`` hashed the sorted codes.
    model = apps.get_model("inspections.EntityListItem")
    rows = model._default_manager.filter(entity_list__task__code=task_code).order_by("entity_id")
    return [str(entity).strip() for entity in rows.values_list("entity_id", flat=True)]


# action -> (key in the chained summary, lines recomputed from the stored rows)
RECIPES: dict[str, tuple[str, Callable[[Any], list[str]]]] = {
    "draw_selection": ("draw", _selection_lines),
    "draw_matching": ("draw", _matching_lines),
    "visit_join": ("task_id", visit_lines),
    "entity_list": ("task", _entity_list_lines),
}
# Rows that restate a whole set: only the latest per key must hold (a redraw moves a task's
# visits; the removals are chained row by row, and the next join restates the set).
LATEST_ONLY = {"visit_join"}


def verify_bulk_digests() -> tuple[int, list[str]]:
    if not apps.is_installed("inspections"):
        return 0, []
    problems: list[str] = []
    checked = 0
    rows = AuditEntry.objects.filter(action__in=list(RECIPES)).order_by("seq").values_list(
        "seq", "action", "changes", "count", "digest"
    )
    latest: dict[tuple[str, Any], int] = {}
    for seq, action, changes in rows.filter(action__in=list(LATEST_ONLY)).values_list("seq", "action", "changes"):
        latest[(action, changes.get(RECIPES[action][0]))] = seq
    for seq, action, changes, count, digest in rows.iterator(chunk_size=500):
        key, recipe = RECIPES[action]
        if action in LATEST_ONLY and latest[(action, changes.get(key))] != seq:
            continue
        lines = recipe(changes.get(key))
        checked += 1
        if len(lines) != count:
            problems.append(f"#{seq} {action} {key}={changes.get(key)}: {len(lines)} rows stored, {count} chained")
        elif hashlib.sha256("\n".join(lines).encode()).hexdigest() != digest:
            problems.append(f"#{seq} {action} {key}={changes.get(key)}: rows differ from the chained digest")
    return checked, problems


# model -> (its chained state-change log, the log's link to it, the log's new-state field, the field)
# A status moved by a conditional UPDATE (the race guard) is chained by the log row written with
# it, not by a snapshot of the row: the row's status must equal its last chained state.
STATE_LOGS: dict[str, tuple[str, str, str, str]] = {
    "inspections.task": ("inspections.tasktransition", "task_id", "to_status", "status"),
}


def verify_logged_states() -> tuple[int, list[str]]:
    """Each row's field against the later of its last chained snapshot and its last chained log row.

    Rows with neither (bulk-written history, e.g. the demo's) have no chained state to hold."""
    problems: list[str] = []
    checked = 0
    for label, (log, link, new_state, field) in STATE_LOGS.items():
        app_label = label.split(".")[0]
        if not apps.is_installed(app_label):
            continue
        expected: dict[str, Any] = {}
        rows = AuditEntry.objects.filter(object_type__in=[label, log], action__in=("create", "update", "delete"))
        for object_type, object_id, action, changes in (
            rows.order_by("seq").values_list("object_type", "object_id", "action", "changes").iterator(chunk_size=2000)
        ):
            if object_type == label:
                if action == "delete":
                    expected.pop(object_id, None)
                else:
                    expected[object_id] = changes.get(field)
            elif action == "create":
                expected[str(changes.get(link))] = changes.get(new_state)
        model = apps.get_model(label)
        for pk, value in model._default_manager.order_by("pk").values_list("pk", field).iterator(chunk_size=2000):
            if str(pk) not in expected:
                continue
            checked += 1
            if expected[str(pk)] != value:
                problems.append(f"{label}:{pk} {field} {value!r} differs from its chained state {expected[str(pk)]!r}")
    return checked, problems

"""Bulk-written records the audit chain vouches for by digest.

Rows written by COPY (``core.bulk.bulk_insert``) fire no signals; their writer chains one
``audit_bulk`` row per batch holding a SHA-256 of the rows. Here each such digest is recomputed
from the rows as stored, so a selection or matching altered in the database is found.

Models are named by label through the app registry: core imports no app above it. Each recipe
must produce the exact text its writer hashed (``inspections.drawing._store_selection`` and
``_store_assignments``); ``tests/core/test_audit_integrity.py`` holds them equal on real draws.
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


# action -> (key in the chained summary, lines recomputed from the stored rows)
RECIPES: dict[str, tuple[str, Callable[[Any], list[str]]]] = {
    "draw_selection": ("draw", _selection_lines),
    "draw_matching": ("draw", _matching_lines),
}


def verify_bulk_digests() -> tuple[int, list[str]]:
    if not apps.is_installed("inspections"):
        return 0, []
    problems: list[str] = []
    checked = 0
    rows = AuditEntry.objects.filter(action__in=list(RECIPES)).order_by("seq").values_list(
        "seq", "action", "changes", "count", "digest"
    )
    for seq, action, changes, count, digest in rows.iterator(chunk_size=500):
        key, recipe = RECIPES[action]
        lines = recipe(changes.get(key))
        checked += 1
        if len(lines) != count:
            problems.append(f"#{seq} {action} {key}={changes.get(key)}: {len(lines)} rows stored, {count} chained")
        elif hashlib.sha256("\n".join(lines).encode()).hexdigest() != digest:
            problems.append(f"#{seq} {action} {key}={changes.get(key)}: rows differ from the chained digest")
    return checked, problems

"""Outbox handlers of inspections: one Celery task per draw, not per entity."""

import time
from typing import Any

from core.models import OutboxItem
from core.outbox import outbox_handler
from inspections import drawing
from inspections.drawing import draw_execute
from inspections.results import result_publish


@outbox_handler("inspections.run_draw")
def run_draw(item: OutboxItem) -> dict[str, Any]:
    return {"draw": item.payload["draw"], "outcome": draw_execute(draw_id=item.payload["draw"])}


@outbox_handler("inspections.publish_result")
def publish_result(item: OutboxItem) -> dict[str, Any]:
    return {"result": item.payload["result"], "outcome": result_publish(result_id=item.payload["result"])}


@outbox_handler("inspections.draw_evidence")
def draw_evidence(item: OutboxItem) -> dict[str, Any]:
    """A draw's evidence bundle (and, for open tasks, its published result), after the draw."""
    start = time.perf_counter()
    outcome = drawing.draw_evidence(draw_id=item.payload["draw"])
    return {"draw": item.payload["draw"], "outcome": outcome, "ms": round((time.perf_counter() - start) * 1000)}


@outbox_handler("inspections.draw_visits")
def draw_visits(item: OutboxItem) -> dict[str, Any]:
    """The drawn entities join the window's visits (one door), after the draw."""
    start = time.perf_counter()
    outcome = drawing.draw_visits(draw_id=item.payload["draw"])
    return {"draw": item.payload["draw"], "outcome": outcome, "ms": round((time.perf_counter() - start) * 1000)}

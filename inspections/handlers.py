"""Outbox handlers of inspections: one Celery task per draw, not per entity."""

from typing import Any

from core.models import OutboxItem
from core.outbox import outbox_handler
from inspections.drawing import draw_execute


@outbox_handler("inspections.run_draw")
def run_draw(item: OutboxItem) -> dict[str, Any]:
    return {"draw": item.payload["draw"], "outcome": draw_execute(draw_id=item.payload["draw"])}

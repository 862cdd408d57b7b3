"""Outbox handlers of the office's records (autodiscovered by core.outbox)."""

from typing import Any

from core.models import OutboxItem
from core.outbox import outbox_handler
from oversight.letter_services import letter_escalate


@outbox_handler("oversight.escalate_letter")
def escalate_letter(item: OutboxItem) -> dict[str, Any]:
    return {"letter": item.payload["letter"], "outcome": letter_escalate(letter_id=item.payload["letter"])}

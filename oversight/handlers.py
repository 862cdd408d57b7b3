"""Outbox handlers of oversight (found by ``core.outbox.handler_for``'s autodiscovery)."""

from typing import Any

from core.models import OutboxItem
from core.outbox import outbox_handler
from oversight import dashboard_reminders  # noqa: F401  (registers the dashboard's handlers)
from oversight.letter_services import letter_escalate


@outbox_handler("oversight.escalate_letter")
def escalate_letter(item: OutboxItem) -> dict[str, Any]:
    return {"letter": item.payload["letter"], "outcome": letter_escalate(letter_id=item.payload["letter"])}

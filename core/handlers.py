"""Outbox handlers owned by core."""

from typing import Any

from core.audit import verify_chain
from core.models import OutboxItem
from core.outbox import outbox_handler


@outbox_handler("core.verify_audit")
def verify_audit(item: OutboxItem) -> dict[str, Any]:
    report = verify_chain()
    return {
        "ok": report.ok,
        "checked": report.checked,
        "head_seq": report.head_seq,
        "head_hash": report.head_hash,
        "first_bad_seq": report.first_bad_seq,
        "reason": report.reason,
    }
from core import import_handlers  # noqa: E402,F401

"""Outbox handlers owned by core."""

from typing import Any

from core.audit import verify_chain, verify_published_heads, verify_records
from core.models import OutboxItem
from core.outbox import outbox_handler


@outbox_handler("core.verify_audit")
def verify_audit(item: OutboxItem) -> dict[str, Any]:
    report = verify_chain()
    heads = verify_published_heads()
    records = verify_records()
    return {
        "ok": report.ok and heads.ok and records.ok,
        "chain_ok": report.ok,
        "heads_ok": heads.ok,
        "heads_checked": heads.checked,
        "heads_reason": heads.reason,
        "records_ok": records.ok,
        "records_problems": list(records.problems[:20]),
        "checked": report.checked,
        "head_seq": report.head_seq,
        "head_hash": report.head_hash,
        "first_bad_seq": report.first_bad_seq,
        "reason": report.reason,
    }
from core import import_handlers  # noqa: E402,F401


@outbox_handler("core.publish_audit_head")
def publish_audit_head(item: OutboxItem) -> dict[str, Any]:
    from datetime import date

    from core.audit import audit_head_publish

    record = audit_head_publish(day=date.fromisoformat(item.payload["date"]))
    return {"record": record.pk, "seq": record.payload["seq"], "hash": record.payload["hash"]}

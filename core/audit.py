"""The audit trail: an append-only hash chain.

Each row stores the hash of its predecessor; the hash covers the row's own fields and that
predecessor, so altering, removing or reordering any row breaks every hash after it. Model
changes are recorded by signal receivers (who is taken from the request); bulk operations call
``audit_bulk`` once per batch with counts and a digest of what changed.
"""

from __future__ import annotations

import contextlib
import contextvars
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC
from typing import Any

from django.apps import apps
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.db.models.signals import post_delete, post_save
from django.utils import timezone

GENESIS = "0" * 64
AUDITED_APPS = {"agencies", "entities", "inspectors", "inspections", "core", "oversight"}
# Rows that are themselves records, or machinery, are not audited row by row.
NOT_AUDITED = {"core.auditentry", "core.audithead", "core.outboxitem", "core.feeditem", "core.importjob"}
SECRET_FIELDS = {"password"}

_actor: contextvars.ContextVar[Any] = contextvars.ContextVar("audit_actor", default=None)
_suppressed: contextvars.ContextVar[bool] = contextvars.ContextVar("audit_suppressed", default=False)


@contextlib.contextmanager
def rows_suppressed() -> Iterator[None]:
    """Inside a bulk operation: no row-by-row records; the caller writes ``audit_bulk`` per batch."""
    token = _suppressed.set(True)
    try:
        yield
    finally:
        _suppressed.reset(token)


def set_actor(user: Any) -> contextvars.Token[Any]:
    return _actor.set(user)


def reset_actor(token: contextvars.Token[Any]) -> None:
    _actor.reset(token)


def current_actor() -> Any:
    actor = _actor.get()
    if actor is not None and getattr(actor, "is_authenticated", False):
        return actor
    return None


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, cls=DjangoJSONEncoder)


def entry_hash(*, prev_hash: str, fields: dict[str, Any]) -> str:
    body = canonical_json(fields)
    return hashlib.sha256(f"{prev_hash}\n{body}".encode()).hexdigest()


def _hashed_fields(entry: Any) -> dict[str, Any]:
    at = entry.at.astimezone(UTC) if timezone.is_aware(entry.at) else entry.at
    return {
        "seq": entry.seq,
        "at": at.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "actor": entry.actor_id,
        "actor_label": entry.actor_label,
        "action": entry.action,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "changes": json.loads(canonical_json(entry.changes)),
        "count": entry.count,
        "digest": entry.digest,
    }


def audit_record(
    *,
    action: str,
    object_type: str = "",
    object_id: str = "",
    changes: dict[str, Any] | None = None,
    actor: Any = None,
    count: int = 1,
    digest: str = "",
) -> Any:
    from core.models import AuditEntry, AuditHead

    actor = actor if actor is not None else current_actor()
    with transaction.atomic():
        # The head row is the lock that serialises appends: one chain, no forks.
        head, _ = AuditHead.objects.select_for_update().get_or_create(id=1)
        entry = AuditEntry(
            seq=head.seq + 1,
            at=timezone.now(),
            actor=actor,
            actor_label=(actor.get_username() if actor is not None else "system")[:150],
            action=action[:64],
            object_type=object_type[:100],
            object_id=str(object_id)[:64],
            changes=json.loads(canonical_json(changes or {})),
            count=count,
            digest=digest,
            prev_hash=head.hash,
        )
        entry.hash = entry_hash(prev_hash=head.hash, fields=_hashed_fields(entry))
        entry.save()
        AuditHead.objects.filter(id=1).update(seq=entry.seq, hash=entry.hash)
    return entry


def audit_bulk(*, action: str, object_type: str, count: int, digest: str, summary: dict[str, Any] | None = None) -> Any:
    """One chain row for one batch of a bulk operation (COPY, bulk_create, bulk update)."""
    return audit_record(action=action, object_type=object_type, changes=summary or {}, count=count, digest=digest)


def digest_of(lines: Iterator[str] | list[str]) -> str:
    h = hashlib.sha256()
    for line in lines:
        h.update(line.encode())
        h.update(b"\n")
    return h.hexdigest()


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    checked: int
    head_seq: int
    head_hash: str
    first_bad_seq: int | None = None
    reason: str = ""


def verify_chain(*, chunk_size: int = 2000) -> ChainReport:
    """Recompute every link. Names the first row whose hash or link does not hold."""
    from core.models import AuditEntry

    prev_hash, expected_seq, checked = GENESIS, 1, 0
    for entry in AuditEntry.objects.order_by("seq").iterator(chunk_size=chunk_size):
        if entry.seq != expected_seq:
            return ChainReport(False, checked, expected_seq - 1, prev_hash, expected_seq, f"missing row #{expected_seq}")
        if entry.prev_hash != prev_hash:
            return ChainReport(False, checked, entry.seq - 1, prev_hash, entry.seq, "link to predecessor broken")
        if entry_hash(prev_hash=prev_hash, fields=_hashed_fields(entry)) != entry.hash:
            return ChainReport(False, checked, entry.seq - 1, prev_hash, entry.seq, "content does not match its hash")
        prev_hash, expected_seq, checked = entry.hash, expected_seq + 1, checked + 1
    return ChainReport(True, checked, expected_seq - 1, prev_hash)


# --- Recording model changes ----------------------------------------------------------------
def snapshot(instance: models.Model) -> dict[str, Any]:
    data: dict[str, Any] = {}
    masked: frozenset[str] = getattr(type(instance), "AUDIT_MASKED", frozenset())
    for field in instance._meta.concrete_fields:
        if field.name in SECRET_FIELDS:
            continue
        value = field.value_from_object(instance)
        if field.name in masked and value:
            # Personal data stays out of the trail; its digest still shows that it changed.
            value = "sha256:" + hashlib.sha256(str(value).encode()).hexdigest()[:16]
        if isinstance(value, bytes | memoryview):
            # Blobs (frozen frames, evidence) are recorded by their digest, not copied whole.
            value = {"sha256": hashlib.sha256(bytes(value)).hexdigest(), "bytes": len(value)}
        data[field.attname] = value
    return json.loads(canonical_json(data))


def _label(instance: models.Model) -> str:
    return instance._meta.label_lower


def _on_save(sender: type[models.Model], instance: models.Model, created: bool, raw: bool = False, **_: Any) -> None:
    if raw or _suppressed.get():
        return
    audit_record(
        action="create" if created else "update",
        object_type=_label(instance),
        object_id=str(instance.pk),
        changes=snapshot(instance),
    )


def _on_delete(sender: type[models.Model], instance: models.Model, **_: Any) -> None:
    if _suppressed.get():
        return
    audit_record(action="delete", object_type=_label(instance), object_id=str(instance.pk), changes=snapshot(instance))


def connect_model_signals() -> None:
    for model in apps.get_models():
        label = model._meta.label_lower
        if model._meta.app_label not in AUDITED_APPS or label in NOT_AUDITED:
            continue
        if getattr(model, "AUDIT_ROWS", True) is False:
            continue
        post_save.connect(_on_save, sender=model, dispatch_uid=f"audit-save-{label}")
        post_delete.connect(_on_delete, sender=model, dispatch_uid=f"audit-delete-{label}")

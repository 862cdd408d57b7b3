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
from django.db import connection, models, transaction
from django.db.models.fields.files import FieldFile
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
    entry = AuditEntry(
        actor=actor,
        actor_label=(actor.get_username() if actor is not None else "system")[:150],
        action=action[:64],
        object_type=object_type[:100],
        object_id=str(object_id)[:64],
        changes=json.loads(canonical_json(changes or {})),
        count=count,
        digest=digest,
    )
    if connection.vendor == "postgresql":
        _append_postgres(entry)
        return entry
    with transaction.atomic():
        # The head row is the lock that serialises appends: one chain, no forks.
        head, _ = AuditHead.objects.select_for_update().get_or_create(id=1)
        _link(entry, head.seq, head.hash)
        entry.save()
        AuditHead.objects.filter(id=1).update(seq=entry.seq, hash=entry.hash)
    return entry


def _link(entry: Any, prev_seq: int, prev_hash: str) -> None:
    """Make ``entry`` the link after (prev_seq, prev_hash), timed now: called once the head is
    known (locked, or about to be moved from the state last seen), so times follow the order."""
    entry.at = timezone.now()
    entry.seq, entry.prev_hash = prev_seq + 1, prev_hash
    entry.hash = entry_hash(prev_hash=prev_hash, fields=_hashed_fields(entry))


_APPEND = """
    WITH head AS (
        UPDATE core_audithead SET seq = %s, hash = %s WHERE id = 1 AND seq = %s AND hash = %s RETURNING id
    )
    INSERT INTO core_auditentry
        (seq, at, actor_id, actor_label, action, object_type, object_id, changes, count, digest, prev_hash, hash)
    SELECT %s, %s, %s, %s, %s, %s, %s, %s::jsonb, %s, %s, %s, %s FROM head
    RETURNING id
"""


def _append_postgres(entry: Any) -> None:
    """Append ``entry`` in one statement: move the head from the state this connection last saw
    it in (it is usually still there: the rest of a transaction's records, the next request of
    a quiet system) and insert the row, or neither. The head's row lock, taken by the UPDATE,
    is held to the end of the transaction, as ``SELECT ... FOR UPDATE`` held it. If the head
    moved (another writer, a rollback, a new database), it is read under that lock and the
    append is tried once more, so a link is only ever made to the head as it is.

    Measured on a district draw (nine records): 9 statements instead of 45, about 10 ms less."""
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        seen = getattr(connection, "_audit_head_seen", None)
        for attempt in range(2):
            if seen is None or attempt:
                cursor.execute("SELECT seq, hash FROM core_audithead WHERE id = 1 FOR UPDATE")
                row = cursor.fetchone()
                if row is None:
                    cursor.execute("INSERT INTO core_audithead (id, seq, hash) VALUES (1, 0, %s) ON CONFLICT DO NOTHING", [GENESIS])
                    cursor.execute("SELECT seq, hash FROM core_audithead WHERE id = 1 FOR UPDATE")
                    row = cursor.fetchone()
                seen = (int(row[0]), str(row[1]))
            _link(entry, *seen)
            cursor.execute(_APPEND, [
                entry.seq, entry.hash, seen[0], seen[1],
                entry.seq, entry.at, entry.actor_id, entry.actor_label, entry.action, entry.object_type,
                entry.object_id, canonical_json(entry.changes), entry.count, entry.digest, entry.prev_hash, entry.hash,
            ])
            row = cursor.fetchone()
            if row is not None:
                entry.pk = row[0]
                entry._state.adding, entry._state.db = False, connection.alias
                connection._audit_head_seen = (entry.seq, entry.hash)  # type: ignore[attr-defined]
                return
        raise RuntimeError("the audit chain's head moved while it was locked")


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
        if isinstance(value, FieldFile):
            value = value.name or ""  # a stored file is recorded by its name (its digest lives on the row)
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


# --- Records the chain vouches for --------------------------------------------------------------
@dataclass(frozen=True)
class RecordsReport:
    ok: bool
    checked: int
    problems: tuple[str, ...] = ()


def _latest_snapshots(labels: list[str]) -> dict[tuple[str, str], dict[str, Any] | None]:
    """The last chained state of each object of these types (None once deleted)."""
    from core.models import AuditEntry

    latest: dict[tuple[str, str], dict[str, Any] | None] = {}
    rows = (
        AuditEntry.objects.filter(object_type__in=labels, action__in=("create", "update", "delete"))
        .order_by("seq")
        .values_list("object_type", "object_id", "action", "changes")
    )
    for object_type, object_id, action, changes in rows.iterator(chunk_size=2000):
        latest[(object_type, object_id)] = None if action == "delete" else changes
    return latest


def verify_records() -> RecordsReport:
    """Compare the stored rows of chained models with what the chain says about them.

    The chain proves its own history; this proves that the records it describes were not changed
    behind its back (an UPDATE in psql leaves no audit row). Two kinds of coverage:

    * ``settings.AUDIT_SNAPSHOT_MODELS``: models written only through ``save()``, whose every
      state is a chained snapshot. Each row must equal its last snapshot, and have one.
    * bulk digests (``core.audit_records``): rows written by COPY are chained as one row per
      batch with a digest; the digest is recomputed from the rows.
    * logged states (``core.audit_records.STATE_LOGS``): a status moved by a conditional UPDATE
      must equal the last chained state-change log row (a task and its transitions).
    """
    from django.conf import settings

    from core.audit_records import verify_bulk_digests, verify_logged_states

    problems: list[str] = []
    labels = list(getattr(settings, "AUDIT_SNAPSHOT_MODELS", []))
    latest = _latest_snapshots(labels)
    checked = 0
    for label in labels:
        model = apps.get_model(label)
        seen: set[str] = set()
        for instance in model._default_manager.order_by("pk").iterator(chunk_size=500):
            key = (label, str(instance.pk))
            seen.add(key[1])
            checked += 1
            chained = latest.get(key)
            if chained is None:
                problems.append(f"{label}:{instance.pk} has no chained record")
            elif chained != snapshot(instance):
                problems.append(f"{label}:{instance.pk} differs from its chained record")
        for (object_type, object_id), state in latest.items():
            if object_type == label and state is not None and object_id not in seen:
                problems.append(f"{label}:{object_id} was removed without a chained record")
    bulk_checked, bulk_problems = verify_bulk_digests()
    problems.extend(bulk_problems)
    state_checked, state_problems = verify_logged_states()
    problems.extend(state_problems)
    return RecordsReport(not problems, checked + bulk_checked + state_checked, tuple(problems))


# --- Published heads ----------------------------------------------------------------------------
AUDIT_HEAD_KIND = "audit_head"


def audit_head_public_id(day: Any) -> str:
    return f"audit_head:{day.isoformat()}"


def audit_head_publish(*, day: Any = None) -> Any:
    """Publish the chain head as of now, once per day (a later call that day adds nothing)."""
    from core.models import AuditHead, PublicationRecord
    from core.services import publication_write

    day = day or timezone.localdate()
    public_id = audit_head_public_id(day)
    with transaction.atomic():
        head, _ = AuditHead.objects.select_for_update().get_or_create(id=1)
        existing = PublicationRecord.objects.filter(public_id=public_id).order_by("-version").first()
        if existing is not None:
            return existing
        return publication_write(
            kind=AUDIT_HEAD_KIND,
            public_id=public_id,
            payload={"date": day.isoformat(), "seq": head.seq, "hash": head.hash,
                     "at": timezone.now().astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")},
            year=day.year,
        )


@dataclass(frozen=True)
class HeadsReport:
    ok: bool
    checked: int
    first_bad_date: str | None = None
    reason: str = ""


def verify_published_heads() -> HeadsReport:
    """Every published head must be a link of the chain as it is now.

    A chain rewritten from some row onwards, with every hash after it recomputed, verifies on
    its own; but the heads published before the rewrite no longer match the rows at their
    sequence numbers, and those heads are public (anyone may have kept a copy).
    """
    from core.models import AuditEntry, PublicationRecord

    heads = sorted(
        (int(p["seq"]), str(p["hash"]), str(p["date"]))
        for p in PublicationRecord.objects.filter(kind=AUDIT_HEAD_KIND, withdrawn=False).values_list("payload", flat=True)
    )
    if not heads:
        return HeadsReport(True, 0)
    wanted = {seq for seq, _, _ in heads if seq > 0}
    prev_hash, recomputed = GENESIS, {0: GENESIS}
    for entry in AuditEntry.objects.filter(seq__lte=max(wanted, default=0)).order_by("seq").iterator(chunk_size=2000):
        # Recompute rather than trust the stored hash column: a forger can rewrite both.
        prev_hash = entry_hash(prev_hash=prev_hash, fields=_hashed_fields(entry))
        if entry.seq in wanted:
            recomputed[entry.seq] = prev_hash
    for seq, published_hash, day in heads:
        if seq not in recomputed:
            return HeadsReport(False, len(heads), day, f"published head #{seq} is missing from the chain")
        if recomputed[seq] != published_hash:
            return HeadsReport(False, len(heads), day, f"chain row #{seq} does not match the head published on {day}")
    return HeadsReport(True, len(heads))

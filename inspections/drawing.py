"""Draws that anyone can check: announce, record randomness, execute (DRAW.md).

1. ``draw_announce`` freezes the frame, takes the next one-time code's iteration of the task's
   commitment chain and records (and, for entity draws, publishes) the announcement: commitment,
   frame hash, named sources. No randomness exists yet.
2. ``draw_record_randomness`` stores the source values once they exist, then asks for the
   selection as background work (outbox). The randomness is stored before the selection runs.
3. ``draw_execute`` (a Celery task through the outbox) derives the selection from what is stored.
   It runs in one transaction: a worker killed midway leaves nothing, and the retry computes the
   same selection from the same stored randomness. A draw already done is left alone.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import os
import secrets
import unicodedata
from collections import Counter
from fractions import Fraction
from operator import attrgetter
from typing import Any, cast

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import audit_bulk, audit_record, snapshot
from core.audit_records import visit_lines
from core.bulk import bulk_insert, fast_zlib, gc_paused, insert_with_blob, read_blob
from core.models import OutboxItem
from core.outbox import outbox_enqueue
from core.services import publication_write
from inspections import draw as engine
from inspections import randomness, statemachine
from inspections.draw.evidence import entity_frame_from_json, frame_to_json, matching_frame_from_json
from inspections.frames import build_frame_rows
from inspections.models import (
    Draw,
    DrawAssignment,
    DrawEvidence,
    DrawFrame,
    DrawRoster,
    DrawSelection,
    EntityList,
    EntityListItem,
    Task,
    TaskCommitment,
    TaskStatus,
    Visit,
    VisitTask,
)


class DrawRefused(Exception):
    """The draw cannot go ahead; the message says why, for the person who asked."""


def _pack(value: Any, level: int = 1) -> bytes:
    # Level 1: a 2-million-label frame compresses in a fraction of level 6's time, to a similar size.
    return fast_zlib.compress(json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode(), level)


# A frozen entity frame is stored as a small JSON header (everything of ``frame_to_json`` but the
# labels) followed by each stratum's labels, one per line, compressed. Why not JSON: a city frame
# has two million labels, and writing, compressing and reading them back as JSON strings cost
# more than the whole selection; joined lines are written and split again in C.
FRAME_BLOB_MAGIC = b"ssj-frame-blob/2\n"


def compressed_payload(frame: Any) -> tuple[list[int], bytes]:
    """The compressed labels of ``pack_frame`` (and each part's size before compression): no
    frame hash needed, so ``_announce`` compresses while the hash is being computed."""
    if isinstance(frame, engine.MatchingFrame):
        groups = frame.conflicts.joined_groups()
        payloads = ["\n".join(e + "\t" + labels for e, labels in groups.items()).encode("utf-8")]
    else:
        payloads = [
            s.labels.data if isinstance(s.labels, engine.PackedLabels) else "\n".join(s.labels).encode("utf-8")
            for s in frame.strata
        ]
    return [len(p) for p in payloads], fast_zlib.compress(b"".join(payloads), 1)


def pack_frame(frame: Any, payload: tuple[list[int], bytes] | None = None) -> bytes:
    """The stored form of a frozen frame (``unpack`` reads it back as ``frame_to_json``).

    Entity frames: each stratum's labels, one per line. Matching frames: the conflict pairs,
    one line per entity (the entity, then its inspectors, tab-separated). ``payload``: the
    frame's ``compressed_payload``, if already made."""
    sizes, compressed = payload or compressed_payload(frame)
    if isinstance(frame, engine.MatchingFrame):
        without_pairs = dataclasses.replace(frame, conflicts=engine.PairSet())
        # The header states the whole frame's hash: the pairless copy's own hash is never taken
        # (hashing its 40,000 other parts cost about 40 ms of a 20,000-entity matching).
        without_pairs.__dict__["hash"] = frame.hash
        header = frame_to_json(without_pairs)
        header["conflict_groups"] = len(frame.conflicts.entities())
    else:
        header = frame_to_json(frame, labels=False)
        for stratum, size in zip(header["strata"], sizes, strict=True):
            stratum["labels"], stratum["labels_bytes"] = None, size
    head = json.dumps(header, ensure_ascii=False, separators=(",", ":")).encode()
    return FRAME_BLOB_MAGIC + len(head).to_bytes(8, "big") + head + compressed


def _payload(data: bytes) -> bytes:
    start = len(FRAME_BLOB_MAGIC) + 8 + int.from_bytes(data[len(FRAME_BLOB_MAGIC) : len(FRAME_BLOB_MAGIC) + 8], "big")
    return fast_zlib.decompress(data[start:])


def _conflict_groups(data: bytes, header: dict[str, Any], *, trusted: bool = False) -> engine.PairSet:
    """The stored conflict pairs. ``trusted`` (the draw itself, whose frame hash was taken from
    the announcement) skips re-sorting what ``pack_frame`` wrote in order; the evidence work
    rebuilds and re-hashes everything."""
    count = header.pop("conflict_groups")
    lines = _payload(data).decode("utf-8").split("\n") if count else []
    if trusted:  # each entity's inspectors stay one text until the matching looks at that entity
        return engine.PairSet.joined({e: rest for e, rest in (line.split("\t", 1) for line in lines)})
    groups: dict[str, tuple[str, ...]] = {}
    for line in lines:
        entity, *labels = line.split("\t")
        groups[entity] = tuple(labels)
    return engine.PairSet(groups)


def frame_header(blob: bytes | memoryview) -> dict[str, Any]:
    """The stored frame without its labels (cheap: the header is not compressed)."""
    data = bytes(blob)
    if not data.startswith(FRAME_BLOB_MAGIC):
        frame = unpack(data)
        for stratum in frame.get("strata", []):
            stratum["labels"] = None
        return cast(dict[str, Any], frame)
    start = len(FRAME_BLOB_MAGIC) + 8
    size = int.from_bytes(data[len(FRAME_BLOB_MAGIC) : start], "big")
    return cast(dict[str, Any], json.loads(data[start : start + size]))


def _frame_labels(data: bytes, header: dict[str, Any], *, packed: bool = False) -> list[Any]:
    """Each stratum's labels: lists, or (``packed``) ``PackedLabels`` that never become a
    Python string per label unless selected."""
    payload = _payload(data)
    labels: list[Any] = []
    pos = 0
    for stratum in header["strata"]:
        size = stratum.pop("labels_bytes")
        if packed:
            labels.append(engine.PackedLabels(payload[pos : pos + size]))
        else:
            text = payload[pos : pos + size].decode("utf-8")
            labels.append(text.split("\n") if stratum["size"] else [])
        pos += size
    return labels


def _all_usccs(header: dict[str, Any]) -> bool:
    """Every stratum's stored text is 18-character labels one per line (so it can stay packed)."""
    return all(s["labels_bytes"] == (19 * s["size"] - 1 if s["size"] else 0) for s in header["strata"])


def unpack(blob: bytes | memoryview) -> Any:
    data = bytes(blob)
    if data.startswith(FRAME_BLOB_MAGIC):
        header = frame_header(data)
        if "conflict_groups" in header:
            pairs = [[e, i] for e, i in _conflict_groups(data, header)]
            next(c for c in header["matching"]["constraints"] if c["rule"] == "conflict")["pairs"] = pairs
            return header
        for stratum, labels in zip(header["strata"], _frame_labels(data, header), strict=True):
            stratum["labels"] = labels
        return header
    return json.loads(fast_zlib.decompress(data))


def frame_from_blob(blob: bytes | memoryview, *, algorithm: str, frame_hash_hex: str | None = None) -> Any:
    """The engine's frame from its stored form. With ``frame_hash_hex`` (the announced hash, when
    the caller only needs the selection), each stratum's members hash is taken from the stored
    header instead of being recomputed; without it everything is recomputed from the labels."""
    data = bytes(blob)
    if not data.startswith(FRAME_BLOB_MAGIC):
        stored = unpack(data)
        if stored.get("matching") is not None:
            return matching_frame_from_json(stored, algorithm=algorithm)
        return entity_frame_from_json(stored, algorithm=algorithm)
    header = frame_header(data)
    if "conflict_groups" in header:
        conflicts = _conflict_groups(data, header, trusted=frame_hash_hex is not None)
        matching = dataclasses.replace(matching_frame_from_json(header, algorithm=algorithm), conflicts=conflicts)
        if frame_hash_hex is not None:
            # The header repeats the hash announced for these bytes; the evidence work recomputes it.
            if header["hash_hex"] != frame_hash_hex:
                raise engine.DrawError("the stored frame does not match the announced frame hash")
            matching.__dict__["hash"] = bytes.fromhex(frame_hash_hex)
        return matching
    trusted = frame_hash_hex is not None and header.get("kind") == "entities" and _all_usccs(header)
    labels = _frame_labels(data, header, packed=trusted)
    strata = []
    for stratum, members in zip(header["strata"], labels, strict=True):
        ratio = engine.parse_ratio(stratum["ratio"]) if stratum.get("ratio") else None
        members = members if isinstance(members, engine.PackedLabels) else tuple(members)
        built = engine.Stratum(stratum["key"], members, int(stratum["quota"]), ratio, stratum.get("private_key"))
        if frame_hash_hex is not None:
            built.__dict__["members_hash"] = bytes.fromhex(stratum["members_hash_hex"])
        strata.append(built)
    rule = header.get("quota_rule") or {}
    salt = header.get("opaque_salt_hex")
    frame = engine.Frame(
        task_code=header["task_code"], strata=tuple(strata), quota_method=rule.get("method", "fixed"),
        total=rule.get("total"), exclusions=tuple(engine.Exclusion(e["rule"], e["removed"]) for e in header.get("exclusions", [])),
        algorithm=algorithm, opaque_salt=bytes.fromhex(salt) if salt else None,
    )
    if frame_hash_hex is not None and frame.hash_hex != frame_hash_hex:
        raise engine.DrawError("the stored frame does not match the announced frame hash")
    return frame


def stored_frame_blob(draw: Draw) -> bytes:
    """The frozen frame's stored bytes (without loading them as hex text through the ORM)."""
    return read_blob(DrawFrame, draw.pk, "blob", by="draw")


def _take_iteration(task: Task) -> tuple[TaskCommitment, int]:
    """The task's commitment chain (created at its first draw) and the next iteration, taken:
    the chain row records that it is used, and the trail chains that state."""
    existing = TaskCommitment.objects.select_for_update().filter(task=task).first()
    if existing is None:
        secret = secrets.token_bytes(32)
        n = settings.DRAW_CHAIN_LENGTH
        # Created with its first iteration taken: one write, one chained record.
        chain = TaskCommitment.objects.create(
            task=task, chain_length=n, secret_hex=secret.hex(), commitment_hex=engine.chain_commitment(secret, n).hex(),
            next_iteration=2,
        )
        return chain, 1
    iteration = existing.next_iteration
    if iteration > existing.chain_length:
        raise DrawRefused(_("该任务的承诺链已用尽。"))
    TaskCommitment.objects.filter(pk=existing.pk).update(next_iteration=iteration + 1)
    # An UPDATE fires no signal: chain the advanced state (the secret is masked by AUDIT_MASKED).
    existing.next_iteration = iteration + 1
    audit_record(action="update", object_type=existing._meta.label_lower, object_id=str(existing.pk), changes=snapshot(existing))
    return existing, iteration


def _quota_args(task: Task, sizes: dict[str, int]) -> dict[str, Any]:
    if task.sampling == Task.Sampling.COUNT:
        return {"method": "largest_remainder", "total": min(task.count or 0, sum(sizes.values()))}
    if task.sampling == Task.Sampling.RISK_RATIO:
        ratios = {k: Fraction(int(task.risk_ratios_bp.get(k.split("|")[0][5:], 0)), 10000) for k in sizes}
    else:
        ratios = {k: Fraction(task.ratio_bp or 0, 10000) for k in sizes}
    if task.round_up:
        return {"method": "ratio_ceil", "ratios": ratios}
    return {"method": "fixed", "quotas": {k: sizes[k] * r.numerator // r.denominator for k, r in ratios.items()}}


def build_entity_frame(task: Task) -> engine.Frame:
    rows = build_frame_rows(task)
    sizes = {k: len(v) for k, v in rows.strata.items()}
    return engine.build_frame(
        task_code=task.code,
        strata=rows.strata,
        exclusions=rows.exclusions,
        private_strata=rows.private,
        opaque_salt=secrets.token_bytes(16) if rows.private else None,
        assume_canonical=True,
        assume_disjoint=True,  # one stratum per registry row: strata are groups of one query's rows
        **_quota_args(task, sizes),
    )


def _sources_for(sources: list[dict[str, Any]] | None, server_entropy: bool, trial: bool) -> tuple[list[dict[str, Any]], str]:
    sources = list(sources if sources is not None else randomness.default_sources(today=timezone.localdate()))
    entropy = ""
    if server_entropy:
        source, entropy = randomness.server_source()
        sources.append(source)
    if not trial and not randomness.has_external(sources):
        raise DrawRefused(_("正式抽取至少需要一个平台操作人员无法控制的随机数来源（彩票开奖号码、公共信标或现场见证摇号）。"))
    return sources, entropy


def _refuse_stale_sources(sources: list[dict[str, Any]], supersedes: Draw | None) -> None:
    """A redraw needs fresh sources: reusing known randomness would let its holder foresee it."""
    if supersedes is None:
        return
    previous = {(s.get("kind"), s.get("description")) for s in supersedes.sources}
    if any((s.get("kind"), s.get("description")) in previous for s in sources if s.get("kind") != "server"):
        raise DrawRefused(_("重新抽取须使用新的随机数来源（例如之后日期的开奖号码），不能沿用原抽取的来源。"))


def _announce(
    *, task: Task, kind: str, frame: Any, user: Any, sources: list[dict[str, Any]], entropy: str, trial: bool,
    supersedes: Draw | None, reason: str, approver: Any, keys: dict[str, Any] | None = None,
) -> Draw:
    from concurrent.futures import ThreadPoolExecutor

    # The frame's labels are compressed on a second thread while this one hashes the frame:
    # both run mostly outside the interpreter lock (measured for a million-pair matching frame:
    # 0.13 s together, against 0.21 s one after the other).
    with ThreadPoolExecutor(max_workers=1) as pool:
        payload = pool.submit(compressed_payload, frame)
        chain, iteration = _take_iteration(task)
        now = timezone.now()
        announcement = engine.make_announcement(
            published_at=now.isoformat(), commitment=bytes.fromhex(chain.commitment_hex),
            chain_length=chain.chain_length, frame=frame, sources=sources, trial=trial,
        )
        draw = Draw.objects.create(
            task=task, kind=kind, iteration=iteration, trial=trial, algorithm=frame.algorithm,
            supersedes=supersedes, reason=reason, approved_by=approver, created_by=user, announced_at=now,
            announcement=announcement, frame_hash_hex=frame.hash_hex, frame_size=frame.size, sources=sources,
            server_entropy_hex=entropy,
        )
        summary = _summary(frame) if kind == Draw.Kind.ENTITIES else {"entities": frame.size, "keys": keys}
        blob = pack_frame(frame, payload.result())
    insert_with_blob(DrawFrame(draw=draw, blob=blob, summary=summary))
    return draw


@gc_paused()
@transaction.atomic
def draw_announce(
    *,
    task: Task,
    user: Any,
    sources: list[dict[str, Any]] | None = None,
    server_entropy: bool = False,
    trial: bool = False,
    supersedes: Draw | None = None,
    reason: str = "",
    approver: Any = None,
) -> Draw:
    """Freeze the entity frame and record (and publish) the announcement of an entity draw."""
    # The department comes along for the publication (its code), unlocked.
    task = Task.objects.select_for_update(of=("self",)).select_related("department").get(pk=task.pk)
    if task.draw_mode in (Task.DrawMode.FULL_COVERAGE, Task.DrawMode.ASSIGNED):
        raise DrawRefused(_("该任务的检查对象不经抽取产生（全覆盖或上级指定名单），请使用指定名单。"))
    if not trial and supersedes is None and task.status != TaskStatus.READY:
        raise DrawRefused(_("任务须处于“待抽取”状态。当前状态：%(s)s。") % {"s": task.get_status_display()})
    if not trial and supersedes is None and task.draws.filter(kind=Draw.Kind.ENTITIES, trial=False).exists():
        raise DrawRefused(_("该任务已有正式抽取；重新抽取须说明理由并经批准。"))
    sources, entropy = _sources_for(sources, server_entropy, trial)
    _refuse_stale_sources(sources, supersedes)
    frame = build_entity_frame(task)
    draw = _announce(task=task, kind=Draw.Kind.ENTITIES, frame=frame, user=user, sources=sources, entropy=entropy,
                     trial=trial, supersedes=supersedes, reason=reason, approver=approver)
    if not trial:
        _publish_announcement(task, draw, frame)
    return draw


@gc_paused()
@transaction.atomic
def matching_announce(
    *,
    task: Task,
    user: Any,
    sources: list[dict[str, Any]] | None = None,
    server_entropy: bool = False,
    supersedes: Draw | None = None,
    reason: str = "",
    approver: Any = None,
) -> Draw:
    """Freeze the matching frame and record its (staff-only) announcement."""
    from inspections.matching import build_matching_frame_for, entity_draw_of

    task = Task.objects.select_for_update().get(pk=task.pk)
    if supersedes is None and task.status != TaskStatus.ENTITIES_DRAWN:
        raise DrawRefused(_("须先完成检查对象抽取，才能匹配执法人员。"))
    if supersedes is None and task.draws.filter(kind=Draw.Kind.INSPECTORS, trial=False).exists():
        raise DrawRefused(_("该任务已有人员匹配；重新匹配须说明理由并经批准。"))
    entity_draw = entity_draw_of(task)
    if entity_draw is None and not EntityList.objects.filter(task=task).exists():
        raise DrawRefused(_("尚无完成的正式抽取或指定名单。"))
    if entity_draw is not None and not OutboxItem.objects.filter(
        dedupe_key=f"visits:{entity_draw.pk}", status=OutboxItem.Status.DONE
    ).exists():
        # Teams are built per visit: the matching does not go ahead before the one-door join,
        # background work after the draw. Not run yet (or failed): it runs here, changing
        # nothing it already did.
        draw_visits(draw_id=entity_draw.pk)
    sources, entropy = _sources_for(sources, server_entropy, False)
    _refuse_stale_sources(sources, supersedes)
    keys: dict[str, Any] = {}
    frame = build_matching_frame_for(task, keys)
    return _announce(task=task, kind=Draw.Kind.INSPECTORS, frame=frame, user=user, sources=sources, entropy=entropy,
                     trial=False, supersedes=supersedes, reason=reason, approver=approver, keys=keys)


def _summary(frame: engine.Frame) -> dict[str, Any]:
    return {
        "exclusions": [{"rule": e.rule, "removed": e.removed} for e in frame.exclusions],
        "strata": [{"key": s.key, "size": s.size, "quota": s.quota, "private": s.is_opaque} for s in frame.strata],
    }


def _publish_announcement(task: Task, draw: Draw, frame: engine.Frame) -> None:
    publication_write(
        kind="draw",
        public_id=f"draw:{task.code}:{draw.iteration}",
        payload={
            "task_code": task.code, "kind": draw.kind, "iteration": draw.iteration,
            "supersedes": draw.supersedes.iteration if draw.supersedes else None, "reason": draw.reason,
            "announcement": draw.announcement, "algorithm": draw.algorithm, **_summary(frame),
        },
        department_code=task.department.code,
        year=task.year,
    )


@transaction.atomic
def draw_record_randomness(*, draw: Draw, raw_values: list[str], user: Any, today: dt.date | None = None) -> Draw:
    """Store the source values (checked against the announcement) and queue the selection."""
    draw = Draw.objects.select_for_update().get(pk=draw.pk)
    if draw.randomness is not None:
        raise DrawRefused(_("随机数已经录入，不能更改。"))
    today = today or timezone.localdate()
    sources = draw.sources
    if len(raw_values) != len(sources):
        raise DrawRefused(_("请为每个公告的来源录入数值。"))
    values = []
    for source, raw in zip(sources, raw_values, strict=True):
        if source["kind"] == "server":
            raw = draw.server_entropy_hex
        values.append(randomness.parse_value(source, raw, today=today))
    now = timezone.now()
    collected = [
        {"kind": s["kind"], "description": s["description"], "value": v, "collected_at": now.isoformat()}
        for s, v in zip(sources, values, strict=True)
    ]
    draw.randomness, draw.ikm_utf8 = collected, engine.encode_ikm(values)
    draw.randomness_at, draw.randomness_by, draw.status = now, user, Draw.Status.RANDOMNESS
    draw.save(update_fields=["randomness", "ikm_utf8", "randomness_at", "randomness_by", "status"])
    outbox_enqueue(handler="inspections.run_draw", payload={"draw": draw.pk}, dedupe_key=f"draw:{draw.pk}", user=user)
    return draw


def _maybe_die() -> None:
    """Fault-test hook: die between storing the randomness and committing the selection."""
    path = settings.DRAW_KILL_ONCE_FILE
    if path and os.path.exists(path):
        os.remove(path)
        os._exit(137)


@gc_paused()
def draw_execute(*, draw_id: int) -> str:
    """Derive and store the selection (or matching) from the stored frame and randomness.

    The evidence bundle is not built here: ``draw_evidence`` does that as its own background
    work once the selection is committed (it re-derives the draw from the stored frame and
    checks it against the stored rows), so the draw itself only reads, selects and writes.
    """
    with transaction.atomic():
        draw = (
            Draw.objects.select_for_update(of=("self", "task"))
            .select_related("task", "task__department", "randomness_by")  # who recorded it moves the task
            .get(pk=draw_id)
        )
        if draw.status == Draw.Status.DONE:
            return "already done"
        if draw.randomness is None:
            raise DrawRefused("randomness not recorded")
        chain = TaskCommitment.objects.get(task=draw.task)
        code = engine.one_time_code(bytes.fromhex(chain.secret_hex), chain.chain_length, draw.iteration)
        frame = frame_from_blob(stored_frame_blob(draw), algorithm=draw.algorithm, frame_hash_hex=draw.frame_hash_hex)
        if draw.kind == Draw.Kind.ENTITIES:
            result: Any = engine.run_entity_draw(frame, one_time_code=code, ikm=draw.ikm_utf8)
            _maybe_die()
            _store_selection(draw, result)
            draw.selected_count = len(result.selected)
        else:
            result = engine.run_matching(frame, one_time_code=code, ikm=draw.ikm_utf8)
            _maybe_die()
            draw.selected_count = _store_assignments(draw, result)
        draw.one_time_code_hex, draw.status, draw.done_at = code.hex(), Draw.Status.DONE, timezone.now()
        draw.save(update_fields=["one_time_code_hex", "status", "done_at", "selected_count"])
        if not draw.trial:
            _after_draw(draw)
            if draw.kind == Draw.Kind.ENTITIES:
                outbox_enqueue(handler="inspections.draw_visits", payload={"draw": draw.pk}, dedupe_key=f"visits:{draw.pk}")
        outbox_enqueue(handler="inspections.draw_evidence", payload={"draw": draw.pk}, dedupe_key=f"evidence:{draw.pk}")
    return "done"


def _stored_result(draw: Draw) -> list[tuple[Any, ...]]:
    if draw.kind == Draw.Kind.ENTITIES:
        return list(draw.selections.order_by("rank").values_list("entity_id", "stratum", "order_hex"))
    rows = DrawAssignment.objects.filter(draw=draw).values_list(
        "entity_id", "department__code", "inspector__cert_no", "order_hex", "is_leader"
    )
    return sorted((e, d, unicodedata.normalize("NFC", c.strip()), o, leader) for e, d, c, o, leader in rows)


def _derived_result(draw: Draw, result: Any) -> list[tuple[Any, ...]]:
    if draw.kind == Draw.Kind.ENTITIES:
        return [(s.label, s.stratum, s.order_hex) for s in result.selected]
    return sorted((a.entity, a.department, p.label, p.order_hex, p.leader) for a in result.assignments for p in a.chosen)


@gc_paused()
def ensure_evidence(draw: Draw) -> DrawEvidence:
    """The draw's ``draw-evidence/1`` bundle, built once the draw is done (then stored).

    Built from what was stored before the selection (frame, announcement, randomness, code) by
    re-deriving the draw; the result must equal the stored selection, else nothing is stored.
    """
    found = DrawEvidence.objects.filter(draw=draw).first()
    if found is not None:
        return found
    with transaction.atomic():
        draw = Draw.objects.select_for_update().select_related("task").get(pk=draw.pk)
        found = DrawEvidence.objects.filter(draw=draw).first()
        if found is not None:
            return found
        if draw.status != Draw.Status.DONE:
            raise DrawRefused(_("抽取尚未完成，没有证据包。"))
        chain = TaskCommitment.objects.get(task=draw.task)
        code = engine.one_time_code(bytes.fromhex(chain.secret_hex), chain.chain_length, draw.iteration)
        frame = frame_from_blob(stored_frame_blob(draw), algorithm=draw.algorithm)
        if frame.hash_hex != draw.frame_hash_hex:
            raise engine.DrawError("the stored frame does not match the announced frame hash")
        if draw.kind == Draw.Kind.ENTITIES:
            result: Any = engine.run_entity_draw(frame, one_time_code=code, ikm=draw.ikm_utf8)
        else:
            result = engine.run_matching(frame, one_time_code=code, ikm=draw.ikm_utf8)
        if _derived_result(draw, result) != _stored_result(draw):
            raise engine.DrawError(f"draw {draw.pk}: the stored selection differs from the one its evidence derives")
        bundle = engine.make_bundle(
            draw=_draw_fields(draw), announcement=draw.announcement, one_time_code=code,
            sources=draw.randomness or [], frame=frame, result=result,
        )
        return _store_evidence(draw, bundle)


def evidence_bundle(draw: Draw) -> dict[str, Any]:
    """The full (staff) bundle of a done draw."""
    return cast(dict[str, Any], unpack(ensure_evidence(draw).bundle))


def draw_evidence(*, draw_id: int) -> str:
    """Background work after a draw: its evidence, then (entity draws of open tasks) the
    published result with the public bundle attached."""
    draw = Draw.objects.select_related("task").get(pk=draw_id)
    ensure_evidence(draw)
    if draw.kind == Draw.Kind.ENTITIES and not draw.trial and not draw.task.secret:
        with transaction.atomic():
            publish_draw_result(draw)
    return "done"


def _draw_fields(draw: Draw) -> dict[str, Any]:
    return {
        "id": str(draw.pk), "task_code": draw.task.code, "kind": draw.kind, "iteration": draw.iteration,
        "created_at": draw.created_at.isoformat(), "supersedes": str(draw.supersedes_id) if draw.supersedes_id else None,
        "reason": draw.reason or None, "trial": draw.trial,
    }


def _store_selection(draw: Draw, selection: engine.Selection) -> None:
    bulk_insert(
        DrawSelection, ["draw_id", "entity_id", "stratum", "order_hex", "rank"],
        ((draw.pk, s.label, s.stratum, s.order_hex, i) for i, s in enumerate(selection.selected, start=1)),
    )
    digest = hashlib.sha256("\n".join(f"{s.label}:{s.order_hex}" for s in selection.selected).encode()).hexdigest()
    audit_bulk(action="draw_selection", object_type="inspections.draw", count=len(selection.selected), digest=digest,
               summary={"draw": draw.pk, "task": draw.task.code, "iteration": draw.iteration})


def _store_assignments(draw: Draw, matching: Any) -> int:
    from agencies.models import Department
    from inspectors.models import Inspector

    # The keys the frame's labels had when it was frozen: a number edited since (renamed, or
    # given to someone else) does not move the assignment to another person.
    keys = DrawFrame.objects.filter(draw=draw).values_list("summary", flat=True).get().get("keys")
    if keys:
        departments, inspector_ids = keys["departments"], keys["inspectors"]
    else:  # announced before the keys were kept
        departments = dict(Department.objects.values_list("code", "id"))
        certs = {pick.label for a in matching.assignments for pick in a.chosen}
        inspector_ids = {
            unicodedata.normalize("NFC", c): i
            for c, i in Inspector.objects.filter(cert_no__in=certs).values_list("cert_no", "id")
        }
    # In entity order (the matching runs in its random order): each row then lands at the end of
    # the unique index's range for this draw, where PostgreSQL inserts without descending the
    # tree (measured for 40,000 rows: 73 ms in that index, against 101 ms in the random order).
    rows = [
        (draw.pk, a.entity, departments[a.department], inspector_ids[pick.label], pick.order_hex, pick.leader)
        for a in sorted(matching.assignments, key=attrgetter("entity"))
        for pick in a.chosen
    ]
    bulk_insert(DrawAssignment, ["draw_id", "entity_id", "department_id", "inspector_id", "order_hex", "is_leader"], rows)
    # The database's keys to these inspectors and departments, once per person (``DrawRoster``).
    people = Counter((r[2], r[3]) for r in rows)
    bulk_insert(DrawRoster, ["draw_id", "department_id", "inspector_id", "entities"],
                [(draw.pk, department, inspector, n) for (department, inspector), n in sorted(people.items())])
    digest = hashlib.sha256("\n".join(f"{r[1]}:{r[3]}:{r[4]}" for r in rows).encode()).hexdigest()
    audit_bulk(action="draw_matching", object_type="inspections.draw", count=len(rows), digest=digest,
               summary={"draw": draw.pk, "task": draw.task.code, "iteration": draw.iteration,
                        "shortfalls": sum(a.shortfall for a in matching.assignments)})
    return len(rows)


def _store_evidence(draw: Draw, bundle: dict[str, Any]) -> DrawEvidence:
    raw = json.dumps(bundle, ensure_ascii=False, sort_keys=True).encode()
    # The public bundle is stored in the very bytes its published attachment holds, so going
    # public decompresses it instead of parsing and re-serialising two million labels.
    public = (
        fast_zlib.compress(json.dumps(engine.public_bundle(bundle), ensure_ascii=False, sort_keys=True).encode(), 1)
        if draw.kind == Draw.Kind.ENTITIES else None
    )
    evidence = DrawEvidence(draw=draw, bundle=fast_zlib.compress(raw, 1), public_bundle=public,
                            sha256_hex=hashlib.sha256(raw).hexdigest())
    insert_with_blob(evidence)
    return evidence


def _after_draw(draw: Draw) -> None:
    from inspections.services import task_transition

    task = draw.task
    if draw.kind == Draw.Kind.ENTITIES:
        if task.status == TaskStatus.READY:
            task_transition(task=task, action="record_entity_draw", user=draw.randomness_by, reason=_("抽取完成"))
    elif task.status == TaskStatus.ENTITIES_DRAWN:
        task_transition(task=task, action="record_matching", user=draw.randomness_by, reason=_("人员匹配完成"))


def draw_visits(*, draw_id: int) -> str:
    """Background work after an entity draw: its entities join the visits of the window (one
    door), the ones a redraw dropped leave them.

    Not part of the draw: the selection is the draw, and a city draw joins tens of thousands of
    visits. Run again, it changes nothing (existing visits are joined, joins are kept once). A
    draw superseded meanwhile is left to its redraw's own run."""
    with transaction.atomic():
        draw = Draw.objects.select_for_update().select_related("task").get(pk=draw_id)
        if draw.kind != Draw.Kind.ENTITIES or draw.trial or draw.status != Draw.Status.DONE:
            return "not an entity draw's result"
        if Draw.objects.filter(supersedes=draw).exists():
            return "superseded"
        task = draw.task
        usccs = list(draw.selections.values_list("entity_id", flat=True))
        if draw.supersedes_id:
            VisitTask.objects.filter(task=task).exclude(visit__entity_id__in=usccs).delete()
        saved = join_visits(task=task, usccs=usccs)
    return f"joined ({saved} saved)"


def join_visits(*, task: Task, usccs: list[str]) -> int:
    """One door: join an existing visit of the same window, or open one. Returns visits saved."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # Two joins at once (two tasks' draws finishing together) would each see no visit
            # of the other and open two for the same entity: joins take their turn.
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext('inspections.join_visits'))")
        return _join_visits_postgres(task, usccs)
    existing = {
        v.entity_id: v
        for v in Visit.objects.filter(
            entity_id__in=usccs, window_start__lte=task.window_end, window_end__gte=task.window_start
        )
    }
    new = [Visit(entity_id=u, window_start=task.window_start, window_end=task.window_end) for u in usccs if u not in existing]
    Visit.objects.bulk_create(new, batch_size=5000)
    visits = list(existing.values()) + list(Visit.objects.filter(entity_id__in=[v.entity_id for v in new], window_start=task.window_start, window_end=task.window_end))
    VisitTask.objects.bulk_create([VisitTask(visit=v, task=task) for v in visits], ignore_conflicts=True, batch_size=5000)
    _chain_visits(task, joined=len(existing), opened=len(new))
    return len(existing)


def _join_visits_postgres(task: Task, usccs: list[str]) -> int:
    """``join_visits`` in three statements: a city draw joins or opens tens of thousands of
    visits, and building, saving and reading back as many model instances took longer than the
    draw."""
    start, end = task.window_start, task.window_end
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT DISTINCT ON (entity_id) entity_id, id FROM inspections_visit "
            "WHERE entity_id = ANY(%s::bpchar[]) AND window_start <= %s AND window_end >= %s ORDER BY entity_id, id",
            [usccs, end, start],
        )
        existing = {entity.strip(): pk for entity, pk in cursor.fetchall()}
        new = [u for u in dict.fromkeys(usccs) if u not in existing]
        cursor.execute(
            "INSERT INTO inspections_visit (entity_id, window_start, window_end, created_at) "
            "SELECT unnest(%s::bpchar[]), %s, %s, now() RETURNING id",
            [new, start, end],
        )
        ids = [row[0] for row in cursor.fetchall()] + list(existing.values())
        cursor.execute(
            "INSERT INTO inspections_visittask (visit_id, task_id) SELECT unnest(%s::bigint[]), %s ON CONFLICT DO NOTHING",
            [ids, task.pk],
        )
    _chain_visits(task, joined=len(existing), opened=len(new))
    return len(existing)


def _chain_visits(task: Task, *, joined: int, opened: int) -> None:
    """Visits are written in bulk (no signals): one chain row holds the digest of every visit the
    task now has, so a visit moved, re-dated or removed in the database is found by verify_audit.
    Each join restates the whole set; a redraw's removals before it are chained row by row."""
    lines = visit_lines(task.pk)  # the recipe verify_audit recomputes, run on the rows just written
    audit_bulk(action="visit_join", object_type="inspections.visittask", count=len(lines),
               digest=hashlib.sha256("\n".join(lines).encode()).hexdigest(),
               summary={"task_id": task.pk, "task": task.code, "joined": joined, "opened": opened})


@statemachine.guard("record_entity_draw")
def _needs_a_checkable_draw(task: Task) -> str | None:
    if task.draw_mode in (Task.DrawMode.FULL_COVERAGE, Task.DrawMode.ASSIGNED):
        return None if EntityList.objects.filter(task=task).exists() else _("尚未登记指定检查名单。")
    draw = (
        Draw.objects.filter(task=task, kind=Draw.Kind.ENTITIES, trial=False, status=Draw.Status.DONE, superseded_by__isnull=True)
        .order_by("-iteration")
        .first()
    )
    if draw is None:
        return _("尚无完成的正式抽取。")
    if draw.randomness_at is None or draw.announced_at >= draw.randomness_at:
        return _("抽取的公告未早于随机数产生，不能作为正式结果。")
    if not randomness.has_external(draw.sources):
        return _("抽取没有平台操作人员无法控制的随机数来源，不能作为正式结果。")
    return None


@statemachine.guard("record_matching")
def _needs_a_checkable_matching(task: Task) -> str | None:
    draw = (
        Draw.objects.filter(task=task, kind=Draw.Kind.INSPECTORS, trial=False, status=Draw.Status.DONE, superseded_by__isnull=True)
        .order_by("-iteration")
        .first()
    )
    if draw is None:
        return _("尚无完成的人员匹配。")
    if draw.randomness_at is None or draw.announced_at >= draw.randomness_at:
        return _("人员匹配的公告未早于随机数产生，不能作为正式结果。")
    return None


# --- Redraws and substitutions --------------------------------------------------------------
def may_approve_redraw(user: Any, task: Task) -> bool:
    """A section chief of the task's department, or the joint-meeting office, approves."""
    from agencies.models import Role
    from agencies.selectors import department_ids, has_role

    return task.department_id in department_ids(user, roles={Role.SECTION_CHIEF}) or has_role(user, Role.OFFICE)


@transaction.atomic
def draw_redraw(
    *, draw: Draw, user: Any, approver: Any, reason: str, sources: list[dict[str, Any]] | None = None,
    server_entropy: bool = False,
) -> Draw:
    """A new draw that supersedes ``draw``: new announcement, fresh sources, the next code."""
    draw = Draw.objects.select_for_update().select_related("task").get(pk=draw.pk)
    if not reason.strip():
        raise DrawRefused(_("重新抽取须说明理由。"))
    if draw.trial:
        raise DrawRefused(_("试抽不能被重新抽取取代；正式抽取请走正常流程。"))
    if Draw.objects.filter(supersedes=draw).exists():
        raise DrawRefused(_("该抽取已被取代。"))
    if approver is None or approver == user or not may_approve_redraw(approver, draw.task):
        raise DrawRefused(_("重新抽取须经本部门科所长或联席办批准，且批准人不能是操作人本人。"))
    allowed: dict[str, set[str]] = {Draw.Kind.ENTITIES: {TaskStatus.READY, TaskStatus.ENTITIES_DRAWN},
               Draw.Kind.INSPECTORS: {TaskStatus.ENTITIES_DRAWN, TaskStatus.INSPECTORS_MATCHED}}
    if draw.task.status not in allowed[draw.kind]:
        raise DrawRefused(_("任务当前状态为“%(s)s”，不能再重新抽取。") % {"s": draw.task.get_status_display()})
    kwargs = {"task": draw.task, "user": user, "sources": sources, "server_entropy": server_entropy,
              "supersedes": draw, "reason": reason.strip(), "approver": approver}
    if draw.kind == Draw.Kind.ENTITIES:
        return draw_announce(**kwargs)
    return matching_announce(**kwargs)


@transaction.atomic
def assignment_substitute(*, assignment: Any, new_inspector: Any, reason: str, approver: Any) -> Any:
    """A recorded substitution (e.g. a conflict declared after the freeze); the draw is not moved."""
    from inspections.models import DrawAssignment, Substitution
    from inspectors.models import ConflictDeclaration, Leave

    task = assignment.draw.task
    if not reason.strip():
        raise DrawRefused(_("替换执法人员须说明理由。"))
    if not may_approve_redraw(approver, task):
        raise DrawRefused(_("替换执法人员须经本部门科所长或联席办批准。"))
    if new_inspector.department_id != assignment.department_id or not new_inspector.is_active:
        raise DrawRefused(_("替换人员须为同一部门的在岗执法人员。"))
    team = set(DrawAssignment.objects.filter(draw=assignment.draw, entity_id=assignment.entity_id).values_list("inspector_id", flat=True))
    team |= set(Substitution.objects.filter(assignment__draw=assignment.draw, assignment__entity_id=assignment.entity_id).values_list("new_inspector_id", flat=True))
    if new_inspector.pk in team:
        raise DrawRefused(_("该人员已在本检查组中。"))
    if ConflictDeclaration.objects.filter(inspector=new_inspector, entity_id=assignment.entity_id).exclude(status="rejected").exists():
        raise DrawRefused(_("该人员对此主体申报了回避。"))
    if Leave.objects.filter(inspector=new_inspector, start__lte=task.window_end, end__gte=task.window_start).exists():
        raise DrawRefused(_("该人员在检查期间请假。"))
    return Substitution.objects.create(assignment=assignment, new_inspector=new_inspector, reason=reason.strip(), approved_by=approver)


# --- Entities not drawn here ----------------------------------------------------------------
@transaction.atomic
def entity_list_assign(*, task: Task, user: Any, usccs: list[str], note: str) -> EntityList:
    """Record a superior's list or a full-coverage list: labelled as such, never as a draw."""
    from entities.models import Entity

    task = Task.objects.select_for_update().get(pk=task.pk)
    if task.draw_mode not in (Task.DrawMode.FULL_COVERAGE, Task.DrawMode.ASSIGNED):
        raise DrawRefused(_("抽取任务的检查对象只能通过抽取产生。"))
    if task.status != TaskStatus.READY or EntityList.objects.filter(task=task).exists():
        raise DrawRefused(_("任务须处于“待抽取”状态，且尚未登记名单。"))
    if not note.strip():
        raise DrawRefused(_("请写明名单来源（如上级文号或名录库名称）。"))
    wanted = sorted({u.strip().upper() for u in usccs if u.strip()})
    known = set(Entity.objects.filter(uscc__in=wanted).values_list("uscc", flat=True))
    if missing := [u for u in wanted if u not in known]:
        raise DrawRefused(_("名单中有 %(n)s 个统一社会信用代码不在主体库中，例如 %(code)s。") % {"n": len(missing), "code": missing[0]})
    source = EntityList.Source.SUPERIOR if task.draw_mode == Task.DrawMode.ASSIGNED else EntityList.Source.FULL_COVERAGE
    entity_list = EntityList.objects.create(task=task, source=source, note=note.strip(), created_by=user, count=len(wanted))
    EntityListItem.objects.bulk_create([EntityListItem(entity_list=entity_list, entity_id=u) for u in wanted], batch_size=5000)
    audit_bulk(action="entity_list", object_type="inspections.entitylist", count=len(wanted),
               digest=hashlib.sha256("\n".join(wanted).encode()).hexdigest(), summary={"task": task.code, "source": source})
    from inspections.services import task_transition

    task_transition(task=task, action="record_entity_draw", user=user,
                    reason=_("指定名单（未经抽取）：%(note)s") % {"note": note.strip()})
    join_visits(task=task, usccs=wanted)
    return entity_list


def publish_draw_result(draw: Draw) -> None:
    """The result of an entity draw goes public: at once, or for a secret task when its
    inspection starts. The public bundle hides credit-risk strata's members (DRAW.md)."""
    from core.models import PublicationRecord
    from core.services import publication_attach

    public_id = f"draw:{draw.task.code}:{draw.iteration}"
    current = PublicationRecord.objects.filter(public_id=public_id).order_by("-version").first()
    if current is None or current.payload.get("result"):
        return
    public = ensure_evidence(draw).public_bundle
    if public is None:
        return
    content = fast_zlib.decompress(bytes(public))
    bundle = json.loads(content)
    payload = {
        **current.payload,
        "result": {
            "one_time_code_hex": bundle["one_time_code_hex"], "randomness": bundle["randomness"],
            "selected": bundle["selected"], "done_at": draw.done_at.isoformat() if draw.done_at else None,
        },
    }
    record = publication_write(kind="draw", public_id=public_id, payload=payload,
                               department_code=current.department_code, year=current.year)
    publication_attach(record=record, name=f"{draw.task.code}-{draw.iteration}.json", content_type="application/json",
                       content=content)


@statemachine.after("start_inspection")
def _publish_secret_lists_at_start(task: Task) -> None:
    """A secret task's drawn list becomes public when its inspection starts."""
    if task.secret:
        for draw in Draw.objects.filter(task=task, kind=Draw.Kind.ENTITIES, trial=False, status=Draw.Status.DONE):
            publish_draw_result(draw)

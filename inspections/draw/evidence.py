"""The ``draw-evidence/1`` bundle: building it, making its public form, and verifying it.

Why verification starts from the recorded announcement: a forger who changes a label can
recompute every hash inside the bundle, but not the commitment, chain length, frame hash and
sources that were published before the randomness existed. ``verify_bundle`` therefore compares
the bundle's announcement with an independently recorded one first, then checks the one-time
code, recomputes the frame hash, checks the quotas against their declared rule and re-derives
the selection or the matching from scratch.

Field names follow shared DRAW.md exactly; fields are only ever added, never renamed.
"""

from __future__ import annotations

import copy
import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from .commitment import MIN_CHAIN_LENGTH, draw_keys, verify_one_time_code
from .encoding import (
    are_canonical_usccs,
    encode_ikm,
    encode_source_value,
    is_canonical_license,
    is_strictly_ascending,
)
from .errors import DrawError
from .frame import (
    FIXED,
    LARGEST_REMAINDER,
    RATIO_CEIL,
    Department,
    Exclusion,
    Frame,
    MatchEntity,
    MatchingFrame,
    PairSet,
    Stratum,
    StratumSummary,
    allocate_largest_remainder,
    encode_entity_frame,
    format_ratio,
    members_hash,
    opaque_key,
    parse_ratio,
    quota_ceil,
)
from .matching import Assignment, Matching, run_matching
from .select import Selection, order_value, run_entity_draw
from .version import FORMAT, KIND_ENTITIES, KIND_INSPECTORS, SUPPORTED_ALGORITHMS

Json = dict[str, Any]
DRAW_FIELDS = ("id", "task_code", "kind", "iteration", "created_at", "supersedes", "reason")
ANNOUNCED_FIELDS = ("commitment_hash_hex", "chain_length", "frame_hash_hex", "trial")
# lottery: a public lottery's result of a named date; beacon: a public beacon round fixed in
# advance; ceremony: numbers drawn at a witnessed ceremony by a named person who is not the
# operator; server: the operator's own entropy (never enough alone).
SOURCE_KINDS = ("lottery", "beacon", "ceremony", "server")
OUTSIDE_SOURCE_KINDS = ("lottery", "beacon", "ceremony")

# ---------------------------------------------------------------------------------------------
# Building
# ---------------------------------------------------------------------------------------------


def source_value_hash(value: Sequence[int] | str) -> str:
    """SHA-256 hex of a source's encoding: announced in advance for server entropy."""
    return hashlib.sha256(encode_source_value(value).encode("utf-8")).hexdigest()


def make_announcement(
    *,
    published_at: str,
    commitment: bytes,
    chain_length: int,
    frame: Frame | MatchingFrame,
    sources: Sequence[Mapping[str, Any]],
    trial: bool = False,
) -> Json:
    """The announcement recorded and published before the randomness exists.

    ``sources`` are {"kind", "description"} in the order their values will be encoded, kind
    one of ``SOURCE_KINDS``; a source whose value is already known (server entropy) also gives
    "value_sha256_hex" from ``source_value_hash``. Server entropy alone is refused unless the
    draw is a trial (DRAW.md guarantee 3); a trial is marked and can never be a task's draw.
    """
    if chain_length < MIN_CHAIN_LENGTH:
        raise DrawError(f"a real task's chain has at least {MIN_CHAIN_LENGTH} iterations")
    announced = []
    for source in sources:
        if source["kind"] not in SOURCE_KINDS:
            raise DrawError(f"unknown source kind {source['kind']!r}; use one of {SOURCE_KINDS}")
        item = {"kind": str(source["kind"]), "description": str(source["description"])}
        if source.get("value_sha256_hex"):
            item["value_sha256_hex"] = str(source["value_sha256_hex"])
        announced.append(item)
    if not trial and not _has_outside_source(announced):
        raise DrawError("at least one randomness source must be outside the operator's control")
    announcement: Json = {
        "published_at": published_at,
        "commitment_hash_hex": commitment.hex(),
        "chain_length": chain_length,
        "frame_hash_hex": frame.hash_hex,
        "sources": announced,
    }
    if trial:
        announcement["trial"] = True
    return announcement


def _has_outside_source(sources: Sequence[Mapping[str, Any]]) -> bool:
    return any(source["kind"] in OUTSIDE_SOURCE_KINDS for source in sources)


def randomness_json(sources: Sequence[Mapping[str, Any]]) -> Json:
    """The bundle's "randomness": sources with values, and the exact IKM they encode to."""
    values: list[str | list[int]] = [
        s["value"] if isinstance(s["value"], str) else [int(v) for v in s["value"]] for s in sources
    ]
    items = [
        {
            "kind": str(s["kind"]),
            "description": str(s.get("description", "")),
            "value": value,
            "collected_at": s.get("collected_at"),
        }
        for s, value in zip(sources, values, strict=True)
    ]
    return {"sources": items, "ikm_utf8": encode_ikm(values)}


def frame_to_json(frame: Frame | MatchingFrame, *, labels: bool = True) -> Json:
    """The bundle's "frame" object (full, staff form). ``labels=False`` leaves an entity frame's
    labels out (``None``): the stored form writes them apart, and two million of them would
    otherwise become Python strings only to be thrown away."""
    if isinstance(frame, MatchingFrame):
        return _matching_frame_to_json(frame)
    return {
        "hash_hex": frame.hash_hex,
        "size": frame.size,
        "exclusions": [{"rule": e.rule, "removed": e.removed} for e in frame.exclusions],
        "strata": [
            {
                "key": s.key,
                "size": s.size,
                "quota": s.quota,
                "labels": list(s.labels) if labels else None,
                "members_hash_hex": s.members_hash.hex(),
                "ratio": format_ratio(s.ratio) if s.ratio is not None else None,
                "private_key": s.private_key,
            }
            for s in frame.strata
        ],
        "matching": None,
        "kind": KIND_ENTITIES,
        "task_code": frame.task_code,
        "quota_rule": {"method": frame.quota_method, "total": frame.total},
        "opaque_salt_hex": frame.opaque_salt.hex() if frame.opaque_salt else None,
    }


def _matching_frame_to_json(frame: MatchingFrame) -> Json:
    constraints = [
        {"rule": "conflict", "pairs": [[e, i] for e, i in frame.conflicts]},  # a PairSet iterates in order
        {"rule": "leave", "labels": sorted(frame.leave)},
        {"rule": "repeat", "years": frame.repeat_years, "pairs": [list(p) for p in sorted(frame.repeats)]},
        {
            "rule": "qualification",
            "held": {k: sorted(frame.qualifications[k]) for k in sorted(frame.qualifications)},
        },
        {"rule": "own_area", "pairs": [list(p) for p in sorted(frame.own_area)]},
        {"rule": "load", "current": {k: frame.loads[k] for k in sorted(frame.loads)}},
        {"rule": "cap", "caps": {k: frame.caps[k] for k in sorted(frame.caps)}},
    ]
    return {
        "hash_hex": frame.hash_hex,
        "size": frame.size,
        "exclusions": [{"rule": e.rule, "removed": e.removed} for e in frame.exclusions],
        "strata": [],
        "matching": {
            "departments": [
                {
                    "code": d.code,
                    "per_entity": d.per_entity,
                    "cap": d.cap,
                    "labels": list(d.labels),
                    "required_fields": list(d.required_fields),
                    "members_hash_hex": d.members_hash.hex(),
                }
                for d in frame.departments
            ],
            "constraints": constraints,
            "entities": [{"label": e.label, "order_hex": e.order_hex} for e in frame.entities],
            "min_team": frame.min_team,
        },
        "kind": KIND_INSPECTORS,
        "task_code": frame.task_code,
    }


def selection_json(selection: Selection) -> list[Json]:
    return [{"label": s.label, "stratum": s.stratum, "order_hex": s.order_hex} for s in selection.selected]


def assignments_json(matching: Matching) -> list[Json]:
    return [_assignment_json(item) for item in matching.assignments]


def _assignment_json(item: Assignment) -> Json:
    return {
        "entity": item.entity,
        "department": item.department,
        "need": item.need,
        "shortfall": item.shortfall,
        "chosen": [
            {
                "label": p.label,
                "order_hex": p.order_hex,
                "counter": p.counter,
                "index": p.index,
                "leader": p.leader,
            }
            for p in item.chosen
        ],
        "skipped": [
            {
                "label": s.label,
                "order_hex": s.order_hex,
                "reason": s.reason,
                "counter": s.counter,
                "index": s.index,
            }
            for s in item.skipped
        ],
    }


def make_bundle(
    *,
    draw: Mapping[str, Any],
    announcement: Mapping[str, Any],
    one_time_code: bytes,
    sources: Sequence[Mapping[str, Any]],
    frame: Frame | MatchingFrame,
    result: Selection | Matching,
    frame_json: Json | None = None,
) -> Json:
    """Assemble the full (staff) ``draw-evidence/1`` bundle of one draw.

    ``frame_json`` may pass the frame's JSON as already stored (``frame_to_json(frame)``), to
    avoid building it twice for frames of millions of labels; its hash must match ``frame``.

    ``draw`` carries id, iteration, created_at, supersedes and reason; kind and task_code come
    from the frame. ``sources`` are the collected values: {"kind", "description", "value",
    "collected_at"}.
    """
    if result.frame_hash_hex != frame.hash_hex or announcement.get("frame_hash_hex") != frame.hash_hex:
        raise DrawError("the result, the announcement and the frame must share one frame hash")
    if frame_json is not None and frame_json.get("hash_hex") != frame.hash_hex:
        raise DrawError("the stored frame JSON is not this frame")
    draw_json = {name: draw.get(name) for name in DRAW_FIELDS}
    draw_json.update({k: v for k, v in draw.items() if k not in DRAW_FIELDS})
    draw_json["kind"] = frame.kind
    draw_json["task_code"] = frame.task_code
    bundle: Json = {
        "format": FORMAT,
        "algorithm": frame.algorithm,
        "draw": draw_json,
        "announcement": copy.deepcopy(dict(announcement)),
        "one_time_code_hex": one_time_code.hex(),
        "randomness": randomness_json(sources),
        "frame": frame_json if frame_json is not None else frame_to_json(frame),
        "selected": selection_json(result) if isinstance(result, Selection) else [],
    }
    if isinstance(result, Matching):
        bundle["assignments"] = assignments_json(result)
    return bundle


def public_bundle(bundle: Mapping[str, Any]) -> Json:
    """The public form of an entity draw's bundle.

    Strata on credit-risk classes keep only their opaque key, size, quota, members hash and
    selected labels (with order values); their labels, ratio and internal key, and the salt
    that names them, are removed. Strata on public criteria stay in full.
    """
    if bundle.get("draw", {}).get("kind") != KIND_ENTITIES:
        raise DrawError("inspector-matching bundles are for staff and the discipline role only")
    # Only the objects changed below are copied; the rest (two million labels in a city frame)
    # is shared with ``bundle``: a deep copy took longer than building the bundle. Neither is
    # changed afterwards: both are serialised.
    public = dict(bundle)
    frame = public["frame"] = dict(bundle["frame"])
    frame["strata"] = [dict(stratum) for stratum in frame["strata"]]
    for stratum in frame["strata"]:
        if stratum.get("private_key") is not None:
            stratum["labels"] = None
            stratum["ratio"] = None
            stratum["private_key"] = None
    frame["opaque_salt_hex"] = None
    return public


# ---------------------------------------------------------------------------------------------
# Reading frames back
# ---------------------------------------------------------------------------------------------


def entity_frame_from_json(frame: Mapping[str, Any], *, algorithm: str) -> Frame:
    """A Frame exactly as the bundle states it (no cleaning: verification reports defects).

    Strata whose labels are withheld (public bundle) cannot be rebuilt: use summaries instead.
    """
    strata = []
    for s in frame["strata"]:
        if s.get("labels") is None:
            raise DrawError(f"stratum {s['key']!r} has its labels withheld")
        ratio = parse_ratio(s["ratio"]) if s.get("ratio") else None
        strata.append(Stratum(s["key"], tuple(s["labels"]), int(s["quota"]), ratio, s.get("private_key")))
    rule = frame.get("quota_rule") or {}
    salt = frame.get("opaque_salt_hex")
    return Frame(
        task_code=frame["task_code"],
        strata=tuple(strata),
        quota_method=rule.get("method", FIXED),
        total=rule.get("total"),
        exclusions=tuple(Exclusion(e["rule"], e["removed"]) for e in frame.get("exclusions", [])),
        algorithm=algorithm,
        opaque_salt=bytes.fromhex(salt) if salt else None,
    )


def matching_frame_from_json(frame: Mapping[str, Any], *, algorithm: str) -> MatchingFrame:
    """A MatchingFrame exactly as the bundle states it."""
    matching = frame["matching"]
    rules = {c["rule"]: c for c in matching.get("constraints", [])}

    def pairs(rule: str) -> frozenset[tuple[str, str]]:
        return frozenset((p[0], p[1]) for p in rules.get(rule, {}).get("pairs", []))

    return MatchingFrame(
        task_code=frame["task_code"],
        entities=tuple(MatchEntity(e["label"], e["order_hex"]) for e in matching["entities"]),
        departments=tuple(
            Department(
                d["code"], d["per_entity"], d["cap"], tuple(d["labels"]), tuple(d.get("required_fields", []))
            )
            for d in matching["departments"]
        ),
        min_team=matching.get("min_team", 2),
        conflicts=PairSet.from_pairs(pairs("conflict")),
        leave=frozenset(rules.get("leave", {}).get("labels", [])),
        repeat_years=rules.get("repeat", {}).get("years", 0),
        repeats=pairs("repeat"),
        qualifications={k: frozenset(v) for k, v in rules.get("qualification", {}).get("held", {}).items()},
        own_area=pairs("own_area"),
        loads=dict(rules.get("load", {}).get("current", {})),
        caps=dict(rules.get("cap", {}).get("caps", {})),
        exclusions=tuple(Exclusion(e["rule"], e["removed"]) for e in frame.get("exclusions", [])),
        algorithm=algorithm,
    )


# ---------------------------------------------------------------------------------------------
# Verifying
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Mismatch:
    """One finding: a stable English code, an English detail and a Chinese message."""

    code: str
    detail: str
    message_zh: str

    def __str__(self) -> str:
        return f"{self.code}: {self.detail} ({self.message_zh})"


@dataclass
class VerifyReport:
    """What ``verify_bundle`` found. ``ok`` is true only when nothing mismatched."""

    mismatches: list[Mismatch] = field(default_factory=list)
    checked: list[str] = field(default_factory=list)
    limits: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.mismatches

    def codes(self) -> set[str]:
        return {m.code for m in self.mismatches}

    def add(self, code: str, detail: str, message_zh: str) -> None:
        self.mismatches.append(Mismatch(code, detail, message_zh))


def verify_bundle(
    bundle: Mapping[str, Any],
    announcement: Mapping[str, Any] | None,
    *,
    min_chain_length: int = MIN_CHAIN_LENGTH,
) -> VerifyReport:
    """Check a bundle against the recorded announcement, then re-derive it (draw-spec.md section 13).

    Never raises for a defective bundle: every defect becomes a mismatch in the report.
    """
    report = VerifyReport()
    steps: list[tuple[str, Callable[[], None]]] = [
        ("format", lambda: _check_format(bundle, report)),
        ("announcement", lambda: _check_announcement(bundle, announcement, report)),
        ("one_time_code", lambda: _check_code(bundle, report, min_chain_length)),
        ("randomness", lambda: _check_randomness(bundle, report)),
        ("frame", lambda: _check_frame(bundle, announcement, report)),
        ("selection", lambda: _check_result(bundle, report)),
    ]
    for name, step in steps:
        try:
            step()
        except (KeyError, TypeError, ValueError, AttributeError, IndexError) as exc:
            report.add(f"{name}.malformed", f"cannot read the bundle: {exc!r}", "证据包格式错误，无法核验")
            if name == "format":
                break
        else:
            report.checked.append(name)
    return report


def _check_format(bundle: Mapping[str, Any], report: VerifyReport) -> None:
    if bundle["format"] != FORMAT:
        report.add("format", f"format is {bundle['format']!r}, expected {FORMAT!r}", "证据包格式版本不符")
    if bundle["algorithm"] not in SUPPORTED_ALGORITHMS:
        raise ValueError(f"unknown algorithm {bundle['algorithm']!r}")
    if bundle["draw"]["kind"] != bundle["frame"]["kind"]:
        report.add("draw.kind", "draw kind differs from frame kind", "抽取类型与名录类型不一致")
    if bundle["draw"]["task_code"] != bundle["frame"]["task_code"]:
        report.add("draw.task_code", "draw task code differs from frame task code", "任务编号不一致")


def _announced_sources(sources: Sequence[Mapping[str, Any]]) -> list[tuple[str, str, str | None]]:
    return [(s["kind"], s["description"], s.get("value_sha256_hex")) for s in sources]


def _check_announcement(
    bundle: Mapping[str, Any], recorded: Mapping[str, Any] | None, report: VerifyReport
) -> None:
    if recorded is None:
        report.limits.append(
            "no recorded announcement given: a bundle whose hashes were all recomputed would pass"
        )
        return
    inside = bundle["announcement"]
    for name in (*ANNOUNCED_FIELDS, "published_at"):
        if name == "published_at" and name not in recorded:
            continue
        if inside.get(name) != recorded.get(name):
            report.add(
                f"announcement.{name}",
                f"bundle says {inside.get(name)!r}, recorded announcement says {recorded.get(name)!r}",
                "证据包中的公告内容与事先记录的公告不一致（可能被篡改）",
            )
    if _announced_sources(inside["sources"]) != _announced_sources(recorded["sources"]):
        report.add(
            "announcement.sources",
            "the bundle's announced randomness sources differ from the recorded announcement",
            "随机源与事先公告的不一致",
        )


def _check_code(bundle: Mapping[str, Any], report: VerifyReport, min_chain_length: int) -> None:
    announced = bundle["announcement"]
    n = int(announced["chain_length"])
    iteration = int(bundle["draw"]["iteration"])
    if n < min_chain_length:
        report.add("chain_length", f"chain length {n} is below {min_chain_length}", "承诺链长度不足")
    commitment = bytes.fromhex(announced["commitment_hash_hex"])
    code = bytes.fromhex(bundle["one_time_code_hex"])
    if not verify_one_time_code(commitment, code, iteration, n):
        report.add(
            "one_time_code",
            f"hashing the one-time code {iteration} times does not give the commitment",
            "一次性码与承诺值不符",
        )


def _check_randomness(bundle: Mapping[str, Any], report: VerifyReport) -> None:
    randomness = bundle["randomness"]
    sources = randomness["sources"]
    ikm = encode_ikm(s["value"] for s in sources)
    if ikm != randomness["ikm_utf8"]:
        report.add(
            "randomness.ikm",
            "ikm_utf8 is not the encoding of the source values",
            "随机数编码与随机源数值不符",
        )
    announced = bundle["announcement"]["sources"]
    if not bundle["announcement"].get("trial") and not _has_outside_source(announced):
        report.add(
            "randomness.operator_only",
            "no announced source is outside the operator's control and the draw is not a trial",
            "随机源均由操作方控制，且非试抽",
        )
    if [s["kind"] for s in sources] != [s["kind"] for s in announced] or any(
        "description" in s and s["description"] != a["description"]
        for s, a in zip(sources, announced, strict=False)
    ):
        report.add(
            "randomness.sources",
            "collected sources differ from the announced ones",
            "采集的随机源与公告不一致",
        )
    for source, promised in zip(sources, announced, strict=False):
        expected = promised.get("value_sha256_hex")
        if expected and source_value_hash(source["value"]) != expected:
            report.add(
                "randomness.value_hash",
                f"source {promised['description']!r} does not match the hash announced in advance",
                "随机源数值与事先公告的哈希不符",
            )


def _entity_summaries(frame: Mapping[str, Any], report: VerifyReport) -> list[StratumSummary]:
    summaries = []
    for s in frame["strata"]:
        labels = s.get("labels")
        declared = s.get("members_hash_hex")
        if labels is None:
            report.limits.append(f"stratum {s['key']}: members withheld, only their hash is checked")
            digest = declared
        else:
            digest = members_hash(labels).hex()
            if declared is not None and declared != digest:
                report.add(
                    "frame.members_hash", f"stratum {s['key']}: members hash differs", "分层名单哈希不符"
                )
        summaries.append(StratumSummary(s["key"], int(s["size"]), int(s["quota"]), digest))
    return summaries


def _check_frame(bundle: Mapping[str, Any], recorded: Mapping[str, Any] | None, report: VerifyReport) -> None:
    frame = bundle["frame"]
    algorithm = bundle["algorithm"]
    if frame["kind"] == KIND_INSPECTORS:
        computed = matching_frame_from_json(frame, algorithm=algorithm).hash_hex
        _check_matching_frame(frame, report)
    else:
        rule = frame.get("quota_rule") or {}
        computed = hashlib.sha256(
            encode_entity_frame(
                algorithm=algorithm,
                task_code=frame["task_code"],
                size=int(frame["size"]),
                quota_method=rule.get("method", FIXED),
                total=rule.get("total"),
                exclusions=[Exclusion(e["rule"], e["removed"]) for e in frame["exclusions"]],
                strata=_entity_summaries(frame, report),
            )
        ).hexdigest()
        _check_strata(frame, report)
    claims = [
        ("frame.hash_hex", frame["hash_hex"]),
        ("announcement.frame_hash_hex", bundle["announcement"]["frame_hash_hex"]),
    ]
    if recorded is not None:
        claims.append(("recorded.frame_hash_hex", recorded.get("frame_hash_hex")))
    for where, claimed in claims:
        if claimed != computed:
            report.add(
                "frame.hash",
                f"recomputed frame hash {computed} differs from {where}",
                "名录哈希重新计算后不符",
            )


def _check_strata(frame: Mapping[str, Any], report: VerifyReport) -> None:
    strata = frame["strata"]
    sizes = [int(s["size"]) for s in strata]
    if sum(sizes) != int(frame["size"]):
        report.add("frame.size", "frame size is not the sum of stratum sizes", "名录总数与各层之和不符")
    if not is_strictly_ascending([s["key"] for s in strata]):
        report.add("frame.strata_order", "strata are not in ascending key order", "分层顺序不规范")
    seen: set[str] = set()
    for s in strata:
        _check_one_stratum(s, frame, report, seen)
    _check_quotas(frame, report)


def _check_one_stratum(
    s: Mapping[str, Any], frame: Mapping[str, Any], report: VerifyReport, seen: set[str]
) -> None:
    key = s["key"]
    if int(s["quota"]) > int(s["size"]) or int(s["quota"]) < 0:
        report.add(
            "frame.quota", f"stratum {key}: quota {s['quota']} outside 0..size", "抽取数量超出分层数量"
        )
    if s.get("private_key") is not None and frame.get("opaque_salt_hex"):
        expected = opaque_key(
            task_code=frame["task_code"],
            private_key=s["private_key"],
            salt=bytes.fromhex(frame["opaque_salt_hex"]),
        )
        if expected != key:
            report.add(
                "frame.opaque_key", f"stratum {key}: opaque key does not match", "分层代号与内部分层不符"
            )
    labels = s.get("labels")
    if labels is None:
        return
    if len(labels) != int(s["size"]):
        report.add(
            "frame.stratum_size",
            f"stratum {key}: {len(labels)} labels but size {s['size']}",
            "分层名单数量与声明不符",
        )
    if not (are_canonical_usccs(labels) and is_strictly_ascending(labels)):
        report.add(
            "frame.labels",
            f"stratum {key}: labels not canonical, unique and ascending",
            "名单标识不规范或有重复",
        )
    shared = seen.intersection(labels)
    if shared:
        report.add(
            "frame.shared_label", f"labels in two strata: {sorted(shared)[:3]}", "同一主体出现在多个分层"
        )
    seen.update(labels)


def _check_quotas(frame: Mapping[str, Any], report: VerifyReport) -> None:
    rule = frame.get("quota_rule") or {}
    method = rule.get("method", FIXED)
    strata = frame["strata"]
    if method == RATIO_CEIL:
        for s in strata:
            if s.get("ratio") is None:
                report.limits.append(f"stratum {s['key']}: ratio withheld, quota rule not checked")
                continue
            ratio: Fraction = parse_ratio(s["ratio"])
            expected = quota_ceil(int(s["size"]), ratio.numerator, ratio.denominator)
            if expected != int(s["quota"]):
                report.add(
                    "frame.quota_rule",
                    f"stratum {s['key']}: quota {s['quota']}, but ceil({s['size']} x {s['ratio']}) = {expected}",
                    "抽取数量与规定比例（向上取整）不符",
                )
    elif method == LARGEST_REMAINDER:
        total = int(rule["total"])
        if any(s.get("private_key") is None and s["key"].startswith("x-") for s in strata):
            report.limits.append("largest remainder: tie-break keys withheld, only the total is checked")
            if sum(int(s["quota"]) for s in strata) != total:
                report.add("frame.quota_rule", "quotas do not add up to the total", "各层数量之和与总数不符")
            return
        sizes = {(s.get("private_key") or s["key"]): int(s["size"]) for s in strata}
        expected_by_key = allocate_largest_remainder(sizes, total)
        for s in strata:
            if expected_by_key[s.get("private_key") or s["key"]] != int(s["quota"]):
                report.add(
                    "frame.quota_rule",
                    f"stratum {s['key']}: quota {s['quota']} is not its largest-remainder share",
                    "抽取数量与最大余额法分配结果不符",
                )
    elif method != FIXED:
        report.add("frame.quota_rule", f"unknown quota method {method!r}", "未知的数量规则")


def _check_matching_frame(frame: Mapping[str, Any], report: VerifyReport) -> None:
    matching = frame["matching"]
    if int(frame["size"]) != len(matching["entities"]):
        report.add("frame.size", "frame size is not the number of entities", "主体数量与声明不符")
    for d in matching["departments"]:
        labels = d["labels"]
        if not (is_strictly_ascending(labels) and all(map(is_canonical_license, labels))):
            report.add(
                "frame.labels",
                f"department {d['code']}: list not canonical and ascending",
                "执法人员名单不规范",
            )
        declared = d.get("members_hash_hex")
        if declared is not None and declared != members_hash(labels).hex():
            report.add(
                "frame.members_hash", f"department {d['code']}: members hash differs", "执法人员名单哈希不符"
            )
    order = [(bytes.fromhex(e["order_hex"]), e["label"]) for e in matching["entities"]]
    if order != sorted(order):
        report.add("frame.entity_order", "entities are not in ascending order value", "主体处理顺序不符")


def _check_result(bundle: Mapping[str, Any], report: VerifyReport) -> None:
    randomness = bundle["randomness"]
    ikm = encode_ikm(s["value"] for s in randomness["sources"])
    code = bytes.fromhex(bundle["one_time_code_hex"])
    algorithm = bundle["algorithm"]
    frame = bundle["frame"]
    if frame["kind"] == KIND_INSPECTORS:
        matching = run_matching(
            matching_frame_from_json(frame, algorithm=algorithm), one_time_code=code, ikm=ikm
        )
        _compare_rows("assignments", assignments_json(matching), bundle.get("assignments", []), report)
        return
    if any(s.get("labels") is None for s in frame["strata"]):
        _check_partial_selection(bundle, code, ikm, report)
        return
    selection = run_entity_draw(
        entity_frame_from_json(frame, algorithm=algorithm), one_time_code=code, ikm=ikm
    )
    _compare_rows("selected", selection_json(selection), bundle["selected"], report)


def _check_partial_selection(bundle: Mapping[str, Any], code: bytes, ikm: str, report: VerifyReport) -> None:
    """Public bundle: re-derive strata shown in full; for withheld ones check each order value."""
    frame = bundle["frame"]
    algorithm = bundle["algorithm"]
    key = draw_keys(one_time_code=code, ikm=ikm).entities
    claimed: dict[str, list[Json]] = {}
    for row in bundle["selected"]:
        claimed.setdefault(row["stratum"], []).append(row)
    for s in frame["strata"]:
        rows = claimed.get(s["key"], [])
        if s.get("labels") is not None:
            one = Frame(
                frame["task_code"],
                (Stratum(s["key"], tuple(s["labels"]), int(s["quota"])),),
                FIXED,
                None,
                (),
                algorithm,
            )
            expected = selection_json(run_entity_draw(one, one_time_code=code, ikm=ikm))
            _compare_rows(f"selected[{s['key']}]", expected, rows, report)
            continue
        report.limits.append(f"stratum {s['key']}: membership withheld, lowest-order check not possible")
        if len(rows) != int(s["quota"]):
            report.add(
                "selected.count",
                f"stratum {s['key']}: {len(rows)} selected, quota {s['quota']}",
                "入选数量与抽取数量不符",
            )
        for row in rows:
            if order_value(algorithm, key, row["label"]).hex() != row["order_hex"]:
                report.add(
                    "selected.order",
                    f"{row['label']}: order value does not recompute",
                    "入选主体的排序值无法复算",
                )
        values = [row["order_hex"] for row in rows]
        if values != sorted(values):
            report.add(
                "selected.order",
                f"stratum {s['key']}: not in ascending order value",
                "入选主体未按排序值升序排列",
            )


def _compare_rows(name: str, expected: list[Json], claimed: list[Json], report: VerifyReport) -> None:
    """Compare re-derived rows with the bundle's rows and describe the first differences."""
    if expected == claimed:
        return
    expected_labels = {_row_label(r) for r in expected}
    claimed_labels = {_row_label(r) for r in claimed}
    missing = sorted(expected_labels - claimed_labels)[:5]
    extra = sorted(claimed_labels - expected_labels)[:5]
    detail = f"{name}: re-derivation differs ({len(expected)} rows derived, {len(claimed)} in bundle)"
    if missing:
        detail += f"; derived but absent: {missing}"
    if extra:
        detail += f"; in bundle but not derived: {extra}"
    if not missing and not extra:
        first = (
            next(i for i, (a, b) in enumerate(zip(expected, claimed, strict=False)) if a != b)
            if len(expected) == len(claimed)
            else 0
        )
        detail += f"; first difference at row {first}"
    report.add(f"{name.split('[')[0]}.rederive", detail, "按公开算法重新抽取的结果与证据包不一致")


def _row_label(row: Mapping[str, Any]) -> str:
    if "entity" in row:
        return f"{row['entity']}/{row['department']}:" + ",".join(p["label"] for p in row["chosen"])
    return f"{row['stratum']}:{row['label']}:{row['order_hex']}"

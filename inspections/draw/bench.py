"""Timing of the engine at city scale: ``python -m inspections.draw.bench``.

Why here: the engine is pure Python, so it is measured without a database; a Django ``bench_*``
command adds the fetch. Synthetic labels come from counters and SHA-256, never from a library
generator, so every run measures the same work.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from typing import TypeVar

from .commitment import chain_commitment, one_time_code
from .encoding import USCC_ALPHABET
from .frame import build_frame, build_matching_frame
from .matching import run_matching
from .select import run_entity_draw

T = TypeVar("T")
SECRET = b"bench secret, never a real one.."
IKM = "1.2.3./4.5.6./"


def synthetic_usccs(count: int) -> list[str]:
    """``count`` distinct, ascending, canonical USCC-shaped labels."""
    tail = USCC_ALPHABET[:31]
    return sorted(f"91{(i * 7919) % 10**15:015d}{tail[i % 31]}" for i in range(count))


def _timed(label: str, action: Callable[[], T]) -> T:
    start = time.perf_counter()
    result = action()
    print(f"{label:<58} {time.perf_counter() - start:7.3f} s")
    return result


def _spread(seed: str, count: int, modulus: int) -> list[int]:
    """``count`` indices below ``modulus`` derived from SHA-256 of a seed (test data only)."""
    out: list[int] = []
    counter = 0
    while len(out) < count:
        digest = hashlib.sha256(f"{seed}/{counter}".encode()).digest()
        out += [int.from_bytes(digest[i : i + 4], "big") % modulus for i in range(0, 32, 4)]
        counter += 1
    return out[:count]


def bench_entities(size: int = 2_000_000, quota_per_mille: int = 10) -> None:
    labels = synthetic_usccs(size)
    code = one_time_code(SECRET, 32, 1)
    ratio = f"{quota_per_mille}/1000"
    frame = _timed(
        f"entity frame: {size:,} labels, bulk check + members hash",
        lambda: build_frame(
            task_code="BENCH",
            strata={"all": labels},
            method="ratio_ceil",
            ratios={"*": ratio},
            assume_canonical=True,
        ),
    )
    _timed("entity frame: frame hash", lambda: frame.hash)
    selection = _timed(
        f"entity draw: order values + lowest {frame.strata[0].quota:,} (AES, ssj-draw/1)",
        lambda: run_entity_draw(frame, one_time_code=code, ikm=IKM),
    )
    assert len(selection.selected) == frame.strata[0].quota


def bench_matching(entities: int = 20_000, pool: int = 5_000) -> None:
    entity_labels = synthetic_usccs(entities)
    order = [hashlib.sha256(label.encode()).hexdigest()[:32] for label in entity_labels]
    inspectors = [f"33{i:08d}" for i in range(pool)]
    overlap = pool // 10
    split = (pool + overlap) // 2
    departments = [
        {"code": "SCJG", "per_entity": 1, "cap": 20, "labels": inspectors[:split]},
        {"code": "WJW", "per_entity": 1, "cap": 20, "labels": inspectors[split - overlap :]},
    ]
    per_entity_conflicts = pool // 100
    picks = _spread("conflict", entities * per_entity_conflicts, pool)
    conflicts = [(entity_labels[i // per_entity_conflicts], inspectors[picks[i]]) for i in range(len(picks))]
    leave = [inspectors[i] for i in sorted(set(_spread("leave", pool // 20, pool)))]
    frame = _timed(
        f"matching frame: {entities:,} entities, {pool:,} inspectors, {len(conflicts):,} conflicts",
        lambda: build_matching_frame(
            task_code="BENCH",
            entities=list(zip(entity_labels, order, strict=True)),
            departments=departments,
            lead_department="SCJG",
            conflicts=conflicts,
            leave=leave,
        ),
    )
    _timed("matching frame: hash", lambda: frame.hash)
    code = one_time_code(SECRET, 32, 2)
    matching = _timed(
        f"matching draw: {entities:,} entities x 2 departments",
        lambda: run_matching(frame, one_time_code=code, ikm=IKM),
    )
    skips = sum(len(a.skipped) for a in matching.assignments)
    print(
        f"  picks {sum(len(a.chosen) for a in matching.assignments):,}, skips {skips:,}, "
        f"shortfalls {len(matching.shortfalls())}"
    )


def main() -> None:
    chain_commitment(SECRET, 32)
    bench_entities()
    bench_entities(quota_per_mille=30)
    bench_matching()


if __name__ == "__main__":
    main()

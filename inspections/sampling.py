"""Quotas with integer arithmetic. Ratios are basis points (1/10,000); nothing is a float.

"Not lower than x%" rounds up per stratum: ceil(size * bp / 10000) computed as
-(-size * bp // 10000). A count is spread over strata by largest remainder, ties by stratum key.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


def quota_for(size: int, bp: int, *, round_up: bool) -> int:
    if round_up:
        return min(size, -(-size * bp // 10000))
    return size * bp // 10000


def quotas_by_ratio(sizes: Mapping[str, int], bp_for: Mapping[str, int], *, round_up: bool) -> dict[str, int]:
    """``bp_for`` maps a stratum key to its ratio (e.g. by the stratum's risk class)."""
    return {key: quota_for(size, bp_for[key], round_up=round_up) for key, size in sorted(sizes.items())}


def quotas_by_count(sizes: Mapping[str, int], total: int) -> dict[str, int]:
    """Largest-remainder allocation of ``total`` in proportion to sizes; ties by stratum key."""
    population = sum(sizes.values())
    total = min(total, population)
    if population == 0:
        return {key: 0 for key in sizes}
    floors = {key: size * total // population for key, size in sizes.items()}
    remainders = {key: size * total % population for key, size in sizes.items()}
    left = total - sum(floors.values())
    for key in sorted(sizes, key=lambda k: (-remainders[k], k))[:left]:
        floors[key] += 1
    return dict(sorted(floors.items()))


@dataclass(frozen=True)
class CapBreach:
    item: str
    cap_bp: int
    effective_bp_x100: int  # the effective ratio in 1/1,000,000, to show two decimals of a percent

    @property
    def effective_percent(self) -> str:
        return f"{self.effective_bp_x100 / 10000:.2f}%"

    @property
    def cap_percent(self) -> str:
        return f"{self.cap_bp / 100:g}%"


def cap_breaches(*, population: int, drawn: int, caps: Mapping[str, int]) -> list[CapBreach]:
    """General items whose ratio cap the quotas exceed (compared exactly: drawn/population > cap)."""
    if population == 0:
        return []
    return [
        CapBreach(item, cap, drawn * 1_000_000 // population)
        for item, cap in sorted(caps.items())
        if drawn * 10000 > cap * population
    ]

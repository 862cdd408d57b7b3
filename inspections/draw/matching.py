"""Inspector matching: the second draw, over its own frozen frame.

Why this scheme: 20,000 entities x 2,500 inspectors would be 50 million order values if every
inspector were ranked for every entity. Instead, for each (entity, department) pair a counter
walks a keyed sequence: value_c = HMAC-SHA256(inspectors key, lp(entity) lp(department) lp(c)),
index = value_c mod n over the department's sorted list, an index already considered for the
pair is passed over. Each new index is uniform over the indices not yet considered (bias below
n / 2^256), so the cost grows with the picks and skips, not with entities x pool.

Every candidate considered and not taken is recorded with the first frozen rule that excludes
it, so the staff bundle explains each team.
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from dataclasses import dataclass

from .commitment import draw_keys
from .encoding import encode_parts
from .frame import Department, MatchEntity, MatchingFrame

ALREADY_ON_TEAM = "already_on_team"
LEAVE = "leave"
QUALIFICATION = "qualification"
LOAD_CAP = "load_cap"
CONFLICT = "conflict"
REPEAT = "repeat"
OWN_AREA = "own_area"
# The order in which rules are checked: the first that applies is the recorded reason.
SKIP_REASONS = (ALREADY_ON_TEAM, LEAVE, QUALIFICATION, LOAD_CAP, CONFLICT, REPEAT, OWN_AREA)
SKIP_REASONS_ZH = {
    ALREADY_ON_TEAM: "已在本检查组（同一人不得占两个名额）",
    LEAVE: "检查期间休假或不在岗",
    QUALIFICATION: "缺少本事项要求的专业资格",
    LOAD_CAP: "已达本任务检查数量上限",
    CONFLICT: "存在回避情形（含待审核的回避申报）",
    REPEAT: "规定年限内检查过该主体",
    OWN_AREA: "为该主体的日常监管责任人",
}


@dataclass(frozen=True)
class Pick:
    """An inspector taken for an (entity, department) pair."""

    label: str
    order_hex: str
    counter: int
    index: int
    leader: bool = False


@dataclass(frozen=True)
class Skip:
    """A candidate considered and passed over, with the rule that excluded it."""

    label: str
    order_hex: str
    counter: int
    index: int
    reason: str


@dataclass(frozen=True)
class Assignment:
    """The outcome for one (entity, department) pair; ``shortfall`` > 0 means too few found."""

    entity: str
    department: str
    need: int
    chosen: tuple[Pick, ...]
    skipped: tuple[Skip, ...]

    @property
    def shortfall(self) -> int:
        return self.need - len(self.chosen)


@dataclass(frozen=True)
class Matching:
    """The result of a matching draw, in processing order (entities, then departments)."""

    frame_hash_hex: str
    algorithm: str
    assignments: tuple[Assignment, ...]

    def teams(self) -> dict[str, list[str]]:
        teams: dict[str, list[str]] = {}
        for item in self.assignments:
            teams.setdefault(item.entity, []).extend(pick.label for pick in item.chosen)
        return teams

    def leaders(self) -> dict[str, str]:
        return {item.entity: pick.label for item in self.assignments for pick in item.chosen if pick.leader}

    def shortfalls(self) -> list[Assignment]:
        return [item for item in self.assignments if item.shortfall > 0]


def candidate_value(key: bytes, *, entity: str, department: str, counter: int) -> bytes:
    """HMAC-SHA256(key, lp(entity) || lp(department) || lp(decimal counter))."""
    return hmac.digest(key, encode_parts(entity, department, counter), "sha256")


def department_needs(frame: MatchingFrame) -> list[int]:
    """Slots per department: its per_entity; the lead department takes up any gap to min_team."""
    needs = [dept.per_entity for dept in frame.departments]
    if needs:
        needs[0] += max(0, frame.min_team - sum(needs))
    return needs


class _Pool:
    """Entity-independent availability (leave, qualification, load) and running loads."""

    def __init__(self, frame: MatchingFrame) -> None:
        self.frame = frame
        self.load = dict(frame.loads)
        self.member_of: dict[str, list[Department]] = {}
        for dept in frame.departments:
            for label in dept.labels:
                self.member_of.setdefault(label, []).append(dept)
        self.available = {
            dept.code: sum(1 for label in dept.labels if self.is_available(label, dept))
            for dept in frame.departments
        }

    def fixed_reason(self, label: str, dept: Department) -> str | None:
        """Leave or a missing qualification: reasons that never change during the draw."""
        if label in self.frame.leave:
            return LEAVE
        if dept.required_fields:
            held = self.frame.qualifications.get(label, frozenset())
            if not held.issuperset(dept.required_fields):
                return QUALIFICATION
        return None

    def static_reason(self, label: str, dept: Department) -> str | None:
        """The entity-independent reason, if any: leave, qualification or load cap."""
        reason = self.fixed_reason(label, dept)
        if reason is None and self.load.get(label, 0) >= self.frame.cap_of(label, dept):
            return LOAD_CAP
        return reason

    def is_available(self, label: str, dept: Department) -> bool:
        return self.static_reason(label, dept) is None

    def take(self, label: str) -> None:
        """Count one more entity for ``label``; lists where it reaches its cap lose it.

        Leave and qualifications never change during a draw, so a list loses the inspector
        exactly when the new load equals the cap there.
        """
        load = self.load[label] = self.load.get(label, 0) + 1
        for dept in self.member_of[label]:
            if load == self.frame.cap_of(label, dept) and self.fixed_reason(label, dept) is None:
                self.available[dept.code] -= 1


def _fill(
    *,
    frame: MatchingFrame,
    pool: _Pool,
    key: bytes,
    entity: MatchEntity,
    dept: Department,
    need: int,
    team: set[str],
    fixed: Mapping[str, str],
    prefix: bytes,
) -> Assignment:
    """Walk ``dept``'s list for ``entity`` (index = value mod n, an index already considered
    passed over) until ``need`` are chosen or every inspector available at the start has been
    considered. ``fixed`` holds the list's leave and qualification reasons; ``prefix`` is
    lp(entity) lp(department). The first inspector chosen for the entity leads its team."""
    chosen: list[Pick] = []
    skipped: list[Skip] = []
    # Stop once every inspector who was available at the start has been considered: nobody
    # else can be taken, and walking on would cost ~n log n values for nothing.
    available_at_start = pool.available[dept.code]
    if need <= 0 or available_at_start <= 0:
        return Assignment(entity.label, dept.code, need, (), ())
    labels = dept.labels
    n = len(labels)
    load, caps, cap = pool.load, frame.caps, dept.cap
    conflicted = frame.conflicts.membership(entity.label)
    repeats, own_area = frame.repeats, frame.own_area
    digest = hmac.digest
    seen: set[int] = set()
    counter = considered_available = 0
    while len(seen) < n:
        digits = str(counter).encode("ascii")
        value = digest(key, prefix + len(digits).to_bytes(8, "big") + digits, "sha256")
        index = int.from_bytes(value, "big") % n
        if index in seen:
            counter += 1
            continue
        seen.add(index)
        label = labels[index]
        static = fixed.get(label)
        if static is None and load.get(label, 0) >= (caps.get(label, cap) if caps else cap):
            static = LOAD_CAP
        considered_available += static is None
        if label in team:
            reason: str | None = ALREADY_ON_TEAM
        elif static is not None:
            reason = static
        elif conflicted(label):
            reason = CONFLICT
        elif repeats and (entity.label, label) in repeats:
            reason = REPEAT
        elif own_area and (entity.label, label) in own_area:
            reason = OWN_AREA
        else:
            reason = None
        if reason is None:
            chosen.append(Pick(label, value.hex(), counter, index, not team))
            team.add(label)
            pool.take(label)
        else:
            skipped.append(Skip(label, value.hex(), counter, index, reason))
        if len(chosen) == need or considered_available == available_at_start:
            break
        counter += 1
    return Assignment(entity.label, dept.code, need, tuple(chosen), tuple(skipped))


def run_matching(frame: MatchingFrame, *, one_time_code: bytes, ikm: str | bytes) -> Matching:
    """Match inspectors to the drawn entities (docs/draw-spec.md section 11).

    Entities in ascending entity order value; per entity, departments in frame order; a
    pair whose candidates run out is recorded with a shortfall, never an exception.
    """
    key = draw_keys(one_time_code=one_time_code, ikm=ikm).inspectors
    pool = _Pool(frame)
    needs = department_needs(frame)
    # Leave and qualifications never change during the draw: each list's reasons, once.
    fixed = [
        {label: reason for label in dept.labels if (reason := pool.fixed_reason(label, dept)) is not None}
        for dept in frame.departments
    ]
    dept_parts = [encode_parts(dept.code) for dept in frame.departments]
    plan = list(zip(frame.departments, needs, fixed, dept_parts, strict=True))
    result: list[Assignment] = []
    for entity in frame.entities:
        team: set[str] = set()
        entity_part = encode_parts(entity.label)
        for dept, need, reasons, dept_part in plan:
            result.append(_fill(frame=frame, pool=pool, key=key, entity=entity, dept=dept, need=need, team=team,
                                fixed=reasons, prefix=entity_part + dept_part))
    return Matching(frame.hash_hex, frame.algorithm, tuple(result))

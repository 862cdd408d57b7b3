"""Inspector matching: frozen rules hold, every skip is explained, cost follows the picks.

Pure Python, HMAC only (no AES needed): entity order values are given as hex. Nothing here
imports Django.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from inspections.draw import (
    SKIP_REASONS,
    DrawError,
    FrameError,
    Matching,
    MatchingFrame,
    build_matching_frame,
    chain_commitment,
    encode_ikm,
    make_announcement,
    make_bundle,
    one_time_code,
    run_matching,
    verify_bundle,
)
from inspections.draw.commitment import draw_keys
from inspections.draw.matching import SKIP_REASONS_ZH, candidate_value, department_needs
from inspections.draw.vectors import example_uscc

ROOT = Path(__file__).resolve().parents[2]
VECTORS = json.loads((ROOT / "docs" / "draw-vectors.json").read_text(encoding="utf-8"))
SECRET = b"matching test secret, 32 bytes.."
CODE = one_time_code(SECRET, 32, 2)


def order_hex(i: int) -> str:
    return hashlib.sha256(f"entity {i}".encode()).hexdigest()[:32]


def entities(count: int) -> list[tuple[str, str]]:
    return [(example_uscc(i), order_hex(i)) for i in range(count)]


def inspectors(count: int, prefix: str = "33") -> list[str]:
    return [f"{prefix}{i:06d}" for i in range(count)]


def simple_frame(**overrides: Any) -> MatchingFrame:
    pool = inspectors(12)
    arguments: dict[str, Any] = {
        "task_code": "T-1",
        "entities": entities(6),
        "departments": [
            {"code": "SCJG", "per_entity": 1, "cap": 3, "labels": pool[:8]},
            {"code": "WJW", "per_entity": 1, "cap": 3, "labels": pool[6:]},
        ],
        "lead_department": "SCJG",
    }
    arguments.update(overrides)
    return build_matching_frame(**arguments)


# --- an independent replay of the rules --------------------------------------------------------


def first_reason(
    frame: MatchingFrame, dept: Any, entity: str, label: str, load: dict[str, int], team: list[str]
) -> str | None:
    """The skip reason by the spec's rule order, computed without the engine's code."""
    checks = [
        ("already_on_team", label in team),
        ("leave", label in frame.leave),
        ("qualification", not set(dept.required_fields) <= set(frame.qualifications.get(label, ()))),
        ("load_cap", load.get(label, 0) >= frame.caps.get(label, dept.cap)),
        ("conflict", (entity, label) in frame.conflicts),
        ("repeat", (entity, label) in frame.repeats),
        ("own_area", (entity, label) in frame.own_area),
    ]
    return next((name for name, applies in checks if applies), None)


def replay(frame: MatchingFrame, matching: Matching, ikm: str) -> None:
    """Re-check every recorded step of a matching against the frozen frame."""
    key = draw_keys(one_time_code=CODE, ikm=ikm).inspectors
    depts = {d.code: d for d in frame.departments}
    needs = dict(zip((d.code for d in frame.departments), department_needs(frame), strict=True))
    load = dict(frame.loads)
    teams: dict[str, list[str]] = {}
    expected_order = [(e.label, d.code) for e in frame.entities for d in frame.departments]
    assert [(a.entity, a.department) for a in matching.assignments] == expected_order
    for item in matching.assignments:
        dept = depts[item.department]
        team = teams.setdefault(item.entity, [])
        assert item.need == needs[dept.code]
        events = sorted(
            [(p.counter, p, None) for p in item.chosen] + [(s.counter, s, s.reason) for s in item.skipped],
            key=lambda e: e[0],
        )
        seen: set[int] = set()
        counters = iter(range(10**6))
        for counter, event, recorded_reason in events:
            # Counters between recorded events must be repeats of already-considered indices.
            for skipped_counter in counters:
                value = candidate_value(
                    key, entity=item.entity, department=dept.code, counter=skipped_counter
                )
                index = int.from_bytes(value, "big") % len(dept.labels)
                if skipped_counter == counter:
                    break
                assert index in seen, "an index was passed over without being recorded"
            assert value.hex() == event.order_hex
            assert index == event.index and index not in seen
            seen.add(index)
            assert dept.labels[index] == event.label
            reason = first_reason(frame, dept, item.entity, event.label, load, team)
            assert reason == recorded_reason
            if recorded_reason is None:
                load[event.label] = load.get(event.label, 0) + 1
                team.append(event.label)
        assert len(item.chosen) <= item.need
        if item.shortfall > 0:
            # Nobody left unconsidered could have been taken at that moment.
            for index, label in enumerate(dept.labels):
                if index not in seen:
                    assert first_reason(frame, dept, item.entity, label, load, []) in (
                        "leave",
                        "qualification",
                        "load_cap",
                    )


# --- hypothesis pools ---------------------------------------------------------------------------


@st.composite
def pools(draw: st.DrawFn) -> tuple[MatchingFrame, str]:
    staff = inspectors(draw(st.integers(min_value=2, max_value=12)), prefix="执法")
    drawn = entities(draw(st.integers(min_value=1, max_value=8)))
    departments = []
    for number in range(draw(st.integers(min_value=1, max_value=3))):
        departments.append(
            {
                "code": f"D{number}",
                "per_entity": draw(st.integers(min_value=1, max_value=2)),
                "cap": draw(st.integers(min_value=1, max_value=4)),
                "labels": draw(st.lists(st.sampled_from(staff), unique=True, max_size=len(staff))),
                "required_fields": draw(st.sampled_from([[], ["食品"], ["食品", "特种设备"]])),
            }
        )
    pairs = [(entity, person) for entity, _ in drawn for person in staff]
    some_pairs = st.lists(st.sampled_from(pairs), unique=True, max_size=len(pairs) // 3)
    some_staff = st.lists(st.sampled_from(staff), unique=True, max_size=len(staff))
    frame = build_matching_frame(
        task_code="H",
        entities=drawn,
        departments=departments,
        lead_department=draw(st.sampled_from([d["code"] for d in departments])),
        min_team=draw(st.integers(min_value=1, max_value=3)),
        conflicts=draw(some_pairs),
        leave=draw(st.lists(st.sampled_from(staff), unique=True, max_size=len(staff) // 3)),
        repeat_years=3,
        repeats=draw(some_pairs),
        own_area=draw(some_pairs),
        qualifications={
            p: draw(st.sampled_from([["食品"], ["食品", "特种设备"], []])) for p in draw(some_staff)
        },
        loads={p: draw(st.integers(min_value=0, max_value=3)) for p in draw(some_staff)},
        caps={p: draw(st.integers(min_value=0, max_value=3)) for p in draw(some_staff)},
    )
    ikm = encode_ikm([draw(st.lists(st.integers(min_value=0, max_value=99), min_size=1, max_size=4))])
    return frame, ikm


matching_settings = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@matching_settings
@given(pools())
def test_every_step_of_a_matching_replays_against_the_frozen_rules(pool: tuple[MatchingFrame, str]) -> None:
    frame, ikm = pool
    replay(frame, run_matching(frame, one_time_code=CODE, ikm=ikm), ikm)


@matching_settings
@given(pools())
def test_no_inspector_is_matched_to_an_entity_with_a_declared_conflict(
    pool: tuple[MatchingFrame, str],
) -> None:
    frame, ikm = pool
    for entity, team in run_matching(frame, one_time_code=CODE, ikm=ikm).teams().items():
        assert not any((entity, person) in frame.conflicts for person in team)


@matching_settings
@given(pools())
def test_no_entity_gets_two_slots_filled_by_one_person(pool: tuple[MatchingFrame, str]) -> None:
    frame, ikm = pool
    for team in run_matching(frame, one_time_code=CODE, ikm=ikm).teams().values():
        assert len(team) == len(set(team))


@matching_settings
@given(pools())
def test_load_caps_are_never_exceeded(pool: tuple[MatchingFrame, str]) -> None:
    frame, ikm = pool
    load = dict(frame.loads)
    for item in run_matching(frame, one_time_code=CODE, ikm=ikm).assignments:
        dept = next(d for d in frame.departments if d.code == item.department)
        for pick in item.chosen:
            assert load.get(pick.label, 0) < frame.cap_of(pick.label, dept)
            load[pick.label] = load.get(pick.label, 0) + 1


@matching_settings
@given(pools())
def test_every_department_gets_its_slots_when_eligible_candidates_exist(
    pool: tuple[MatchingFrame, str],
) -> None:
    frame, ikm = pool
    load = dict(frame.loads)
    teams: dict[str, list[str]] = {}
    for item in run_matching(frame, one_time_code=CODE, ikm=ikm).assignments:
        dept = next(d for d in frame.departments if d.code == item.department)
        team = teams.setdefault(item.entity, [])
        for pick in item.chosen:
            load[pick.label] = load.get(pick.label, 0) + 1
            team.append(pick.label)
        if item.shortfall:
            eligible = [
                label
                for label in dept.labels
                if first_reason(frame, dept, item.entity, label, load, team) is None
            ]
            assert eligible == [], f"{item.entity}/{dept.code} fell short while {eligible} were eligible"


@matching_settings
@given(pools())
def test_every_skip_is_recorded_with_a_known_reason_and_each_team_has_one_leader(
    pool: tuple[MatchingFrame, str],
) -> None:
    frame, ikm = pool
    matching = run_matching(frame, one_time_code=CODE, ikm=ikm)
    for item in matching.assignments:
        assert all(s.reason in SKIP_REASONS for s in item.skipped)
    for entity, team in matching.teams().items():
        leaders = [p for a in matching.assignments if a.entity == entity for p in a.chosen if p.leader]
        assert len(leaders) == (1 if team else 0)
        if team:
            assert leaders[0].label == team[0]


# --- specific rules -----------------------------------------------------------------------------


def test_matching_is_deterministic_and_depends_on_the_randomness() -> None:
    frame = simple_frame()
    first = run_matching(frame, one_time_code=CODE, ikm="1./")
    assert first == run_matching(simple_frame(), one_time_code=CODE, ikm="1./")
    assert first.teams() != run_matching(frame, one_time_code=CODE, ikm="2./").teams()


def test_entities_are_processed_in_ascending_order_value_whatever_the_input_order() -> None:
    forward = simple_frame()
    backward = simple_frame(entities=entities(6)[::-1])
    assert forward.hash_hex == backward.hash_hex
    assert [e.order_hex for e in forward.entities] == sorted(e.order_hex for e in forward.entities)


def test_the_lead_department_goes_first_and_provides_the_team_leader() -> None:
    frame = simple_frame(lead_department="WJW")
    assert [d.code for d in frame.departments] == ["WJW", "SCJG"]
    matching = run_matching(frame, one_time_code=CODE, ikm="1./")
    for item in matching.assignments:
        assert all(p.leader == (item.department == "WJW" and i == 0) for i, p in enumerate(item.chosen))


def test_an_inspector_on_both_lists_is_not_taken_twice_for_one_entity() -> None:
    both = "33000001"
    frame = simple_frame(
        entities=entities(1),
        departments=[
            {"code": "A", "per_entity": 1, "cap": 5, "labels": [both]},
            {"code": "B", "per_entity": 1, "cap": 5, "labels": [both, "33000002"]},
        ],
        lead_department="A",
    )
    for seed in range(20):
        matching = run_matching(frame, one_time_code=CODE, ikm=f"{seed}./")
        assert sorted(matching.teams()[frame.entities[0].label]) == [both, "33000002"]
        skips = [s.reason for a in matching.assignments for s in a.skipped]
        assert skips in ([], ["already_on_team"])


def test_a_single_department_fills_the_minimum_team_of_two() -> None:
    frame = simple_frame(departments=[{"code": "SCJG", "per_entity": 1, "cap": 9, "labels": inspectors(5)}])
    assert department_needs(frame) == [2]
    assert all(len(team) == 2 for team in run_matching(frame, one_time_code=CODE, ikm="1./").teams().values())


def test_an_exhausted_list_records_a_shortfall_instead_of_failing() -> None:
    frame = simple_frame(
        departments=[
            {"code": "SCJG", "per_entity": 1, "cap": 9, "labels": inspectors(5)},
            {"code": "WJW", "per_entity": 1, "cap": 1, "labels": ["浙卫执1"]},
        ]
    )
    matching = run_matching(frame, one_time_code=CODE, ikm="1./")
    short = matching.shortfalls()
    assert [a.department for a in short] == ["WJW"] * 5
    assert all(a.shortfall == 1 and not a.skipped for a in short)


def test_conflicts_leave_repeats_and_qualifications_are_skipped_with_their_reasons() -> None:
    staff = inspectors(4)
    ((entity, _),) = entities(1)
    frame = simple_frame(
        entities=entities(1),
        departments=[
            {"code": "SCJG", "per_entity": 1, "cap": 9, "labels": staff, "required_fields": ["食品"]}
        ],
        min_team=1,
        conflicts=[(entity, staff[0])],
        leave=[staff[1]],
        repeats=[(entity, staff[2])],
        qualifications={p: ["食品"] for p in staff if p != staff[3]},
    )
    matching = run_matching(frame, one_time_code=CODE, ikm="1./")
    (item,) = matching.assignments
    reasons = {s.label: s.reason for s in item.skipped}
    # The walk ends once both inspectors who were available have been considered, so leave and
    # qualification skips appear only if they came up before that.
    expected = {staff[0]: "conflict", staff[1]: "leave", staff[2]: "repeat", staff[3]: "qualification"}
    assert {staff[0], staff[2]} <= set(reasons)
    assert all(expected[label] == reason for label, reason in reasons.items())
    assert item.shortfall == 1 and not item.chosen
    assert all(reason in SKIP_REASONS_ZH for reason in reasons.values())


def test_the_walk_stops_once_every_available_inspector_was_considered() -> None:
    staff = inspectors(3)
    ((entity, _),) = entities(1)
    frame = simple_frame(
        entities=entities(1),
        departments=[{"code": "S", "per_entity": 1, "cap": 9, "labels": staff}],
        lead_department="S",
        min_team=1,
        conflicts=[(entity, staff[0])],
        leave=staff[1:],
    )
    for seed in range(20):
        (item,) = run_matching(frame, one_time_code=CODE, ikm=f"{seed}./").assignments
        # staff[0] is the only inspector available at all: once it is considered, nothing is
        # left to find, so it is always the last candidate recorded.
        assert item.skipped[-1].label == staff[0] and item.skipped[-1].reason == "conflict"
        assert item.shortfall == 1


def test_a_pending_conflict_counts_like_an_approved_one() -> None:
    # The frame carries pairs, whatever their review status: pending declarations are included.
    ((entity, _),) = entities(1)
    frame = simple_frame(
        entities=entities(1),
        departments=[{"code": "S", "per_entity": 2, "cap": 9, "labels": inspectors(2)}],
        lead_department="S",
        conflicts=[(entity, inspectors(2)[0])],
    )
    matching = run_matching(frame, one_time_code=CODE, ikm="1./")
    assert matching.teams()[entity] == [inspectors(2)[1]]


def test_constraints_naming_no_drawn_entity_or_listed_inspector_are_pruned() -> None:
    stranger = example_uscc(999)
    plain = simple_frame()
    noisy = simple_frame(
        conflicts=[(stranger, inspectors(1)[0]), (example_uscc(1), "not-on-any-list")],
        leave=["not-on-any-list"],
    )
    assert noisy.hash_hex == plain.hash_hex


def test_the_matching_frame_hash_changes_with_a_conflict_a_leave_or_a_cap() -> None:
    base = simple_frame().hash_hex
    entity = example_uscc(0)
    assert simple_frame(conflicts=[(entity, inspectors(1)[0])]).hash_hex != base
    assert simple_frame(leave=[inspectors(1)[0]]).hash_hex != base
    assert simple_frame(caps={inspectors(1)[0]: 1}).hash_hex != base
    assert simple_frame(loads={inspectors(1)[0]: 1}).hash_hex != base
    assert simple_frame(repeats=[(entity, inspectors(1)[0])], repeat_years=3).hash_hex != base


def test_bad_frames_are_refused() -> None:
    with pytest.raises(FrameError):
        simple_frame(lead_department="NOPE")
    with pytest.raises(FrameError):
        simple_frame(entities=[*entities(2), entities(1)[0]])
    with pytest.raises(DrawError):
        simple_frame(entities=[(example_uscc(1), "XYZ")])


def test_each_inspector_is_chosen_about_equally_often() -> None:
    staff = inspectors(5)
    frame = simple_frame(
        entities=entities(1),
        departments=[{"code": "S", "per_entity": 1, "cap": 9, "labels": staff}],
        lead_department="S",
        min_team=1,
    )
    runs = 2000
    counts = dict.fromkeys(staff, 0)
    for seed in range(runs):
        (item,) = run_matching(frame, one_time_code=CODE, ikm=f"{seed}./").assignments
        counts[item.chosen[0].label] += 1
    expected = runs / 5
    # Chi-square with 4 degrees of freedom: above 25 has probability below 0.0001.
    assert sum((c - expected) ** 2 / expected for c in counts.values()) < 25


def values_computed(matching: Matching) -> tuple[int, int]:
    """(values computed, candidates considered): a pair computes counters 0..last."""
    computed = sum(
        max((e.counter for e in (*a.chosen, *a.skipped)), default=-1) + 1 for a in matching.assignments
    )
    considered = sum(len(a.chosen) + len(a.skipped) for a in matching.assignments)
    return computed, considered


@pytest.mark.parametrize("pool_size", [200, 5000])
def test_the_cost_grows_with_picks_not_with_the_pool(pool_size: int) -> None:
    staff = inspectors(pool_size)
    frame = simple_frame(
        entities=entities(300),
        departments=[
            {"code": "A", "per_entity": 1, "cap": 20, "labels": staff[: pool_size // 2]},
            {"code": "B", "per_entity": 1, "cap": 20, "labels": staff[pool_size // 2 :]},
        ],
        lead_department="A",
        leave=staff[::20],
    )
    computed, considered = values_computed(run_matching(frame, one_time_code=CODE, ikm="1./"))
    assert considered < 2 * 600
    assert computed < considered * 1.2 + 20


# --- vectors and evidence -----------------------------------------------------------------------


def vector_frame() -> MatchingFrame:
    inputs = VECTORS["matching_draw"]["inputs"]
    return build_matching_frame(
        task_code=inputs["task_code"],
        entities=[tuple(e) for e in inputs["entities"]],
        departments=inputs["departments"],
        lead_department=inputs["lead_department"],
        min_team=inputs["min_team"],
        conflicts=[tuple(p) for p in inputs["conflicts"]],
        leave=inputs["leave"],
        repeat_years=inputs["repeat_years"],
        repeats=[tuple(p) for p in inputs["repeats"]],
        qualifications=inputs["qualifications"],
        own_area=[tuple(p) for p in inputs["own_area"]],
        loads=inputs["loads"],
        caps=inputs["caps"],
    )


def test_the_vector_file_matching_draw_reproduces() -> None:
    vec = VECTORS["matching_draw"]
    inputs, expected = vec["inputs"], vec["expected"]
    frame = vector_frame()
    assert frame.hash_hex == expected["frame_hash_hex"]
    code = one_time_code(inputs["secret_utf8"].encode(), inputs["chain_length"], inputs["iteration"])
    assert code.hex() == expected["one_time_code_hex"]
    ikm = encode_ikm(s["value"] for s in vec["bundle"]["randomness"]["sources"])
    assert ikm == expected["ikm_utf8"]
    matching = run_matching(frame, one_time_code=code, ikm=ikm)
    assert matching.teams() == expected["teams"]
    assert matching.leaders() == expected["leaders"]
    from inspections.draw.evidence import assignments_json

    assert assignments_json(matching) == expected["assignments"]
    reasons = {s["reason"] for a in expected["assignments"] for s in a["skipped"]}
    assert reasons == set(SKIP_REASONS)
    assert any(a["shortfall"] for a in expected["assignments"])


def matching_bundle() -> tuple[dict[str, Any], dict[str, Any]]:
    frame = simple_frame(conflicts=[(example_uscc(0), inspectors(1)[0])])
    sources = [{"kind": "ceremony", "description": "见证人摇号", "value": [3, 14], "collected_at": "t"}]
    announcement = make_announcement(
        published_at="p",
        commitment=chain_commitment(SECRET, 32),
        chain_length=32,
        frame=frame,
        sources=[{"kind": "ceremony", "description": "见证人摇号"}],
    )
    matching = run_matching(frame, one_time_code=CODE, ikm=encode_ikm([[3, 14]]))
    bundle = make_bundle(
        draw={"id": "m1", "iteration": 2, "supersedes": None},
        announcement=announcement,
        one_time_code=CODE,
        sources=sources,
        frame=frame,
        result=matching,
    )
    return bundle, json.loads(json.dumps(announcement))


def test_a_matching_bundle_verifies_and_keeps_inspector_data_out_of_the_entity_fields() -> None:
    bundle, announcement = matching_bundle()
    assert bundle["draw"]["kind"] == "inspectors" and bundle["selected"] == []
    assert bundle["frame"]["strata"] == [] and bundle["frame"]["matching"]["departments"]
    report = verify_bundle(bundle, announcement)
    assert report.ok, report.mismatches


def test_verify_reports_a_swapped_inspector_in_a_matching_bundle() -> None:
    bundle, announcement = matching_bundle()
    bundle["assignments"][0]["chosen"][0]["label"] = "33999999"
    assert "assignments.rederive" in verify_bundle(bundle, announcement).codes()


def test_verify_reports_a_conflict_removed_from_the_frozen_matching_frame() -> None:
    bundle, announcement = matching_bundle()
    conflict = next(c for c in bundle["frame"]["matching"]["constraints"] if c["rule"] == "conflict")
    conflict["pairs"] = []
    assert "frame.hash" in verify_bundle(bundle, announcement).codes()

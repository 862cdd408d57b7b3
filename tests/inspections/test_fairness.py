"""The fairness report: statistics checked against values computed by hand."""

import datetime as dt
import json
import math
import zlib
from fractions import Fraction

import pytest
from django.utils import timezone

from agencies.models import Role
from inspections import fairness
from inspections.models import (
    Draw,
    DrawAssignment,
    DrawFrame,
    DrawSelection,
    InspectionRecord,
    Substitution,
    Task,
)
from inspectors.models import Inspector
from tests.factories import DepartmentFactory, person
from tests.inspections.entities import registry
from tests.inspections.factories import make_task


# --- Pure statistics ------------------------------------------------------------------------
def test_chi_square_tails_match_known_values() -> None:
    assert fairness.chi2_sf(3.841458820694124, 1) == pytest.approx(0.05, rel=1e-9)
    assert fairness.chi2_sf(10.0, 2) == pytest.approx(math.exp(-5.0), rel=1e-12)  # df 2: exp(-x/2)
    assert fairness.chi2_sf(18.307038053275146, 10) == pytest.approx(0.05, rel=1e-9)
    assert fairness.chi2_sf(0.0, 3) == 1.0


def test_the_exact_test_sums_the_hypergeometric_outcomes_at_least_as_extreme() -> None:
    # Two streets of 10, 4 drawn, all from the first: only 4/0 and 0/4 are as extreme.
    # P = 2 * C(10,4) * C(10,0) / C(20,4) = 2 * 210 / 4845.
    fit = fairness.goodness_of_fit([10, 10], [4, 0])
    assert fit.method == "exact" and fit.statistic == pytest.approx(4.0) and fit.df == 1
    assert fit.p_value == pytest.approx(420 / 4845, rel=1e-9)
    # An even split is the most likely outcome: every outcome is at least as extreme.
    assert fairness.goodness_of_fit([10, 10], [2, 2]).p_value == pytest.approx(1.0)


def test_a_large_table_with_small_expected_counts_pools_the_small_streets() -> None:
    sizes, drawn = [300 + 13 * i for i in range(25)], [3 + i % 3 for i in range(25)]
    fit = fairness.goodness_of_fit(sizes, drawn, limit=1000)
    assert fit.method == "pooled" and 0 < fit.p_value <= 1 and fit.df < 24


def test_one_street_or_everything_drawn_is_not_tested() -> None:
    assert fairness.goodness_of_fit([50], [5]).method == "none"
    assert fairness.goodness_of_fit([5, 5], [5, 5]).method == "none"


def test_gini_of_known_load_vectors() -> None:
    assert fairness.gini([0, 0, 0, 4]) == Fraction(3, 4)  # one of four does everything: (n-1)/n
    assert fairness.gini([1, 2, 3, 4]) == Fraction(1, 4)  # sum |xi-xj| = 20, / (2 * 16 * 2.5)
    assert fairness.gini([3, 3, 3]) == 0 and fairness.gini([]) == 0
    spread = fairness.load_spread([0, 0, 0, 4])
    assert (spread.minimum, spread.median, spread.maximum, spread.gini) == (0, 0.0, 4, 0.75)


# --- From the database ----------------------------------------------------------------------
@pytest.fixture
def task(db):
    dept = DepartmentFactory(code="SCJG")
    user = person("clerk", dept, Role.STAFF)
    return make_task(user=user, department=dept), user


def _draw(task, user, *, kind="entities", iteration=1, status="done", **fields) -> Draw:
    return Draw.objects.create(
        task=task, kind=kind, iteration=iteration, status=status, algorithm="ssj-draw/1", created_by=user,
        announced_at=timezone.now(), announcement={}, frame_hash_hex=f"{iteration:064x}", frame_size=0, sources=[],
        one_time_code_hex="ab" * 32, **fields,
    )


def test_a_constructed_draw_gives_the_chi_square_computed_by_hand(task) -> None:
    task, user = task
    streets = {"370113001": registry(100, start=0, region="370113001"), "370113002": registry(100, start=100, region="370113002"),
               "370113003": registry(100, start=200, region="370113003")}
    labels = sorted(e.uscc for rows in streets.values() for e in rows)
    draw = _draw(task, user)
    stratum = {"key": "type:enterprise", "size": 300, "quota": 30, "labels": labels, "private_key": None}
    DrawFrame.objects.create(draw=draw, blob=zlib.compress(json.dumps({"strata": [stratum]}).encode()), summary={})
    picked = [e.uscc for e in streets["370113001"][:16] + streets["370113002"][:8] + streets["370113003"][:6]]
    DrawSelection.objects.bulk_create(
        [DrawSelection(draw=draw, entity_id=u, stratum="type:enterprise", order_hex="00", rank=i) for i, u in enumerate(picked, 1)]
    )
    [report] = fairness.draw_fairness(draw)
    # Expected 10 per street: X² = 6²/10 + 2²/10 + 4²/10 = 5.6, df = 2. Without replacement the
    # statistic is scaled by (N-1)/(N-n) = 299/270; with df 2 the tail is exp(-x/2).
    assert [(s.frame, s.drawn, s.expected) for s in report.streets] == [(100, 16, 10.0), (100, 8, 10.0), (100, 6, 10.0)]
    assert report.fit.method == "chi2" and report.fit.df == 2
    assert report.fit.statistic == pytest.approx(5.6)
    assert report.fit.p_value == pytest.approx(math.exp(-5.6 * 299 / 270 / 2), rel=1e-9)
    assert not report.fit.flagged


def test_repeat_inspections_count_each_task_once(task) -> None:
    task, user = task
    [entity, other] = registry(2)
    draw = _draw(task, user)
    DrawSelection.objects.bulk_create([DrawSelection(draw=draw, entity_id=e.uscc, stratum="s", order_hex="00", rank=i)
                                       for i, e in enumerate([entity, other], 1)])
    day = dt.date(task.year, 6, 1)
    InspectionRecord.objects.create(entity_id=entity.uscc, department=task.department, task=task, inspected_on=day)
    InspectionRecord.objects.create(entity_id=entity.uscc, department=task.department, kind="complaint", inspected_on=day)
    trial = _draw(task, user, iteration=2, trial=True)
    DrawSelection.objects.create(draw=trial, entity_id=other.uscc, stratum="s", order_hex="00", rank=1)
    tasks = Task.objects.filter(pk=task.pk)
    rows, total = fairness.repeat_inspections(year=task.year, tasks=tasks, departments=None)
    assert total == 1 and rows[0].uscc == entity.uscc and rows[0].count == 2
    assert task.code in rows[0].events


def test_inspector_load_follows_substitutions_and_counts_idle_inspectors(task) -> None:
    task, user = task
    pool = [Inspector.objects.create(department=task.department, name=f"甲{i}", cert_no=f"C-{i}") for i in range(4)]
    entities = registry(4)
    match = _draw(task, user, kind="inspectors", iteration=2)
    rows = [DrawAssignment.objects.create(draw=match, entity_id=e.uscc, department=task.department, inspector=pool[0], order_hex="00")
            for e in entities]
    Substitution.objects.create(assignment=rows[0], new_inspector=pool[1], reason="回避", approved_by=user)
    _draw(task, user, kind="inspectors", iteration=3, status="announced")  # not done: not counted
    [load] = fairness.inspector_loads(tasks=Task.objects.filter(pk=task.pk), departments=None)
    # Loads 3, 1, 0, 0: min 0, median 0.5, max 3, Gini = 2*(1*0+2*0+3*1+4*3)/(4*4) - 5/4 = 0.625.
    assert (load.spread.inspectors, load.spread.assignments, load.spread.minimum, load.spread.maximum) == (4, 4, 0, 3)
    assert load.spread.median == 0.5 and load.spread.gini == pytest.approx(0.625)

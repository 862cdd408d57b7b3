"""Fairness report of draws (a report, never a draw): does the selection look like chance?

* **Streets within a stratum.** A draw takes ``quota`` labels without replacement from each
  stratum, so under fair chance the counts per street (Entity.region) follow the multivariate
  hypergeometric distribution with the frame's street sizes. The report gives Pearson's X²
  against the frame shares and a p-value:
  - every expected count >= 5: the chi-square distribution with k−1 degrees of freedom applied
    to X²·(N−1)/(N−n) (the finite-population correction: without replacement X² has mean
    (k−1)(N−n)/(N−1)); the upper tail is the regularized incomplete gamma function Q(df/2, x/2),
    computed here (series / continued fraction, ``math.lgamma``), no SciPy;
  - some expected count < 5: the exact p-value P(X² >= observed) under the hypergeometric law,
    by dynamic programming over streets (partial outcomes whose every completion already
    reaches the observed X² are summed at once); when that would take too long, the chi-square
    approximation after pooling the small streets into one group, labelled as such.
  No random numbers anywhere: the same data gives the same report.
* **Entities inspected more than once in a year**: selections of done, non-trial, current entity
  draws, plus inspection records (a record of a task already counted is not counted twice).
* **Inspector load**: assignments of current matching draws (after recorded substitutions) per
  active inspector of a department, zeros included: min, median, max and the Gini coefficient.

Streets are the entities' current streets (the frame freezes labels, not addresses).
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from statistics import median
from typing import Any, cast

from django.core.cache import cache
from django.db.models import Q, QuerySet

from agencies.models import Department
from agencies.selectors import department_ids, sees_all_departments
from entities.models import Entity, Region
from inspections.drawing import unpack
from inspections.models import Draw, DrawAssignment, DrawSelection, InspectionRecord, Substitution, Task
from inspectors.models import Inspector

ALPHA = 0.01  # a stratum is flagged below this p-value
EXACT_WORK_LIMIT = 150_000  # transitions of the exact computation before it falls back
REPEAT_LIMIT = 200


# --- Statistics (pure) ------------------------------------------------------------------------
def _log_comb(n: int, k: int) -> float:
    return math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1)


def _gamma_p_series(a: float, x: float) -> float:
    term = total = 1.0 / a
    ap = a
    for _ in range(100_000):
        ap += 1.0
        term *= x / ap
        total += term
        if abs(term) < abs(total) * 1e-16:
            break
    return total * math.exp(-x + a * math.log(x) - math.lgamma(a))


def _gamma_q_fraction(a: float, x: float) -> float:
    """Modified Lentz evaluation of the continued fraction for Q(a, x), x >= a + 1."""
    tiny = 1e-300
    b = x + 1.0 - a
    c, d = 1.0 / tiny, 1.0 / b
    h = d
    for i in range(1, 100_000):
        an = -i * (i - a)
        b += 2.0
        d = an * d + b
        d = tiny if abs(d) < tiny else d
        c = b + an / c
        c = tiny if abs(c) < tiny else c
        d = 1.0 / d
        delta = d * c
        h *= delta
        if abs(delta - 1.0) < 1e-16:
            break
    return math.exp(-x + a * math.log(x) - math.lgamma(a)) * h


def regularized_gamma_q(a: float, x: float) -> float:
    """Q(a, x) = Γ(a, x) / Γ(a), the upper regularized incomplete gamma function."""
    if a <= 0 or x < 0:
        raise ValueError("a > 0 and x >= 0 required")
    if x == 0:
        return 1.0
    if x < a + 1.0:
        return max(0.0, 1.0 - _gamma_p_series(a, x))
    return _gamma_q_fraction(a, x)


def chi2_sf(x: float, df: int) -> float:
    """P(χ²_df >= x)."""
    return 1.0 if x <= 0 else regularized_gamma_q(df / 2.0, x / 2.0)


def pearson(observed: Sequence[int], expected: Sequence[float]) -> float:
    return sum((o - e) ** 2 / e for o, e in zip(observed, expected, strict=True))


def exact_p_value(sizes: Sequence[int], observed: Sequence[int], *, limit: int = EXACT_WORK_LIMIT) -> float | None:
    """P(X² >= observed X²) when ``sum(observed)`` labels are drawn without replacement from
    groups of ``sizes``; None when the computation would exceed ``limit`` steps."""
    n, total = sum(observed), sum(sizes)
    expected = [n * s / total for s in sizes]
    threshold = pearson(observed, expected)
    threshold -= 1e-9 * max(1.0, threshold)  # outcomes equal to the observed one count
    states: dict[tuple[int, float], float] = {(0, 0.0): 1.0}  # (drawn so far, partial X²) -> probability
    left_size, left_e, tail, work = total, float(n), 0.0, 0
    for size, e in zip(sizes, expected, strict=True):
        rest_size, rest_e = left_size - size, left_e - e
        following: dict[tuple[int, float], float] = defaultdict(float)
        for (drawn, partial), prob in states.items():
            left = n - drawn
            for o in range(max(0, left - rest_size), min(size, left) + 1):
                work += 1
                if work > limit:
                    return None
                p = prob * math.exp(_log_comb(size, o) + _log_comb(rest_size, left - o) - _log_comb(left_size, left))
                x = partial + (o - e) ** 2 / e
                # The least the remaining streets can add (Cauchy–Schwarz): (r − Σe)² / Σe.
                r = left - o
                bound = x + ((r - rest_e) ** 2 / rest_e if rest_size else 0.0)
                if bound >= threshold:
                    tail += p
                elif rest_size:
                    following[(drawn + o, round(x, 9))] += p
        states, left_size, left_e = following, rest_size, rest_e
    return min(1.0, tail)


def _pooled(sizes: Sequence[int], observed: Sequence[int], expected: Sequence[float]) -> tuple[list[int], list[float]]:
    """Small groups (expected < 5) merged, smallest first, until every group expects >= 5."""
    order = sorted(range(len(sizes)), key=lambda i: (expected[i], i))
    pool_o, pool_e, i = 0, 0.0, 0
    while i < len(order) and (pool_e < 5 or expected[order[i]] < 5):
        pool_o, pool_e, i = pool_o + observed[order[i]], pool_e + expected[order[i]], i + 1
    rest = order[i:]
    return [pool_o] + [observed[j] for j in rest], [pool_e] + [expected[j] for j in rest]


@dataclass(frozen=True)
class Fit:
    statistic: float | None
    df: int
    p_value: float | None
    method: str  # "chi2", "exact", "pooled" or "none"

    @property
    def flagged(self) -> bool:
        return self.p_value is not None and self.p_value < ALPHA


def goodness_of_fit(sizes: Sequence[int], observed: Sequence[int], *, limit: int = EXACT_WORK_LIMIT) -> Fit:
    """Drawn counts per group against the groups' shares of the frame (see the module doc)."""
    pairs = [(s, o) for s, o in zip(sizes, observed, strict=True) if s > 0]
    sizes, observed = [s for s, _ in pairs], [o for _, o in pairs]
    total, n, df = sum(sizes), sum(observed), len(pairs) - 1
    if df < 1 or n == 0 or n >= total:
        return Fit(None, max(df, 0), None, "none")
    expected = [n * s / total for s in sizes]
    correction = (total - 1) / (total - n)
    statistic = pearson(observed, expected)
    if min(expected) >= 5:
        return Fit(statistic, df, chi2_sf(statistic * correction, df), "chi2")
    order = sorted(range(len(sizes)), key=lambda i: sizes[i])  # small streets first: a little faster
    exact = exact_p_value([sizes[i] for i in order], [observed[i] for i in order], limit=limit)
    if exact is not None:
        return Fit(statistic, df, exact, "exact")
    pooled_o, pooled_e = _pooled(sizes, observed, expected)
    if len(pooled_o) < 2:
        return Fit(statistic, df, None, "none")
    pooled = pearson(pooled_o, pooled_e)
    return Fit(pooled, len(pooled_o) - 1, chi2_sf(pooled * correction, len(pooled_o) - 1), "pooled")


def gini(values: Iterable[int]) -> Fraction:
    """Gini coefficient of non-negative counts: 0 when equal, (n−1)/n when one has everything."""
    xs = sorted(values)
    n, total = len(xs), sum(xs)
    if n == 0 or total == 0:
        return Fraction(0)
    weighted = sum(i * x for i, x in enumerate(xs, start=1))
    return Fraction(2 * weighted, n * total) - Fraction(n + 1, n)


@dataclass(frozen=True)
class LoadSpread:
    inspectors: int
    assignments: int
    minimum: int
    median: float
    maximum: int
    gini: float


def load_spread(values: Sequence[int]) -> LoadSpread:
    if not values:
        return LoadSpread(0, 0, 0, 0.0, 0, 0.0)
    return LoadSpread(len(values), sum(values), min(values), float(median(values)), max(values), float(gini(values)))


# --- Draws --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class StreetCount:
    region: str
    name: str
    frame: int
    drawn: int
    expected: float


@dataclass(frozen=True)
class StratumFairness:
    key: str
    private_key: str | None
    size: int
    quota: int
    streets: list[StreetCount]
    fit: Fit


def _regions(labels: list[str]) -> dict[str, str]:
    found: dict[str, str] = {}
    for start in range(0, len(labels), 5000):
        chunk = labels[start:start + 5000]
        found.update(Entity.objects.filter(uscc__in=chunk).values_list("uscc", "region_id"))
    return found


def _compute_draw_fairness(draw: Draw) -> list[StratumFairness]:
    strata = unpack(draw.frame.blob)["strata"]
    region_of = _regions([label for s in strata for label in s["labels"]])
    drawn: dict[str, Counter[str]] = defaultdict(Counter)
    for uscc, stratum in DrawSelection.objects.filter(draw=draw).values_list("entity_id", "stratum"):
        drawn[stratum][region_of.get(uscc, "")] += 1
    names = dict(Region.objects.filter(code__in=set(region_of.values())).values_list("code", "name"))
    reports = []
    for s in strata:
        frame = Counter(region_of.get(label, "") for label in s["labels"])
        regions = sorted(frame)
        fit = goodness_of_fit([frame[r] for r in regions], [drawn[s["key"]][r] for r in regions])
        streets = [
            StreetCount(r, names.get(r, r or "—"), frame[r], drawn[s["key"]][r], s["quota"] * frame[r] / max(1, s["size"]))
            for r in regions
        ]
        reports.append(StratumFairness(s["key"], s.get("private_key"), s["size"], s["quota"], streets, fit))
    return reports


def draw_fairness(draw: Draw) -> list[StratumFairness]:
    """Per stratum of a done entity draw (cached: a done draw never changes)."""
    if draw.kind != Draw.Kind.ENTITIES or draw.status != Draw.Status.DONE:
        return []
    key = f"fairness:draw:{draw.pk}:{draw.frame_hash_hex}:{draw.one_time_code_hex}"
    return cast(list[StratumFairness], cache.get_or_set(key, lambda: _compute_draw_fairness(draw), 3600))


def task_draws_for_fairness(*, task: Task) -> QuerySet[Draw]:
    return Draw.objects.filter(task=task, kind=Draw.Kind.ENTITIES, trial=False, status=Draw.Status.DONE).select_related(
        "superseded_by"
    ).order_by("iteration")


# --- The year ------------------------------------------------------------------------------------
def tasks_for_year(*, user: Any, year: int) -> QuerySet[Task]:
    """Oversight: every task of the year. Department people: their departments' tasks."""
    qs = Task.objects.filter(year=year)
    if sees_all_departments(user):
        return qs
    mine = department_ids(user)
    return qs.filter(Q(department_id__in=mine) | Q(participants__department_id__in=mine)).distinct()


def _current(kind: str, tasks: QuerySet[Task]) -> QuerySet[Draw]:
    return Draw.objects.filter(task__in=tasks, kind=kind, trial=False, status=Draw.Status.DONE, superseded_by__isnull=True)


def current_entity_draws(*, tasks: QuerySet[Task]) -> QuerySet[Draw]:
    return _current(Draw.Kind.ENTITIES, tasks).select_related("task").order_by("task__code", "iteration")


@dataclass
class RepeatedEntity:
    uscc: str
    name: str
    events: list[str] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.events)


def repeat_inspections(*, year: int, tasks: QuerySet[Task], departments: set[int] | None) -> tuple[list[RepeatedEntity], int]:
    """Entities inspected more than once in the year (at most REPEAT_LIMIT rows, most first) and their number."""
    events: dict[str, dict[tuple[str, int], str]] = defaultdict(dict)
    selections = DrawSelection.objects.filter(draw__in=_current(Draw.Kind.ENTITIES, tasks))
    for uscc, task_id, code in selections.values_list("entity_id", "draw__task_id", "draw__task__code"):
        events[uscc][("task", task_id)] = code
    records = InspectionRecord.objects.filter(inspected_on__year=year)
    if departments is not None:
        records = records.filter(department_id__in=departments)
    kinds = dict(InspectionRecord.Kind.choices)
    for pk, uscc, task_id, code, kind, day in records.values_list("pk", "entity_id", "task_id", "task__code", "kind", "inspected_on"):
        key = ("task", task_id) if task_id else ("record", pk)
        events[uscc].setdefault(key, code or f"{kinds.get(kind, kind)} {day.isoformat()}")
    repeated = sorted(((u, e) for u, e in events.items() if len(e) > 1), key=lambda item: (-len(item[1]), item[0]))
    shown = repeated[:REPEAT_LIMIT]
    names = dict(Entity.objects.filter(uscc__in=[u for u, _ in shown]).values_list("uscc", "name"))
    return [RepeatedEntity(u, names.get(u, ""), sorted(e.values())) for u, e in shown], len(repeated)


@dataclass(frozen=True)
class DepartmentLoad:
    department: str
    spread: LoadSpread


def inspector_loads(*, tasks: QuerySet[Task], departments: set[int] | None) -> list[DepartmentLoad]:
    assignments = DrawAssignment.objects.filter(draw__in=_current(Draw.Kind.INSPECTORS, tasks))
    load: Counter[int] = Counter(assignments.values_list("inspector_id", flat=True))
    latest: dict[int, tuple[int, int]] = {}
    subs = Substitution.objects.filter(assignment__in=assignments).order_by("at", "pk")
    for assignment_id, old, new in subs.values_list("assignment_id", "assignment__inspector_id", "new_inspector_id"):
        latest[assignment_id] = (old, new)
    for old, new in latest.values():
        load[old] -= 1
        load[new] += 1
    people = Inspector.objects.filter(Q(is_active=True) | Q(pk__in=[i for i, n in load.items() if n]))
    if departments is not None:
        people = people.filter(department_id__in=departments)
    by_department: dict[int, list[int]] = defaultdict(list)
    for pk, department_id in people.values_list("pk", "department_id"):
        by_department[department_id].append(load[pk])
    names = dict(Department.objects.filter(pk__in=by_department).values_list("pk", "name"))
    return [DepartmentLoad(names[d], load_spread(v)) for d, v in sorted(by_department.items(), key=lambda i: names[i[0]])]


def departments_in_view(user: Any) -> set[int] | None:
    """None for oversight (every department), else the person's departments."""
    return None if sees_all_departments(user) else department_ids(user)

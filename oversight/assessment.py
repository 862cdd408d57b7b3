"""The assessment (考核): each KPI per department and period, computed by grouped SQL.

docs/assessment.md defines every indicator; the functions below follow it line by line. Each
KPI is a fraction ``num / den`` per department; a department with ``den == 0`` has no value for
it and that KPI's weight is left out of its score (the remaining weights are rescaled).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from django.db import connection
from django.db.models import Count, DateTimeField, Exists, F, OuterRef, Q, Subquery
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from agencies.models import Department
from core.workdays import add_working_days, load_calendar
from inspections.models import (
    Draw,
    EntityFeedback,
    InspectionItem,
    InspectionRecord,
    ParticipantStatus,
    Result,
    ResultCategory,
    ResultReview,
    Task,
    TaskParticipant,
    TaskStatus,
)
from inspections.results import PUBLICATION_WORKING_DAYS
from inspectors.models import Inspector
from oversight.models import AssessmentScheme, Kpi, LetterItem, LetterStatus

LOWER_IS_BETTER = {Kpi.REPEAT_INSPECTION}
DONE_STATUSES = (TaskStatus.RESULTS_PUBLISHED, TaskStatus.CLOSED)
TAKING_PART = (ParticipantStatus.INITIATOR, ParticipantStatus.CLAIMED)
FRESH_DAYS = 365
MIN_TEAM = 2
DEFAULT_WEIGHTS = {
    Kpi.TASK_COMPLETION: 15, Kpi.ON_TIME_PUBLICATION: 15, Kpi.JOINT_SHARE: 15, Kpi.RISK_RATIO_DRAWS: 10,
    Kpi.POOL_COVERAGE: 10, Kpi.POOL_FRESHNESS: 5, Kpi.PROBLEM_FINDING: 5, Kpi.REPEAT_INSPECTION: 10,
    Kpi.FOLLOW_UP_VISITS: 5, Kpi.LETTERS_ON_TIME: 10,
}
PERIODS = {"h1": _("年中考核（1月1日—6月30日）"), "year": _("年度考核（1月1日—12月31日）")}


@dataclass(frozen=True)
class Period:
    year: int
    kind: str  # "h1" or "year"

    @property
    def start(self) -> dt.date:
        return dt.date(self.year, 1, 1)

    @property
    def end(self) -> dt.date:
        return dt.date(self.year, 6, 30) if self.kind == "h1" else dt.date(self.year, 12, 31)

    @property
    def label(self) -> str:
        return f"{self.year} {PERIODS[self.kind]}"


@dataclass(frozen=True)
class Ratio:
    num: int
    den: int

    @property
    def value(self) -> Fraction | None:
        return Fraction(self.num, self.den) if self.den else None

    @property
    def percent(self) -> str:
        return "—" if self.value is None else f"{float(self.value) * 100:.1f}%"


@dataclass
class DepartmentRow:
    department: Department
    ratios: dict[str, Ratio] = field(default_factory=dict)
    score: Fraction | None = None
    rank: int | None = None

    @property
    def score_text(self) -> str:
        return "—" if self.score is None else f"{float(self.score):.2f}"

    def cells(self) -> list[Ratio]:
        return [self.ratios[k] for k in Kpi.values]


@dataclass
class Assessment:
    period_start: dt.date
    period_end: dt.date
    as_of: dt.date
    weights: dict[str, int]
    rows: list[DepartmentRow]

    @property
    def kpis(self) -> list[tuple[str, Any, int]]:
        return [(k, Kpi(k).label, self.weights.get(k, 0)) for k in Kpi.values]


Counts = dict[int, list[int]]  # department id -> [num, den]


def _counts(rows: Any, key: str = "department_id") -> Counts:
    return {r[key]: [r["num"], r["den"]] for r in rows}


# --- The indicators ------------------------------------------------------------------------------
def task_completion(start: dt.date, end: dt.date, as_of: dt.date) -> Counts:
    rows = (
        TaskParticipant.objects.filter(status__in=TAKING_PART, task__deadline__range=(start, end))
        .exclude(task__status=TaskStatus.DRAFT)
        .values("department_id")
        .annotate(den=Count("task_id", distinct=True), num=Count("task_id", distinct=True, filter=Q(task__status__in=DONE_STATUSES)))
    )
    return _counts(rows)


def publication_due(window_end: dt.date) -> dt.date:
    return add_working_days(window_end, PUBLICATION_WORKING_DAYS, calendar=load_calendar()).date


def on_time_publication(start: dt.date, end: dt.date, as_of: dt.date) -> Counts:
    # 20 working days never span more than ~45 calendar days (Spring Festival included).
    last = min(end, as_of)
    candidates = Task.objects.filter(window_end__range=(start - dt.timedelta(days=60), last)).values_list("pk", "window_end")
    due = {pk: publication_due(w) for pk, w in candidates}
    due = {pk: d for pk, d in due.items() if start <= d <= last}
    approved = ResultReview.objects.filter(result=OuterRef("pk"), action=ResultReview.Action.APPROVE).order_by("at").values("at")[:1]
    rows = (
        Result.objects.filter(task_id__in=list(due))
        .annotate(approved_on=TruncDate(Subquery(approved, output_field=DateTimeField())))
        .values("department_id", "task_id", "approved_on")
        .annotate(n=Count("id"))
    )
    out: Counts = defaultdict(lambda: [0, 0])
    for r in rows:
        out[r["department_id"]][1] += r["n"]
        if r["approved_on"] is not None and r["approved_on"] <= due[r["task_id"]]:
            out[r["department_id"]][0] += r["n"]
    return dict(out)


def joint_share(start: dt.date, end: dt.date, as_of: dt.date) -> Counts:
    rows = (
        TaskParticipant.objects.filter(status__in=TAKING_PART, task__window_start__range=(start, end))
        .exclude(task__status=TaskStatus.DRAFT)
        .values("department_id")
        .annotate(den=Count("task_id", distinct=True), num=Count("task_id", distinct=True, filter=Q(task__scope=Task.Scope.JOINT)))
    )
    return _counts(rows)


def risk_ratio_draws(start: dt.date, end: dt.date, as_of: dt.date) -> Counts:
    rows = (
        Draw.objects.filter(
            kind=Draw.Kind.ENTITIES, trial=False, status=Draw.Status.DONE, done_at__date__range=(start, end),
            superseded_by__isnull=True,
        )
        .values("task__department_id")
        .annotate(den=Count("id"), num=Count("id", filter=Q(task__sampling=Task.Sampling.RISK_RATIO)))
    )
    return _counts(rows, "task__department_id")


def _available_inspectors(as_of: dt.date) -> Any:
    return Inspector.objects.filter(is_active=True).filter(Q(cert_valid_until__isnull=True) | Q(cert_valid_until__gte=as_of))


def pool_coverage(start: dt.date, end: dt.date, as_of: dt.date) -> Counts:
    available = _available_inspectors(as_of)
    per_field = {
        (r["department_id"], r["fields"]): r["n"]
        for r in available.filter(fields__isnull=False).values("department_id", "fields").annotate(n=Count("id"))
    }
    per_department = {r["department_id"]: r["n"] for r in available.values("department_id").annotate(n=Count("id"))}
    through = InspectionItem.required_fields.through
    required: dict[int, set[str]] = defaultdict(set)
    for item_id, field_id in through.objects.filter(inspectionitem__is_active=True).values_list("inspectionitem_id", "field_id"):
        required[item_id].add(field_id)
    out: Counts = defaultdict(lambda: [0, 0])
    for item_id, department_id in InspectionItem.objects.filter(is_active=True).values_list("pk", "department_id"):
        fields = required.get(item_id)
        covered = (
            all(per_field.get((department_id, f), 0) >= MIN_TEAM for f in fields)
            if fields else per_department.get(department_id, 0) >= MIN_TEAM
        )
        out[department_id][1] += 1
        out[department_id][0] += int(covered)
    return dict(out)


def pool_freshness(start: dt.date, end: dt.date, as_of: dt.date) -> Counts:
    since = timezone.make_aware(dt.datetime.combine(as_of - dt.timedelta(days=FRESH_DAYS), dt.time.min))
    fresh = Q(updated_at__gte=since) & (Q(cert_valid_until__isnull=True) | Q(cert_valid_until__gte=as_of))
    rows = Inspector.objects.filter(is_active=True).values("department_id").annotate(den=Count("id"), num=Count("id", filter=fresh))
    return _counts(rows)


def problem_finding(start: dt.date, end: dt.date, as_of: dt.date) -> Counts:
    found = Q(categories__icontains=f'"{ResultCategory.PROBLEM_PENDING.value}"') | Q(
        categories__icontains=f'"{ResultCategory.CORRECTED.value}"'
    )
    rows = (
        Result.objects.filter(status=Result.Status.APPROVED, inspected_on__range=(start, end))
        .values("department_id")
        .annotate(den=Count("id"), num=Count("id", filter=found))
    )
    return _counts(rows)


def repeat_inspection(start: dt.date, end: dt.date, as_of: dt.date) -> Counts:
    table = InspectionRecord._meta.db_table
    sql = (
        "SELECT department_id, SUM(CASE WHEN days > 1 THEN 1 ELSE 0 END) AS num, COUNT(*) AS den FROM ("  # noqa: S608
        f" SELECT department_id, entity_id, COUNT(DISTINCT inspected_on) AS days FROM {table}"
        " WHERE inspected_on BETWEEN %s AND %s GROUP BY department_id, entity_id"
        ") per_entity GROUP BY department_id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [start, end])
        return {d: [int(num), int(den)] for d, num, den in cursor.fetchall()}


def follow_up_visits(start: dt.date, end: dt.date, as_of: dt.date) -> Counts:
    visited = EntityFeedback.objects.filter(
        department_id=OuterRef("department_id"), entity_id=OuterRef("entity_id"), visited_on__gte=OuterRef("inspected_on"),
        visited_on__lte=as_of,
    )
    rows = (
        InspectionRecord.objects.filter(kind=InspectionRecord.Kind.RANDOM, inspected_on__range=(start, end))
        .values("department_id")
        .annotate(den=Count("entity_id", distinct=True), num=Count("entity_id", distinct=True, filter=Q(Exists(visited))))
    )
    return _counts(rows)


def letters_on_time(start: dt.date, end: dt.date, as_of: dt.date) -> Counts:
    rows = (
        LetterItem.objects.filter(due__range=(start, min(end, as_of)))
        .exclude(letter__status=LetterStatus.DRAFT)
        .values("letter__department_id")
        .annotate(
            den=Count("id"),
            num=Count("id", filter=Q(answered_on__isnull=False, answered_on__lte=F("due"))),
        )
    )
    return _counts(rows, "letter__department_id")


INDICATORS = {
    Kpi.TASK_COMPLETION: task_completion,
    Kpi.ON_TIME_PUBLICATION: on_time_publication,
    Kpi.JOINT_SHARE: joint_share,
    Kpi.RISK_RATIO_DRAWS: risk_ratio_draws,
    Kpi.POOL_COVERAGE: pool_coverage,
    Kpi.POOL_FRESHNESS: pool_freshness,
    Kpi.PROBLEM_FINDING: problem_finding,
    Kpi.REPEAT_INSPECTION: repeat_inspection,
    Kpi.FOLLOW_UP_VISITS: follow_up_visits,
    Kpi.LETTERS_ON_TIME: letters_on_time,
}


# --- Weights, scores and the ranking ---------------------------------------------------------------
def current_weights() -> dict[str, int]:
    scheme = AssessmentScheme.objects.filter(is_current=True).prefetch_related("weights").first()
    if scheme is None:
        return {str(k): v for k, v in DEFAULT_WEIGHTS.items()}
    return {w.kpi: w.weight for w in scheme.weights.all()}


def score(ratios: dict[str, Ratio], weights: dict[str, int]) -> Fraction | None:
    """Weighted mean of the KPIs that have a value, on 0–100; lower-is-better KPIs count as 1 − x."""
    total, weight_sum = Fraction(0), 0
    for kpi, ratio in ratios.items():
        w, value = weights.get(kpi, 0), ratio.value
        if value is None or not w:
            continue
        total += w * ((1 - value) if kpi in LOWER_IS_BETTER else value)
        weight_sum += w
    return total * 100 / weight_sum if weight_sum else None


def rank(rows: list[DepartmentRow]) -> list[DepartmentRow]:
    """Highest score first; equal scores share a rank (1, 1, 3); no score comes last, unranked."""
    rows.sort(key=lambda r: (r.score is None, -(r.score or 0), r.department.code))
    previous: Fraction | None = None
    for position, row in enumerate(rows, 1):
        if row.score is None:
            break
        row.rank = rows[position - 2].rank if position > 1 and row.score == previous else position
        previous = row.score
    return rows


def assessed_departments() -> Any:
    return Department.objects.filter(is_active=True, kind=Department.Kind.REGULATOR, level=Department.Level.DISTRICT).order_by("code")


def compute_assessment(*, start: dt.date, end: dt.date, as_of: dt.date | None = None, weights: dict[str, int] | None = None) -> Assessment:
    as_of = min(as_of or timezone.localdate(), end)
    weights = weights or current_weights()
    counts = {kpi: fn(start, end, as_of) for kpi, fn in INDICATORS.items()}
    rows = []
    for department in assessed_departments():
        ratios = {str(k): Ratio(*counts[k].get(department.pk, [0, 0])) for k in INDICATORS}
        rows.append(DepartmentRow(department=department, ratios=ratios, score=score(ratios, weights)))
    return Assessment(period_start=start, period_end=end, as_of=as_of, weights=weights, rows=rank(rows))

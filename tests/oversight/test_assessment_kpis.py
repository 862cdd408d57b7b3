"""Each KPI on a small constructed data set equals the value computed by hand (docs/assessment.md).

Period: the 2026 mid-year assessment (1 Jan – 30 Jun), as of 30 Jun 2026.
Departments: A (甲局) and B (乙局). Every number below is written out in the comments.
"""

import datetime as dt
from fractions import Fraction
from zoneinfo import ZoneInfo

import pytest

from agencies.models import Role
from inspections.models import (
    Draw,
    EntityFeedback,
    InspectionItem,
    InspectionRecord,
    ParticipantStatus,
    Result,
    ResultReview,
    Task,
    TaskParticipant,
    Visit,
)
from inspectors.models import Field, Inspector
from oversight.assessment import compute_assessment, rank, score
from oversight.models import Kpi, LetterItem, ReminderLetter
from tests.factories import DepartmentFactory, person
from tests.inspections.entities import code, registry

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")
START, END = dt.date(2026, 1, 1), dt.date(2026, 6, 30)


def at(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(10), tzinfo=SH)


class World:
    pass


def _task(w, code_, dept, *, status, deadline, window, scope="single", sampling="ratio"):
    task = Task.objects.create(
        code=code_, title=code_, department=dept, year=2026, status=status, deadline=deadline,
        window_start=window[0], window_end=window[1], scope=scope, sampling=sampling, created_by=w.user,
    )
    TaskParticipant.objects.create(task=task, department=dept, status=ParticipantStatus.INITIATOR)
    return task


def _result(w, task, dept, item, entity, *, status, categories, inspected_on, approved_on=None):
    visit, _ = Visit.objects.get_or_create(entity_id=entity, window_start=task.window_start, window_end=task.window_end)
    result = Result.objects.create(
        visit=visit, task=task, department=dept, item=item, entity_id=entity, categories=categories, methods=["on_site"],
        inspected_on=inspected_on, status=status, entered_by=w.user,
    )
    if approved_on:
        review = ResultReview.objects.create(result=result, action="approve", actor=w.user)
        ResultReview.objects.filter(pk=review.pk).update(at=at(approved_on))
    return result


def _draw(w, task, iteration, *, done, trial=False, kind="entities", supersedes=None):
    return Draw.objects.create(
        task=task, kind=kind, iteration=iteration, trial=trial, status="done", algorithm="t", created_by=w.user,
        announced_at=at(done), announcement={}, frame_hash_hex="0" * 64, frame_size=0, sources=[], done_at=at(done),
        supersedes=supersedes, reason="重抽" if supersedes else "",
    )


@pytest.fixture
def world():
    w = World()
    w.a, w.b = DepartmentFactory(code="A", name="甲局"), DepartmentFactory(code="B", name="乙局")
    w.user = person("clerk", w.a, Role.STAFF)
    registry(4)
    e0, e1, e2, e3 = (code(i) for i in range(4))
    food, fire = Field.objects.create(code="t-food", name="测试食品"), Field.objects.create(code="t-fire", name="测试消防")

    # Items (pool coverage): A i1 needs food, i2 food+fire, i3 nothing, i4 inactive; B j1 nothing.
    i1 = InspectionItem.objects.create(department=w.a, code="i1", name="i1")
    i1.required_fields.set([food])
    i2 = InspectionItem.objects.create(department=w.a, code="i2", name="i2")
    i2.required_fields.set([food, fire])
    InspectionItem.objects.create(department=w.a, code="i3", name="i3")
    InspectionItem.objects.create(department=w.a, code="i4", name="i4", is_active=False)
    j1 = InspectionItem.objects.create(department=w.b, code="j1", name="j1")

    # Inspectors: A p1 food, p2 food+fire (cert to 2027), p3 stale (last updated Jan 2025),
    # p4 fire with a certificate expired on 1 Jan 2026, p5 food but inactive; B q1.
    def insp(n, dept, fields=(), **kw):
        p = Inspector.objects.create(department=dept, name=n, cert_no=n, **kw)
        p.fields.set(fields)
        return p

    insp("p1", w.a, [food])
    insp("p2", w.a, [food, fire], cert_valid_until=dt.date(2027, 1, 1))
    p3 = insp("p3", w.a)
    insp("p4", w.a, [fire], cert_valid_until=dt.date(2026, 1, 1))
    insp("p5", w.a, [food], is_active=False)
    insp("q1", w.b)
    Inspector.objects.filter(pk=p3.pk).update(updated_at=at(dt.date(2025, 1, 1)))

    # Tasks. T1 A closed, deadline 31 Mar, window Feb; T2 A inspecting, deadline 31 May, window Apr;
    # T3 B joint (A claimed), results published, deadline 15 Jun, window 1–20 May;
    # T4 A deadline 31 Aug, window Jul (outside); T5 A draft (never counts); T6 B invites A, unclaimed.
    t1 = _task(w, "T1", w.a, status="closed", deadline=dt.date(2026, 3, 31), window=(dt.date(2026, 2, 1), dt.date(2026, 2, 28)), sampling="risk_ratio")
    t2 = _task(w, "T2", w.a, status="inspecting", deadline=dt.date(2026, 5, 31), window=(dt.date(2026, 4, 1), dt.date(2026, 4, 30)))
    t3 = _task(w, "T3", w.b, status="results_published", deadline=dt.date(2026, 6, 15), window=(dt.date(2026, 5, 1), dt.date(2026, 5, 20)), scope="joint", sampling="risk_ratio")
    TaskParticipant.objects.create(task=t3, department=w.a, status=ParticipantStatus.CLAIMED)
    _task(w, "T4", w.a, status="published", deadline=dt.date(2026, 8, 31), window=(dt.date(2026, 7, 1), dt.date(2026, 7, 31)))
    _task(w, "T5", w.a, status="draft", deadline=dt.date(2026, 4, 30), window=(dt.date(2026, 3, 1), dt.date(2026, 3, 31)))
    t6 = _task(w, "T6", w.b, status="published", deadline=dt.date(2026, 6, 1), window=(dt.date(2026, 5, 1), dt.date(2026, 5, 31)), scope="joint")
    TaskParticipant.objects.create(task=t6, department=w.a, status=ParticipantStatus.INVITED)

    # Results. T1 is due for publication on Fri 27 Mar (20 working days after Sat 28 Feb);
    # T3 on Wed 17 Jun (20 working days after Wed 20 May).
    _result(w, t1, w.a, i1, e0, status="approved", categories=["problem_pending"], inspected_on=dt.date(2026, 2, 10), approved_on=dt.date(2026, 3, 20))
    _result(w, t1, w.a, i1, e1, status="approved", categories=["no_problem"], inspected_on=dt.date(2026, 2, 12), approved_on=dt.date(2026, 4, 2))
    _result(w, t1, w.a, i1, e2, status="submitted", categories=["no_problem"], inspected_on=dt.date(2026, 2, 14))
    _result(w, t3, w.a, i1, e2, status="approved", categories=["problem_pending", "corrected"], inspected_on=dt.date(2026, 5, 10), approved_on=dt.date(2026, 6, 10))
    _result(w, t3, w.b, j1, e0, status="approved", categories=["no_problem"], inspected_on=dt.date(2026, 5, 12), approved_on=dt.date(2026, 6, 20))

    # Inspection history: A e0 on 10 and 12 Feb (twice), e1 on 10 Feb (random) and 3 Mar (daily),
    # e2 twice on 10 May (one day), e3 on 1 Jul (outside); B e0 on 12 May.
    def rec(dept, entity, day, kind="random", task=t1):
        InspectionRecord.objects.create(entity_id=entity, department=dept, task=task, kind=kind, inspected_on=day)

    rec(w.a, e0, dt.date(2026, 2, 10))
    rec(w.a, e0, dt.date(2026, 2, 12))
    rec(w.a, e1, dt.date(2026, 2, 10))
    rec(w.a, e1, dt.date(2026, 3, 3), kind="daily", task=None)
    rec(w.a, e2, dt.date(2026, 5, 10), task=t3)
    rec(w.a, e2, dt.date(2026, 5, 10), task=t3)
    rec(w.a, e3, dt.date(2026, 7, 1))
    rec(w.b, e0, dt.date(2026, 5, 12), task=t3)

    # Follow-up visits: A visited e0 on 1 Mar (after its inspection); B visited e1 (A's entity:
    # does not count for A); A visited e2 on 1 May (before its inspection on 10 May: does not
    # count); B visited e0 on 1 Jun.
    def fb(dept, entity, day, task):
        EntityFeedback.objects.create(task=task, entity_id=entity, department=dept, visited_on=day, satisfaction=5, recorded_by=w.user)

    fb(w.a, e0, dt.date(2026, 3, 1), t1)
    fb(w.b, e1, dt.date(2026, 3, 1), t1)
    fb(w.a, e2, dt.date(2026, 5, 1), t3)
    fb(w.b, e0, dt.date(2026, 6, 1), t3)

    # Draws: T1 risk ratios (done 1 Feb) and a trial; T2 ratio, drawn again (only the second
    # counts) plus an inspectors' draw; T3 (B) risk ratios.
    _draw(w, t1, 1, done=dt.date(2026, 2, 1))
    _draw(w, t1, 2, done=dt.date(2026, 2, 1), trial=True)
    first = _draw(w, t2, 1, done=dt.date(2026, 4, 1))
    _draw(w, t2, 2, done=dt.date(2026, 4, 2), supersedes=first)
    _draw(w, t2, 3, done=dt.date(2026, 4, 3), kind="inspectors")
    _draw(w, t3, 1, done=dt.date(2026, 5, 1))

    # Letters to A: items due 10 Mar answered 9 Mar (on time) and 12 Mar (late), due 10 May
    # unanswered (late), due 1 Aug unanswered (not yet due: outside).
    office = DepartmentFactory(code="LXB", name="联席办", kind="office")
    letter = ReminderLetter.objects.create(
        issuer=office, department=w.a, title="提醒", status="sent", year=2026, number=1, reference="联席办提醒〔2026〕1号", created_by=w.user,
        signed_by=w.user, sent_at=at(dt.date(2026, 3, 2)), sent_on=dt.date(2026, 3, 2),
    )
    for seq, due, answered in [(1, (3, 10), (3, 9)), (2, (3, 10), (3, 12)), (3, (5, 10), None), (4, (8, 1), None)]:
        LetterItem.objects.create(
            letter=letter, seq=seq, text=f"事项{seq}", working_days=5, due=dt.date(2026, *due),
            answer="已整改" if answered else "", answered_on=dt.date(2026, *answered) if answered else None,
            answered_at=at(dt.date(2026, *answered)) if answered else None,
        )
    return w


def _ratios(w):
    result = compute_assessment(start=START, end=END, as_of=END, weights={k: 10 for k in Kpi.values})
    rows = {r.department.code: r for r in result.rows}
    return result, rows


@pytest.mark.parametrize(
    ("kpi", "a", "b"),
    [
        # A: T1, T2, T3 (claimed) have deadlines in the period; T1 and T3 are done (T6 unclaimed).
        # B: T3 done, T6 (published) not.
        (Kpi.TASK_COMPLETION, (2, 3), (1, 2)),
        # A: four results due for publication in the period, two approved by the due date. B: one, late.
        (Kpi.ON_TIME_PUBLICATION, (2, 4), (0, 1)),
        # A: T1, T2 single, T3 joint (started in the period). B: T3 and T6, both joint.
        (Kpi.JOINT_SHARE, (1, 3), (2, 2)),
        # A: T1 risk ratios, T2's redraw by ratio (first draw superseded, trial and inspectors' draws left out).
        (Kpi.RISK_RATIO_DRAWS, (1, 2), (1, 1)),
        # A: i1 (food: p1, p2) and i3 (three available people) covered, i2 (fire: only p2) not.
        (Kpi.POOL_COVERAGE, (2, 3), (0, 1)),
        # A: p1, p2 fresh; p3 stale; p4's certificate expired. B: q1.
        (Kpi.POOL_FRESHNESS, (2, 4), (1, 1)),
        # A: three approved results, two with problems found. B: one, none.
        (Kpi.PROBLEM_FINDING, (2, 3), (0, 1)),
        # A: e0 (10 and 12 Feb) and e1 (random and daily) twice; e2 once (same day). B: e0 once.
        (Kpi.REPEAT_INSPECTION, (2, 3), (0, 1)),
        # A: randomly inspected e0, e1, e2; only e0 visited afterwards by A. B: e0 visited.
        (Kpi.FOLLOW_UP_VISITS, (1, 3), (1, 1)),
        # A: three items due in the period, one answered on time. B: no letter.
        (Kpi.LETTERS_ON_TIME, (1, 3), (0, 0)),
    ],
)
def test_each_kpi_equals_the_hand_computed_value(world, kpi, a, b) -> None:
    _result, rows = _ratios(world)
    got_a, got_b = rows["A"].ratios[kpi], rows["B"].ratios[kpi]
    assert (got_a.num, got_a.den) == a
    assert (got_b.num, got_b.den) == b


def test_scores_and_ranking_follow_the_weights(world) -> None:
    result, rows = _ratios(world)
    # A: 2/3 + 2/4 + 1/3 + 1/2 + 2/3 + 2/4 + 2/3 + (1 - 2/3) + 1/3 + 1/3 = 29/6, over 10 KPIs.
    assert rows["A"].score == Fraction(29, 60) * 100
    # B: nine KPIs with a value (no letters): 1/2 + 0 + 1 + 1 + 0 + 1 + 0 + (1 - 0) + 1 = 11/2.
    assert rows["B"].score == Fraction(11, 18) * 100
    assert [(r.department.code, r.rank) for r in result.rows] == [("B", 1), ("A", 2)]


def test_a_zero_weight_leaves_the_kpi_out_of_the_score(world) -> None:
    _r, rows = _ratios(world)
    only = {k: 0 for k in Kpi.values} | {Kpi.TASK_COMPLETION.value: 7}
    assert score(rows["A"].ratios, only) == Fraction(2, 3) * 100


def test_equal_scores_share_a_rank_and_no_score_comes_last() -> None:
    from types import SimpleNamespace

    from oversight.assessment import DepartmentRow

    rows = [DepartmentRow(department=SimpleNamespace(code=c), score=s) for c, s in  # type: ignore[arg-type]
            [("x", Fraction(50)), ("y", None), ("z", Fraction(80)), ("w", Fraction(50))]]
    ranked = rank(rows)
    assert [(r.department.code, r.rank) for r in ranked] == [("z", 1), ("w", 2), ("x", 2), ("y", None)]

"""The dashboard's numbers equal hand-computed values on a small constructed district, and each
number's drill-down lists exactly the records it counts."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from oversight import dashboard as d
from oversight import dashboard_lists as lists
from tests.oversight.dashboard_data import DUE, EXPECTED, TODAY, YEAR, build

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(cast, official_calendar):  # type: ignore[no-untyped-def]
    return build(cast)


@pytest.fixture
def board(world):  # type: ignore[no-untyped-def]
    return d.dashboard(period=d.period_parse(YEAR, today=TODAY), today=TODAY)


def _row(board, code):  # type: ignore[no-untyped-def]
    return next(r for r in board.departments if r.department.code == code)


def test_publication_due_dates_follow_the_official_calendar(world) -> None:
    for code, due in DUE.items():
        assert d.due_for(world.tasks[code].window_end) == due


def test_the_funnel_per_department_equals_the_hand_count(board) -> None:
    for code in ("A", "B"):
        row = _row(board, code)
        assert row.stages == EXPECTED["stages"][code], code
        assert row.joint == EXPECTED["joint"][code]
        assert row.claim_overdue == EXPECTED["claim_overdue"][code]
        assert (row.red, row.yellow) == (EXPECTED["red"][code], EXPECTED["yellow"][code])
    assert board.totals.stages["planned"] == 7


def test_on_time_and_overdue_results_per_department_equal_the_hand_count(board) -> None:
    for code in ("A", "B"):
        assert _row(board, code).results == EXPECTED["results"][code], code


def test_one_door_repeats_load_and_joint_share_equal_the_hand_count(board) -> None:
    assert (board.visits, board.joint_visits, board.visits_saved) == (5, 1, 1)
    assert board.repeat_entities == EXPECTED["repeat_entities"]
    assert (board.inspectors, board.load_max, board.load_avg) == (3, 3, 2.3)
    assert (board.launched_tasks, board.joint_tasks, board.joint_share) == (4, 2, 0.5)
    assert [p["name"] for p in board.top_inspectors] == ["甲二", "甲一", "乙一"]


def test_cards_name_the_late_task_and_the_silent_department(board, world) -> None:
    seen = {(c["colour"], c["kind"], c["task"].code, c["department"].code) for c in board.cards}
    assert seen == {("red", "publication", "T2", "A"), ("yellow", "publication", "T3", "B"), ("red", "claim", "T4", "A")}


def test_section_chief_participation_per_department(world) -> None:
    period = d.period_parse(YEAR, today=TODAY)
    got = {r["department"].code: (r["visits"], r["chief_visits"]) for r in lists.chief_participation(period=period)}
    assert got == EXPECTED["chiefs"]


def test_the_fast_numbers_equal_the_naive_loop(board) -> None:
    naive = d.dept_totals_naive(period=board.period, today=TODAY)
    for row in board.departments:
        if row.results:
            assert {k: naive[row.department.pk].get(k, 0) for k in row.results} == row.results


def test_a_period_takes_the_tasks_whose_window_ends_in_it(world) -> None:
    h1 = d.dashboard(period=d.period_parse("2026-H1", today=TODAY), today=TODAY)
    assert _row(h1, "A").stages["planned"] == 2  # T1 and T2; T4 ends in July, T5 in September
    last_year = d.dashboard(period=d.period_parse("2025", today=TODAY), today=TODAY)
    assert _row(last_year, "A").results["on_time"] == 1
    assert d.period_parse("2026-01-01..2026-03-31", today=TODAY).end.isoformat() == "2026-03-31"
    assert d.period_parse("nonsense", today=TODAY).key == "2026"


# --- Drill-downs: every number lists exactly what it counts --------------------------------------
def _ids(client, kind, **params):  # type: ignore[no-untyped-def]
    response = client.get(reverse("oversight:dashboard_drill", args=[kind]), {"period": YEAR, **params})
    assert response.status_code == 200
    page = response.context["page"]
    assert page.paginator.num_pages == 1
    rows = list(page.object_list)
    assert page.paginator.count == len(rows)
    return rows


@pytest.fixture
def office_client(client, world, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setattr("oversight.dashboard_views.timezone.localdate", lambda: TODAY)
    client.force_login(world.office)
    return client


def test_every_stage_drill_down_lists_exactly_the_counted_participations(office_client, world, board) -> None:
    for row in [*board.departments, board.totals]:
        dept = {"dept": row.department.pk} if row.department.pk else {}
        for key, _label in d.STAGES:
            rows = _ids(office_client, "tasks", stage=key, **dept)
            assert len(rows) == row.stages.get(key, 0), (row.department.code, key)
        for key, count in (("joint", row.joint), ("claim_overdue", row.claim_overdue)):
            assert len(_ids(office_client, "tasks", stage=key, **dept)) == count
    # and they are the right ones, not just as many
    reviewed = _ids(office_client, "tasks", stage="reviewed", dept=world.a.pk)
    assert [(p.task.code, p.department.code) for p in reviewed] == [("T1", "A")]
    overdue_claims = _ids(office_client, "tasks", stage="claim_overdue")
    assert [(p.task.code, p.department.code) for p in overdue_claims] == [("T4", "A")]


def test_every_result_drill_down_lists_exactly_the_counted_results(office_client, world, board) -> None:
    r = world.results
    for row in [*board.departments, board.totals]:
        dept = {"dept": row.department.pk} if row.department.pk else {}
        for key, _label in d.RESULT_FLAGS:
            assert len(_ids(office_client, "results", flag=key, **dept)) == row.results.get(key, 0), (row.department.code, key)
    assert {x.pk for x in _ids(office_client, "results", flag="overdue")} == {r["R3a"].pk, r["R3b"].pk, r["R4"].pk}
    assert [x.pk for x in _ids(office_client, "results", flag="on_time")] == [r["R1"].pk]
    assert [x.pk for x in _ids(office_client, "results", flag="due_soon", task=world.tasks["T3"].pk)] == [r["R5"].pk]


def test_card_task_and_other_drill_downs_list_what_they_count(office_client, world, board) -> None:
    period = board.period
    for row in board.departments:
        assert len(_ids(office_client, "cards", flag="red", dept=row.department.pk)) == row.red
        assert len(_ids(office_client, "cards", flag="yellow", dept=row.department.pk)) == row.yellow
    for t in d.task_table(period=period, today=TODAY):
        for key, count in t["results"].items():
            assert len(_ids(office_client, "results", flag=key, task=t["task"].pk)) == count
    joint = _ids(office_client, "joint_visits")
    assert sum(v["saved"] for v in joint) == board.visits_saved and [v["visit"] for v in joint] == [world.visits["V3"]]
    repeat = _ids(office_client, "repeat_entities")
    assert [e["uscc"] for e in repeat] == [world.visits["V1"].entity_id] and len(repeat) == board.repeat_entities
    load = _ids(office_client, "inspectors")
    assert len(load) == board.inspectors and max(p["load"] for p in load) == board.load_max
    for c in lists.chief_participation(period=period):
        assert len(_ids(office_client, "chief_visits", dept=c["department"].pk)) == c["visits"]
        assert len(_ids(office_client, "chief_visits", dept=c["department"].pk, chief="1")) == c["chief_visits"]
    assert {v.pk for v in _ids(office_client, "chief_visits", dept=world.a.pk, chief="1")} == {world.visits["V3"].pk}


def test_the_page_links_every_number_to_its_list(office_client, board) -> None:
    html = office_client.get(reverse("oversight:dashboard"), {"period": YEAR}).content.decode()
    assert html.count("/oversight/dashboard/list/tasks/?") >= (len(board.departments) + 1) * (len(d.STAGES) + 2)
    assert html.count("/oversight/dashboard/list/results/?") >= (len(board.departments) + 1) * len(d.RESULT_FLAGS)
    assert 'id="dashboard-data" type="application/json"' in html
    assert "<script>" not in html and " style=" not in html
    assert "vendor/chartjs/chart.umd.min.js" in html


def test_unknown_lists_and_filters_are_404(office_client) -> None:
    url = reverse("oversight:dashboard_drill", args=["tasks"])
    assert office_client.get(url, {"stage": "nope"}).status_code == 404
    assert office_client.get(url, {"stage": "planned", "dept": "1 OR 1=1"}).status_code == 404
    assert office_client.get(reverse("oversight:dashboard_drill", args=["users"])).status_code == 404


def test_the_excel_export_holds_the_dashboard_tables(office_client, board) -> None:
    response = office_client.get(reverse("oversight:dashboard_export"), {"period": YEAR})
    assert response.status_code == 200
    wb = load_workbook(io.BytesIO(response.content))
    assert wb.sheetnames == ["部门进度", "任务进度", "红黄牌", "概况"]
    depts = {row[0]: row for row in wb["部门进度"].iter_rows(min_row=2, values_only=True)}
    a_row = depts["甲局"]
    assert list(a_row[1:9]) == [EXPECTED["stages"]["A"][k] for k, _l in d.STAGES]
    assert list(a_row[13:20]) == [EXPECTED["results"]["A"][k] for k, _l in d.RESULT_FLAGS]
    tasks = {row[0]: row for row in wb["任务进度"].iter_rows(min_row=2, values_only=True)}
    assert set(tasks) == {"T1", "T2", "T3", "T4", "T5"} and tasks["T2"][-1] == "红牌"
    assert wb["红黄牌"].max_row == 1 + len(board.cards)


def test_the_task_table_page_and_the_liaison_directory_render(office_client, world) -> None:
    page = office_client.get(reverse("oversight:dashboard_tasks"), {"period": YEAR})
    assert page.status_code == 200 and 'data-task="T2"' in page.content.decode()
    people = office_client.get(reverse("oversight:dashboard_liaisons"), {"period": YEAR}).content.decode()
    assert 'data-section="A-A1"' in people and "未指定" in people

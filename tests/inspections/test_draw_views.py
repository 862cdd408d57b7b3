"""Draw pages, each with the three people.

alice (A's admin and staff) may act; dave (A, inspector only) may only read; charlie (B) gets 404
on A's draws. The discipline role reads everything and downloads bundles but announces nothing;
chief (A's section chief) decides redraw requests.
"""

import datetime as dt
import json

import pytest
from django.utils import timezone

from agencies.models import Department, Role
from inspections.drawing import draw_announce, draw_record_randomness, join_visits, matching_announce
from inspections.models import Draw, EntityList, RedrawRequest, Substitution, Task
from inspections.services import task_publish
from inspectors.models import ConflictDeclaration, Inspector
from tests.factories import DepartmentFactory, person
from tests.inspections.entities import registry
from tests.inspections.factories import item, make_task

pytestmark = pytest.mark.django_db


def today() -> dt.date:
    """Today when the test runs, not when this module was imported: a run may cross midnight."""
    return timezone.localdate()


def tomorrow() -> dt.date:
    """Tomorrow when the test runs, not when this module was imported: a run may cross midnight."""
    return today() + dt.timedelta(days=1)


@pytest.fixture(autouse=True)
def _in_process(settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True


@pytest.fixture
def dave(cast):
    return person("dave", cast.dept_a, Role.INSPECTOR)


@pytest.fixture
def chief(cast):
    return person("chief", cast.dept_a, Role.SECTION_CHIEF)


@pytest.fixture
def auditor(db):
    return person("auditor", DepartmentFactory(code="JW", name="纪检组", kind=Department.Kind.DISCIPLINE), Role.DISCIPLINE)


@pytest.fixture
def ready(cast):
    """A's task in 待抽取, stratified by credit-risk class (private strata)."""
    registry(120)
    task = make_task(user=cast.alice, department=cast.dept_a, sampling="risk_ratio", title="食品经营抽查",
                     risk_ratios_bp={"A": 100, "B": 500, "C": 1000, "D": 3000})
    task_publish(task=task, user=cast.alice)
    task.refresh_from_db()
    assert task.status == "ready"
    return task


@pytest.fixture
def done(ready, cast, django_capture_on_commit_callbacks):
    draw = draw_announce(task=ready, user=cast.alice)
    with django_capture_on_commit_callbacks(execute=True):
        draw_record_randomness(draw=draw, raw_values=["407", "39116"], user=cast.alice, today=tomorrow())
    draw.refresh_from_db()
    assert draw.status == "done"
    return draw


def _html(response) -> str:
    return response.content.decode()


def _lottery(day: dt.date | None = None, **extra) -> dict:
    return {"source": "lottery", "lottery_date": (day or tomorrow()).isoformat(), **extra}


# --- The overview and the announcement ------------------------------------------------------
def test_the_draw_overview_three_people(ready, cast, dave, auditor, client) -> None:
    url = f"/tasks/{ready.pk}/draws/"
    client.force_login(cast.alice)
    html = _html(client.get(url))
    assert "公告抽取检查对象" in html and "尚无抽取" in html
    for reader in (dave, auditor):
        client.force_login(reader)
        html = _html(client.get(url))
        assert "尚无抽取" in html and "公告抽取检查对象" not in html
    client.force_login(cast.charlie)
    assert client.get(url).status_code == 404


def test_only_the_initiating_departments_staff_may_announce(ready, cast, dave, auditor, client) -> None:
    url = f"/tasks/{ready.pk}/draws/announce/"
    for outsider in (dave, auditor, cast.charlie):
        client.force_login(outsider)
        assert client.get(url).status_code == 404
        assert client.post(url, _lottery()).status_code == 404
    assert not Draw.objects.exists()
    client.force_login(cast.alice)
    assert client.get(url).status_code == 200


def test_a_lottery_of_today_is_refused_because_its_numbers_are_already_known(ready, cast, client) -> None:
    client.force_login(cast.alice)
    response = client.post(f"/tasks/{ready.pk}/draws/announce/", _lottery(today()))
    assert response.status_code == 200 and "开奖日期须在今天之后" in _html(response)
    assert not Draw.objects.exists()


def test_announce_randomness_and_result_through_the_pages(ready, cast, client, monkeypatch, django_capture_on_commit_callbacks) -> None:
    client.force_login(cast.alice)
    response = client.post(f"/tasks/{ready.pk}/draws/announce/", _lottery(server_entropy="on"))
    draw = Draw.objects.get(task=ready)
    assert response.status_code == 302 and response["Location"] == f"/draws/{draw.pk}/"
    assert [s["kind"] for s in draw.sources] == ["lottery", "lottery", "server"] and not draw.trial

    ceremony = _html(client.get(f"/draws/{draw.pk}/ceremony/"))
    assert draw.frame_hash_hex[:8] in ceremony and draw.announcement["commitment_hash_hex"][:8] in ceremony
    assert "中国福利彩票3D" in ceremony and "随机数尚未产生" in ceremony

    form = _html(client.get(f"/draws/{draw.pk}/randomness/"))
    assert 'name="value_0"' in form and 'name="value_1"' in form and 'name="value_2"' not in form
    refused = client.post(f"/draws/{draw.pk}/randomness/", {"value_0": "4 0 7", "value_1": "3 9 1 1 6"})
    assert "尚未产生，不能提前录入" in _html(refused)
    draw.refresh_from_db()
    assert draw.randomness is None

    day_after = tomorrow()  # computed before the patch: tomorrow() itself calls timezone.localdate()
    monkeypatch.setattr("inspections.drawing.timezone.localdate", lambda: day_after)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/draws/{draw.pk}/randomness/", {"value_0": "4 0 7", "value_1": "3 9 1 1 6"})
    assert response.status_code == 302 and response["Location"] == f"/draws/{draw.pk}/"
    draw.refresh_from_db()
    ready.refresh_from_db()
    assert draw.status == "done" and ready.status == "entities_drawn"
    page = _html(client.get(f"/draws/{draw.pk}/"))
    first = draw.selections.order_by("rank").first()
    assert "已完成" in page and first.entity_id in page and first.order_hex in page
    status = client.get(f"/draws/{draw.pk}/status.json").json()
    assert status["phase"] == "done" and status["finished"] and status["selected_count"] == draw.selected_count
    assert "随机数已经录入" in _html(client.get(f"/draws/{draw.pk}/randomness/", follow=True))


def test_a_beacon_value_is_fetched_for_the_operator_then_submitted(ready, cast, client, monkeypatch, django_capture_on_commit_callbacks) -> None:
    client.force_login(cast.alice)
    client.post(f"/tasks/{ready.pk}/draws/announce/", {"source": "beacon", "beacon_round": "4321"})
    draw = Draw.objects.get(task=ready)
    assert draw.sources[0]["round"] == 4321
    asked = []
    monkeypatch.setattr("inspections.draw_views.fetch_beacon", lambda r: asked.append(r) or "ab" * 32)
    assert "获取信标值" in _html(client.get(f"/draws/{draw.pk}/randomness/"))
    filled = _html(client.post(f"/draws/{draw.pk}/randomness/", {"fetch": "0"}))
    assert asked == [4321] and 'value="' + "ab" * 32 + '"' in filled
    draw.refresh_from_db()
    assert draw.randomness is None  # fetching fills the form; the operator still submits
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/draws/{draw.pk}/randomness/", {"value_0": "ab" * 32})
    draw.refresh_from_db()
    assert draw.status == "done" and draw.randomness[0]["value"] == "ab" * 32


def test_randomness_and_status_three_people(ready, cast, dave, auditor, client) -> None:
    draw = draw_announce(task=ready, user=cast.alice)
    for reader in (dave, auditor):
        client.force_login(reader)
        assert client.get(f"/draws/{draw.pk}/").status_code == 200
        assert client.get(f"/draws/{draw.pk}/status.json").json()["phase"] == "awaiting"
        assert client.get(f"/draws/{draw.pk}/randomness/").status_code == 404
        assert client.post(f"/draws/{draw.pk}/randomness/", {"value_0": "407", "value_1": "39116"}).status_code == 404
    client.force_login(cast.charlie)
    for url in (f"/draws/{draw.pk}/", f"/draws/{draw.pk}/status.json", f"/draws/{draw.pk}/ceremony/"):
        assert client.get(url).status_code == 404
    draw.refresh_from_db()
    assert draw.randomness is None


def test_a_trial_draw_is_marked_and_never_becomes_the_tasks_draw(ready, cast, client, django_capture_on_commit_callbacks) -> None:
    client.force_login(cast.alice)
    assert "试抽：仅用服务器熵" in _html(client.get(f"/tasks/{ready.pk}/draws/announce/"))
    response = client.post(f"/tasks/{ready.pk}/draws/announce/", {"source": "trial"})
    draw = Draw.objects.get(task=ready)
    assert response.status_code == 302 and draw.trial and [s["kind"] for s in draw.sources] == ["server"]
    assert "无须录入" in _html(client.get(f"/draws/{draw.pk}/randomness/"))
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/draws/{draw.pk}/randomness/", {})
    draw.refresh_from_db()
    ready.refresh_from_db()
    assert draw.status == "done" and ready.status == "ready"
    page = _html(client.get(f"/draws/{draw.pk}/"))
    assert "<title>试抽" in page and "永远不能成为任务的正式抽取" in page
    assert "试抽" in _html(client.get(f"/tasks/{ready.pk}/draws/"))
    assert "公告抽取检查对象" in _html(client.get(f"/tasks/{ready.pk}/draws/"))  # the real draw is still to come


# --- Results, strata and evidence -----------------------------------------------------------
def test_private_strata_show_real_keys_only_to_staff_and_oversight(done, cast, dave, auditor, client) -> None:
    for insider in (cast.alice, auditor):
        client.force_login(insider)
        html = _html(client.get(f"/draws/{done.pk}/"))
        assert "risk:B|type:individual" in html and "B 类（一般风险） · 个体工商户" in html
    client.force_login(dave)
    html = _html(client.get(f"/draws/{done.pk}/"))
    assert "risk:B" not in html and "内部分层（信用风险分类不公开）" in html and "x-" in html
    client.force_login(cast.charlie)
    assert client.get(f"/draws/{done.pk}/").status_code == 404


def test_evidence_bundles_for_staff_and_discipline_only(done, cast, dave, auditor, client) -> None:
    for insider in (cast.alice, auditor):
        client.force_login(insider)
        full = client.get(f"/draws/{done.pk}/evidence.json")
        assert full.status_code == 200 and "attachment" in full["Content-Disposition"]
        bundle = json.loads(full.content)
        assert bundle["format"] == "draw-evidence/1" and all(s["labels"] for s in bundle["frame"]["strata"])
        public = json.loads(client.get(f"/draws/{done.pk}/evidence-public.json").content)
        assert all(s["labels"] is None for s in public["frame"]["strata"]) and public["selected"] == bundle["selected"]
    for outsider in (dave, cast.charlie):
        client.force_login(outsider)
        assert client.get(f"/draws/{done.pk}/evidence.json").status_code == 404
        assert client.get(f"/draws/{done.pk}/evidence-public.json").status_code == 404


def test_discipline_reads_but_cannot_announce_or_enter_randomness(ready, cast, auditor, client) -> None:
    draw = draw_announce(task=ready, user=cast.alice)
    client.force_login(auditor)
    assert client.get(f"/tasks/{ready.pk}/draws/").status_code == 200
    assert client.get(f"/draws/{draw.pk}/ceremony/").status_code == 200
    assert client.post(f"/tasks/{ready.pk}/draws/announce/", {"source": "trial"}).status_code == 404
    assert client.post(f"/draws/{draw.pk}/randomness/", {"value_0": "407", "value_1": "39116"}).status_code == 404
    assert Draw.objects.count() == 1


def test_the_overview_counts_visits_saved_with_other_tasks(done, cast, client) -> None:
    other = make_task(user=cast.alice, department=cast.dept_a, title="同期另一任务", items=[item(cast.dept_a, "I2")])
    shared = list(done.selections.values_list("entity_id", flat=True)[:2])
    join_visits(task=other, usccs=shared)
    client.force_login(cast.alice)
    assert "合并入户 2 户次" in _html(client.get(f"/tasks/{done.task_id}/draws/"))


def test_the_selected_entities_are_paged_by_rank(done, cast, client, monkeypatch) -> None:
    monkeypatch.setattr("inspections.draw_views.PAGE", 2)
    client.force_login(cast.alice)
    ranks = list(done.selections.order_by("rank").values_list("entity_id", flat=True))
    page2 = _html(client.get(f"/draws/{done.pk}/?page=2"))
    assert ranks[2] in page2 and ranks[0] not in page2 and "下一页" in page2


# --- Lists that are not draws -----------------------------------------------------------------
def test_a_superior_list_is_recorded_as_not_a_draw(cast, dave, client) -> None:
    entities = registry(5)
    task = make_task(user=cast.alice, department=cast.dept_a, draw_mode=Task.DrawMode.ASSIGNED, source="superior")
    task_publish(task=task, user=cast.alice)
    client.force_login(cast.alice)
    assert client.get(f"/tasks/{task.pk}/draws/announce/")["Location"] == f"/tasks/{task.pk}/draws/list/"
    assert "登记指定名单（非抽取）" in _html(client.get(f"/tasks/{task.pk}/draws/"))
    data = {"usccs": "\n".join(e.uscc for e in entities[:3]), "note": "市局〔2026〕12号"}
    client.force_login(dave)
    assert client.post(f"/tasks/{task.pk}/draws/list/", data).status_code == 404
    client.force_login(cast.alice)
    assert client.post(f"/tasks/{task.pk}/draws/list/", data).status_code == 302
    listed = EntityList.objects.get(task=task)
    assert listed.count == 3 and listed.source == "superior" and not Draw.objects.filter(task=task).exists()
    html = _html(client.get(f"/tasks/{task.pk}/draws/"))
    assert "不是随机抽取产生的" in html and "市局〔2026〕12号" in html


# --- Redraws ------------------------------------------------------------------------------------
def test_a_redraw_request_is_approved_by_a_chief_and_supersedes(done, cast, chief, dave, client) -> None:
    for outsider in (dave, cast.charlie):
        client.force_login(outsider)
        assert client.post(f"/draws/{done.pk}/redraw-request/", {"reason": "名录有误"}).status_code == 404
    client.force_login(cast.alice)
    client.post(f"/draws/{done.pk}/redraw-request/", {"reason": "名录遗漏了新设立的主体"})
    request = RedrawRequest.objects.get(draw=done, status="pending")
    assert "待批准" in _html(client.get(f"/draws/{done.pk}/"))
    assert client.get("/draws/redraw-requests/").status_code == 404  # alice is no chief
    assert client.get(f"/draws/redraw-requests/{request.pk}/").status_code == 404

    client.force_login(chief)
    assert "名录遗漏了新设立的主体" in _html(client.get("/draws/redraw-requests/"))
    stale = client.post(f"/draws/redraw-requests/{request.pk}/", {"decision": "approve", **_lottery()})
    assert "新的随机数来源" in _html(stale)
    request.refresh_from_db()
    assert request.status == "pending" and not Draw.objects.filter(supersedes=done).exists()

    response = client.post(f"/draws/redraw-requests/{request.pk}/", {"decision": "approve", **_lottery(tomorrow() + dt.timedelta(days=1))})
    request.refresh_from_db()
    redraw = Draw.objects.get(supersedes=done)
    assert response["Location"] == f"/draws/{redraw.pk}/"
    assert request.status == "approved" and request.new_draw == redraw and request.decided_by == chief
    assert redraw.reason == "名录遗漏了新设立的主体" and redraw.approved_by == chief and redraw.created_by == cast.alice
    assert redraw.iteration == done.iteration + 1
    html = _html(client.get(f"/draws/{done.pk}/"))
    assert "本次抽取已被取代" in html and f"/draws/{redraw.pk}/" in html


def test_a_redraw_request_can_be_rejected_with_a_note(done, cast, chief, client) -> None:
    client.force_login(cast.alice)
    client.post(f"/draws/{done.pk}/redraw-request/", {"reason": "想换一批"})
    request = RedrawRequest.objects.get(draw=done)
    client.force_login(chief)
    assert "不予批准的理由" in _html(client.post(f"/draws/redraw-requests/{request.pk}/", {"decision": "reject"}))
    client.post(f"/draws/redraw-requests/{request.pk}/", {"decision": "reject", "note": "理由不成立"})
    request.refresh_from_db()
    assert request.status == "rejected" and request.decision_note == "理由不成立" and request.new_draw is None
    assert not Draw.objects.filter(supersedes=done).exists()
    client.force_login(cast.alice)
    assert "提交申请" in _html(client.get(f"/draws/{done.pk}/"))  # may ask again


# --- Matching and substitutions -----------------------------------------------------------------
@pytest.fixture
def matched(done, cast, django_capture_on_commit_callbacks):
    pool = [Inspector.objects.create(department=cast.dept_a, name=f"甲{i}", cert_no=f"A-{i:04d}") for i in range(8)]
    match = matching_announce(task=done.task, user=cast.alice)
    with django_capture_on_commit_callbacks(execute=True):
        draw_record_randomness(draw=match, raw_values=["123", "45678"], user=cast.alice, today=tomorrow())
    match.refresh_from_db()
    assert match.status == "done"
    return match, pool


def test_the_matching_page_shows_teams_with_their_leader(matched, cast, dave, auditor, client) -> None:
    match, _pool = matched
    assignment = match.assignments.filter(is_leader=True).select_related("inspector").first()
    for reader in (cast.alice, dave, auditor):
        client.force_login(reader)
        html = _html(client.get(f"/draws/{match.pk}/"))
        assert "检查组" in html and "组长" in html and assignment.inspector.cert_no in html
    client.force_login(cast.charlie)
    assert client.get(f"/draws/{match.pk}/").status_code == 404


def test_a_substitution_is_approved_by_its_submitter_and_refused_for_a_conflicted_inspector(matched, cast, dave, client) -> None:
    match, pool = matched
    assignment = match.assignments.first()
    team = set(match.assignments.filter(entity_id=assignment.entity_id).values_list("inspector_id", flat=True))
    free = [i for i in pool if i.pk not in team]
    ConflictDeclaration.objects.create(inspector=free[0], entity_id=assignment.entity_id, ground="relative")
    url = f"/draws/assignments/{assignment.pk}/substitute/"
    for outsider in (dave, cast.charlie):
        client.force_login(outsider)
        assert client.post(url, {"new_inspector": free[1].pk, "reason": "回避"}).status_code == 404

    client.force_login(cast.alice)  # staff, but no chief: may not approve
    assert "须经本部门科所长或联席办批准" in _html(client.get(url))
    assert "须经本部门科所长或联席办批准" in _html(client.post(url, {"new_inspector": free[1].pk, "reason": "回避"}))

    carol = person("carol", cast.dept_a, Role.STAFF, Role.SECTION_CHIEF)
    client.force_login(carol)
    refused = client.post(url, {"new_inspector": free[0].pk, "reason": "临时出差"})
    assert "该人员对此主体申报了回避" in _html(refused)
    assert not Substitution.objects.exists()
    assert client.post(url, {"new_inspector": free[1].pk, "reason": "临时出差"}).status_code == 302
    substitution = Substitution.objects.get()
    assert substitution.new_inspector == free[1] and substitution.approved_by == carol
    assert "替换为" in _html(client.get(f"/draws/{match.pk}/"))


# --- Fairness pages -----------------------------------------------------------------------------
def test_fairness_pages_three_people(done, cast, dave, auditor, client) -> None:
    for reader in (cast.alice, dave, auditor):
        client.force_login(reader)
        assert "抽取公平性报告" in _html(client.get(f"/tasks/{done.task_id}/draws/fairness/"))
        assert done.task.code in _html(client.get(f"/draws/fairness/{done.task.year}/"))
    client.force_login(cast.charlie)
    assert client.get(f"/tasks/{done.task_id}/draws/fairness/").status_code == 404
    assert done.task.code not in _html(client.get(f"/draws/fairness/{done.task.year}/"))


def test_a_witnessed_ceremony_can_be_announced(ready, cast, client) -> None:
    client.force_login(cast.alice)
    data = {"source": "witness", "witness": "区公证处 王某", "ceremony_date": today().isoformat(), "count": "3"}
    response = client.post(f"/tasks/{ready.pk}/draws/announce/", data)
    assert response.status_code == 302, _html(response)

"""Pages of items, plans, campaigns, tasks and claims, each with the three people.

alice (A's admin and staff) may act; dave (A, inspector only) may only read; charlie (B) gets 404
on A's objects. On a joint task of A with B, charlie claims for B; erin (C, not invited) gets 404.
"""

import datetime as dt
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from agencies.models import Department, Role
from core.models import FeedItem, PublicationRecord
from inspections.models import AnnualPlan, Campaign, InspectionItem, Task, TaskParticipant
from inspections.services import plan_batch_save, plan_save, task_publish
from tests.factories import DepartmentFactory, person
from tests.inspections.factories import item, make_task

pytestmark = pytest.mark.django_db
DOCS = Path(__file__).resolve().parents[2] / "docs"


@pytest.fixture
def dave(cast):
    return person("dave", cast.dept_a, Role.INSPECTOR)


@pytest.fixture
def erin(db):
    return person("erin", DepartmentFactory(code="C", name="丙局"), Role.STAFF, Role.DEPT_ADMIN)


@pytest.fixture
def joint(cast):
    """A's published joint task; B is invited; B has an item to claim."""
    task = make_task(user=cast.alice, department=cast.dept_a, participants=[cast.dept_b],
                     claim_deadline=dt.date(2026, 11, 30))
    task_publish(task=task, user=cast.alice)
    return task, item(cast.dept_b, "B-1", "公共场所卫生的检查")


def _html(response) -> str:
    return response.content.decode()


# --- Items -----------------------------------------------------------------------------------
def test_item_list_three_people(cast, dave, client) -> None:
    item(cast.dept_a, "A-1", "甲局的事项")
    item(cast.dept_b, "B-1", "乙局的事项")
    client.force_login(cast.alice)
    html = _html(client.get("/items/"))
    assert "甲局的事项" in html and "乙局的事项" not in html and "发布清单新版本" in html and "/items/new/" in html
    client.force_login(dave)
    html = _html(client.get("/items/"))
    assert "甲局的事项" in html and "发布清单新版本" not in html and "/items/new/" not in html
    client.force_login(cast.charlie)
    html = _html(client.get("/items/"))
    assert "乙局的事项" in html and "甲局的事项" not in html


def test_item_detail_three_people(cast, dave, client) -> None:
    thing = item(cast.dept_a, "A-1", "甲局的事项", legal_basis="《某条例》第三条")
    url = f"/items/{thing.pk}/"
    client.force_login(cast.alice)
    html = _html(client.get(url))
    assert "《某条例》第三条" in html and f"/items/{thing.pk}/edit/" in html
    client.force_login(dave)
    page = client.get(url)
    assert page.status_code == 200 and f"/items/{thing.pk}/edit/" not in _html(page)
    client.force_login(cast.charlie)
    assert client.get(url).status_code == 404
    assert client.get("/items/999999/").status_code == 404


ITEM_POST = {"code": "A-9", "name": "企业信息公示情况的检查", "category": "general", "ratio_cap": "10",
             "min_yearly_ratio": "3", "methods": ["documents", "online"], "is_active": "on"}


def test_item_create_three_people(cast, dave, client) -> None:
    client.force_login(dave)
    assert client.get("/items/new/").status_code == 404
    assert client.post("/items/new/", {**ITEM_POST, "department": cast.dept_a.pk}).status_code == 404
    client.force_login(cast.charlie)
    page = client.post("/items/new/", {**ITEM_POST, "department": cast.dept_a.pk})
    assert page.status_code == 200 and not InspectionItem.objects.exists()
    client.force_login(cast.alice)
    assert client.post("/items/new/", {**ITEM_POST, "department": cast.dept_a.pk}).status_code == 302
    saved = InspectionItem.objects.get(department=cast.dept_a, code="A-9")
    assert (saved.ratio_cap_bp, saved.min_yearly_ratio_bp, saved.methods) == (1000, 300, ["documents", "online"])


def test_item_edit_three_people_and_a_refusal_shown_on_the_form(cast, dave, client) -> None:
    thing = item(cast.dept_a, "A-1", "甲局的事项", methods=["on_site"])
    url = f"/items/{thing.pk}/edit/"
    for who in (dave, cast.charlie):
        client.force_login(who)
        assert client.post(url, ITEM_POST).status_code == 404
    client.force_login(cast.alice)
    page = client.post(url, {**ITEM_POST, "category": "key"})
    assert page.status_code == 200 and "重点检查事项不设抽查比例上限" in _html(page)
    assert client.post(url, ITEM_POST).status_code == 302
    thing.refresh_from_db()
    assert thing.name == "企业信息公示情况的检查" and thing.version == 2


def test_item_list_publication_three_people(cast, dave, client) -> None:
    item(cast.dept_a, "A-1", "甲局的事项")
    url = f"/items/publish/{cast.dept_a.pk}/"
    for who in (dave, cast.charlie):
        client.force_login(who)
        assert client.post(url).status_code == 404
    client.force_login(cast.alice)
    assert client.get(url).status_code == 405
    page = client.post(url, follow=True)
    assert "已发布甲局抽查事项清单第 1 版" in _html(page)
    assert PublicationRecord.objects.filter(kind="item_list", public_id="item_list:A", version=1).exists()


# --- Plans and campaigns --------------------------------------------------------------------
@pytest.fixture
def plan(cast):
    plan = plan_save(department=cast.dept_a, user=cast.alice, year=2026, title="甲局年度计划")
    plan_batch_save(plan=plan, title="第一批", items=[item(cast.dept_a, "A-1", "企业信息公示情况的检查", min_yearly_ratio_bp=300)],
                    window_start=dt.date(2026, 4, 1), window_end=dt.date(2026, 6, 30), ratio_bp=200)
    return plan


def test_plan_detail_three_people_with_the_yearly_floor_warning(cast, dave, client, plan) -> None:
    url = f"/plans/{plan.pk}/"
    client.force_login(cast.alice)
    html = _html(client.get(url))
    assert "本计划合计 2%，低于下限" in html and "报送备案" in html and "新增批次" in html
    client.force_login(dave)
    html = _html(client.get(url))
    assert "低于下限" in html and "报送备案" not in html
    client.force_login(cast.charlie)
    assert client.get(url).status_code == 404


def test_plan_create_batch_file_and_publish_in_the_browser(cast, dave, client) -> None:
    city = DepartmentFactory(code="SSCJ", level=Department.Level.CITY)
    thing = item(cast.dept_a, "A-1", "甲局的事项")
    client.force_login(dave)
    assert client.post("/plans/new/", {"department": cast.dept_a.pk, "year": 2026, "title": "计划"}).status_code == 404
    client.force_login(cast.alice)
    assert client.post("/plans/new/", {"department": cast.dept_a.pk, "year": 2026, "title": "甲局计划"}).status_code == 302
    plan = AnnualPlan.objects.get(department=cast.dept_a)
    batch = {"title": "第一批", "items": [thing.pk], "participants": [cast.dept_b.pk], "window_start": "2026-05-01",
             "window_end": "2026-06-30", "ratio": "5", "industries": ["61"]}
    for who in (dave, cast.charlie):
        client.force_login(who)
        assert client.post(f"/plans/{plan.pk}/batches/new/", batch).status_code == 404
        assert client.post(f"/plans/{plan.pk}/file/", {"filed_with": city.pk}).status_code == 404
    client.force_login(cast.alice)
    assert client.post(f"/plans/{plan.pk}/batches/new/", batch).status_code == 302
    saved = plan.batches.get()
    assert saved.ratio_bp == 500 and saved.scope == {"industries": ["61"]} and list(saved.participants.all()) == [cast.dept_b]
    assert client.post(f"/plans/{plan.pk}/file/", {"filed_with": city.pk}).status_code == 302
    for who in (dave, cast.charlie):
        client.force_login(who)
        assert client.post(f"/plans/{plan.pk}/publish/").status_code == 404
    client.force_login(cast.alice)
    client.post(f"/plans/{plan.pk}/publish/")
    plan.refresh_from_db()
    assert plan.status == "published" and plan.filed_with == city
    assert PublicationRecord.objects.filter(kind="plan", public_id=f"plan:{plan.code}").exists()


def test_campaign_pages_for_members_only(cast, dave, erin, client) -> None:
    client.force_login(cast.alice)
    data = {"lead": cast.dept_a.pk, "name": "旅馆业专项整治", "year": 2026, "departments": [cast.dept_b.pk]}
    assert client.post("/campaigns/new/", data).status_code == 302
    campaign = Campaign.objects.get()
    for who in (cast.alice, dave, cast.charlie):
        client.force_login(who)
        assert "旅馆业专项整治" in _html(client.get(f"/campaigns/{campaign.pk}/"))
    client.force_login(erin)
    assert client.get(f"/campaigns/{campaign.pk}/").status_code == 404
    assert list(client.get("/campaigns/").context["campaigns"]) == []
    client.force_login(dave)
    assert client.get("/campaigns/new/").status_code == 404


# --- Tasks ----------------------------------------------------------------------------------
def _task_post(dept, items, **kw):
    data = {"department": dept.pk, "title": "旅馆业联合抽查", "source": "own", "items": [i.pk for i in items],
            "draw_mode": "targeted", "tags": ["hotel"], "industries": ["61"], "sampling": "ratio", "ratio": "20",
            "round_up": "on", "inspectors_per_entity": 2, "window_start": "2026-12-01", "window_end": "2026-12-20",
            "deadline": "2026-12-31"}
    data.update(kw)
    return data


def test_task_create_three_people(cast, dave, client) -> None:
    hotel = item(cast.dept_a, "A-1", "旅馆业治安管理情况的检查", category="key")
    data = _task_post(cast.dept_a, [hotel], participants=[cast.dept_b.pk], claim_deadline="2026-11-25", secret="on")
    client.force_login(dave)
    assert client.get("/tasks/new/").status_code == 404
    assert client.post("/tasks/new/", data).status_code == 404
    client.force_login(cast.charlie)
    assert client.post("/tasks/new/", data).status_code == 200 and not Task.objects.exists()
    client.force_login(cast.alice)
    page = client.post("/tasks/new/", data)
    task = Task.objects.get()
    assert page.status_code == 302 and page.url == f"/tasks/{task.pk}/"
    assert task.code == "A-2026-0001" and task.status == "draft" and task.is_joint and task.secret
    assert task.filters == {"industries": ["61"], "tags": ["hotel"]} and task.ratio_bp == 2000
    assert list(task.participants.values_list("department__code", "status")) == [("A", "initiator"), ("B", "invited")]


def test_a_joint_task_without_a_claim_deadline_is_refused_on_the_form(cast, client) -> None:
    hotel = item(cast.dept_a, "A-1", "旅馆业治安管理情况的检查", category="key")
    client.force_login(cast.alice)
    page = client.post("/tasks/new/", _task_post(cast.dept_a, [hotel], participants=[cast.dept_b.pk]))
    assert page.status_code == 200 and "联合任务须设认领截止日期" in _html(page)
    page = client.post("/tasks/new/", _task_post(cast.dept_a, [hotel], window_end="2026-11-01"))
    assert "检查结束日期不能早于开始日期" in _html(page)
    assert not Task.objects.exists()


def test_a_task_form_starts_from_a_plan_batch(cast, client, plan) -> None:
    AnnualPlan.objects.filter(pk=plan.pk).update(status="filed")
    batch = plan.batches.get()
    client.force_login(cast.alice)
    form = client.get(f"/tasks/new/?batch={batch.pk}").context["form"]
    assert form.initial["plan_batch"] == batch.pk and form.initial["title"] == "第一批"
    assert form.initial["ratio"] == 2 and [i.code for i in form.initial["items"]] == ["A-1"]


def test_task_detail_three_people_and_a_department_not_invited_gets_404(cast, dave, erin, client, joint) -> None:
    task, _ = joint
    url = f"/tasks/{task.pk}/"
    client.force_login(cast.alice)
    html = _html(client.get(url))
    assert task.code in html and "已发布（待认领）" in html and "认领本部门部分" not in html
    client.force_login(dave)
    assert client.get(url).status_code == 200
    client.force_login(cast.charlie)
    html = _html(client.get(url))
    assert "认领本部门部分（乙局）" in html and f"/tasks/{task.pk}/claim/" in html
    client.force_login(erin)
    assert client.get(url).status_code == 404
    assert client.get(f"/tasks/{task.pk}/claim/").status_code == 404
    assert task.code not in _html(client.get("/tasks/"))


def test_task_publish_three_people(cast, dave, client) -> None:
    task = make_task(user=cast.alice, department=cast.dept_a)
    url = f"/tasks/{task.pk}/publish/"
    for who in (dave, cast.charlie):
        client.force_login(who)
        assert client.post(url).status_code == 404
    client.force_login(cast.alice)
    assert "发布任务" in _html(client.get(f"/tasks/{task.pk}/"))
    client.post(url)
    task.refresh_from_db()
    assert task.status == "ready"  # a single-department task has nobody to wait for
    assert PublicationRecord.objects.filter(kind="task", public_id=f"task:{task.code}").exists()
    html = _html(client.get(f"/tasks/{task.pk}/"))
    assert "草稿 → 已发布（待认领）" in html and "认领完毕 → 待抽取" in html and str(cast.alice) in html


def test_a_claim_through_the_browser_form(cast, dave, client, joint) -> None:
    task, hygiene = joint
    url = f"/tasks/{task.pk}/claim/"
    client.force_login(cast.alice)  # the initiator has no part to claim
    assert client.get(url).status_code == 404
    client.force_login(person("bea", cast.dept_b, Role.INSPECTOR))  # B, but may only read
    assert client.get(url).status_code == 404
    client.force_login(cast.charlie)
    form = client.get(url).context["form"]
    assert list(form.fields["items"].queryset) == [hygiene]
    page = client.post(url, {"items": [hygiene.pk], "inspectors_per_entity": 2})
    assert page.status_code == 302
    part = TaskParticipant.objects.get(task=task, department=cast.dept_b)
    assert part.status == "claimed" and part.inspectors_per_entity == 2 and part.responded_by == cast.charlie
    task.refresh_from_db()
    assert task.status == "ready"
    assert FeedItem.objects.filter(recipient=cast.alice, title__contains="乙局 已认领").exists()
    page = client.get(url)
    assert "不在认领阶段，或本部门已答复" in _html(page)


def test_a_decline_needs_a_reason_in_the_browser(cast, client, joint) -> None:
    task, _ = joint
    url = f"/tasks/{task.pk}/decline/"
    client.force_login(cast.charlie)
    assert client.post(url, {"reason": ""}).status_code == 200
    assert client.post(url, {"reason": "本季度已对该行业开展专项检查"}).status_code == 302
    part = TaskParticipant.objects.get(task=task, department=cast.dept_b)
    assert part.status == "declined" and part.decline_reason == "本季度已对该行业开展专项检查"
    client.force_login(cast.alice)
    assert "本季度已对该行业开展专项检查" in _html(client.get(f"/tasks/{task.pk}/"))


def test_task_list_shows_invitations_and_filters_by_status(cast, dave, client, joint) -> None:
    task, _ = joint
    draft = make_task(user=cast.alice, department=cast.dept_a, title="草稿任务", items=[item(cast.dept_a, "I2")])
    client.force_login(cast.charlie)
    html = _html(client.get("/tasks/"))
    assert "待本部门认领" in html and f"/tasks/{task.pk}/claim/" in html and "草稿任务" not in html
    client.force_login(dave)
    page = client.get("/tasks/")
    assert [t.pk for t in page.context["tasks"]] == [draft.pk, task.pk] and "待本部门认领" not in _html(page)
    assert [t.pk for t in client.get("/tasks/?status=draft").context["tasks"]] == [draft.pk]


def test_task_list_pages_with_a_keyset(cast, client, monkeypatch) -> None:
    from inspections import selectors

    monkeypatch.setattr(selectors, "PAGE_SIZE", 2)
    shared = item(cast.dept_a)
    tasks = [make_task(user=cast.alice, department=cast.dept_a, title=f"任务{i}", items=[shared]) for i in range(3)]
    client.force_login(cast.alice)
    first = client.get("/tasks/")
    assert [t.pk for t in first.context["tasks"]] == [tasks[2].pk, tasks[1].pk]
    second = client.get(f"/tasks/?before={first.context['next_before']}")
    assert [t.pk for t in second.context["tasks"]] == [tasks[0].pk] and second.context["next_before"] is None


def test_manual_transitions_three_people(cast, dave, client) -> None:
    task = make_task(user=cast.alice, department=cast.dept_a)
    Task.objects.filter(pk=task.pk).update(status="inspectors_matched")
    url = f"/tasks/{task.pk}/action/"
    for who in (dave, cast.charlie):
        client.force_login(who)
        assert client.post(url, {"action": "start_inspection"}).status_code == 404
    client.force_login(cast.alice)
    assert client.post(url, {"action": "record_entity_draw"}).status_code == 404  # the draw has its own page
    assert client.post(url, {"action": "start_inspection", "reason": "检查组已到位"}).status_code == 302
    task.refresh_from_db()
    assert task.status == "inspecting" and task.transitions.get().reason == "检查组已到位"


def test_superior_task_import_three_people(cast, dave, client) -> None:
    DepartmentFactory(code="SSCJ", level=Department.Level.CITY)
    DepartmentFactory(code="WJJ")
    item(cast.dept_a, "SCJG-004", "特种设备使用单位的检查", category="key")
    item(cast.dept_a, "SCJG-002", "企业信息公示情况的检查")
    data = (DOCS / "examples" / "superior-tasks.json").read_bytes()
    client.force_login(dave)
    assert client.get("/tasks/import/").status_code == 404
    client.force_login(cast.charlie)
    upload = SimpleUploadedFile("tasks.json", data, content_type="application/json")
    page = client.post("/tasks/import/", {"department": cast.dept_a.pk, "file": upload})
    assert page.status_code == 200 and not Task.objects.exists()
    client.force_login(cast.alice)
    upload = SimpleUploadedFile("tasks.json", data, content_type="application/json")
    html = _html(client.post("/tasks/import/", {"department": cast.dept_a.pk, "file": upload}))
    assert "已导入 2 个任务" in html and "济市监随机〔2026〕3号" in html
    assert Task.objects.filter(source="superior", department=cast.dept_a).count() == 2

"""The same through the API, with the same doors: alice acts, dave (A, inspector) reads, charlie
(B) gets 404 on A's objects; on A's joint task with B, charlie claims and erin (C) gets 404."""

import datetime as dt

import pytest
import yaml

from agencies.models import Department, Role
from core.models import PublicationRecord
from inspections.models import InspectionItem, Task, TaskParticipant
from inspections.services import plan_batch_save, plan_save, task_publish
from tests.factories import DepartmentFactory, person
from tests.inspections.entities import registry
from tests.inspections.factories import item, make_task

pytestmark = pytest.mark.django_db


@pytest.fixture
def dave(cast):
    return person("dave", cast.dept_a, Role.INSPECTOR)


@pytest.fixture
def erin(db):
    return person("erin", DepartmentFactory(code="C", name="丙局"), Role.STAFF)


@pytest.fixture
def joint(cast):
    task = make_task(user=cast.alice, department=cast.dept_a, participants=[cast.dept_b],
                     claim_deadline=dt.date(2026, 11, 30))
    task_publish(task=task, user=cast.alice)
    return task, item(cast.dept_b, "B-1", "公共场所卫生的检查")


def _results(response) -> list[dict]:
    assert response.status_code == 200, response.content
    return response.json()["results"]


# --- Items -----------------------------------------------------------------------------------
def test_items_are_listed_for_their_department_only(cast, dave, client) -> None:
    item(cast.dept_a, "A-1", "甲局的事项")
    item(cast.dept_b, "B-1", "乙局的事项")
    for who, names in ((cast.alice, ["甲局的事项"]), (dave, ["甲局的事项"]), (cast.charlie, ["乙局的事项"])):
        client.force_login(who)
        assert [i["name"] for i in _results(client.get("/api/items/"))] == names


def test_item_create_and_update_three_people(cast, dave, client) -> None:
    body = {"department": cast.dept_a.pk, "code": "A-9", "name": "企业信息公示情况的检查", "category": "general",
            "ratio_cap_bp": 1000, "min_yearly_ratio_bp": 300, "methods": ["documents"]}
    for who in (dave, cast.charlie):
        client.force_login(who)
        assert client.post("/api/items/", body, content_type="application/json").status_code == 404
    client.force_login(cast.alice)
    created = client.post("/api/items/", body, content_type="application/json")
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    for who in (dave, cast.charlie):
        client.force_login(who)
        assert client.patch(f"/api/items/{pk}/", {"ratio_cap_bp": 500}, content_type="application/json").status_code == 404
    client.force_login(cast.alice)
    refused = client.patch(f"/api/items/{pk}/", {"category": "key"}, content_type="application/json")
    assert refused.status_code == 400 and "重点检查事项不设抽查比例上限" in refused.content.decode()
    changed = client.patch(f"/api/items/{pk}/", {"ratio_cap_bp": 500}, content_type="application/json")
    assert changed.status_code == 200 and changed.json()["version"] == 2
    assert InspectionItem.objects.get(pk=pk).ratio_cap_bp == 500


def test_item_list_publication_three_people(cast, dave, client) -> None:
    item(cast.dept_a, "A-1", "甲局的事项")
    for who in (dave, cast.charlie):
        client.force_login(who)
        assert client.post("/api/items/publish/", {"department": cast.dept_a.pk}).status_code == 404
    client.force_login(cast.alice)
    answer = client.post("/api/items/publish/", {"department": cast.dept_a.pk})
    assert answer.status_code == 201 and answer.json()["version"] == 1
    assert PublicationRecord.objects.filter(kind="item_list", public_id="item_list:A").count() == 1


# --- Plans and campaigns --------------------------------------------------------------------
def test_plans_three_people_with_batches_filing_and_publication(cast, dave, client) -> None:
    city = DepartmentFactory(code="SSCJ", level=Department.Level.CITY)
    thing = item(cast.dept_a, "A-1", "企业信息公示情况的检查", min_yearly_ratio_bp=300)
    body = {"department": cast.dept_a.pk, "year": 2026, "title": "甲局年度计划"}
    client.force_login(dave)
    assert client.post("/api/plans/", body).status_code == 404
    client.force_login(cast.alice)
    plan = client.post("/api/plans/", body).json()
    batch = {"title": "第一批", "items": [thing.pk], "window_start": "2026-04-01", "window_end": "2026-06-30", "ratio_bp": 200}
    for who in (dave, cast.charlie):
        client.force_login(who)
        assert client.post(f"/api/plans/{plan['id']}/batches/", batch, content_type="application/json").status_code == 404
        assert client.post(f"/api/plans/{plan['id']}/file/", {"filed_with": city.pk}).status_code == 404
    client.force_login(cast.alice)
    assert client.post(f"/api/plans/{plan['id']}/batches/", batch, content_type="application/json").status_code == 201
    detail = client.get(f"/api/plans/{plan['id']}/").json()
    assert detail["warnings"] == ["事项“企业信息公示情况的检查”法定年度最低抽查比例为 3%，本计划合计 2%，低于下限。"]
    assert client.post(f"/api/plans/{plan['id']}/file/", {"filed_with": city.pk}).json()["status"] == "filed"
    client.force_login(dave)
    assert client.get(f"/api/plans/{plan['id']}/").status_code == 200
    assert client.post(f"/api/plans/{plan['id']}/publish/").status_code == 404
    client.force_login(cast.charlie)
    assert client.get(f"/api/plans/{plan['id']}/").status_code == 404
    client.force_login(cast.alice)
    assert client.post(f"/api/plans/{plan['id']}/publish/").json()["status"] == "published"


def test_a_filed_plan_cannot_get_more_batches(cast, client) -> None:
    plan = plan_save(department=cast.dept_a, user=cast.alice, year=2026, title="计划")
    thing = item(cast.dept_a)
    plan_batch_save(plan=plan, title="一", items=[thing], window_start=dt.date(2026, 4, 1),
                    window_end=dt.date(2026, 5, 1), ratio_bp=300)
    client.force_login(cast.alice)
    client.post(f"/api/plans/{plan.pk}/file/", {"filed_with": cast.dept_b.pk})
    batch = {"title": "二", "items": [thing.pk], "window_start": "2026-06-01", "window_end": "2026-06-30", "ratio_bp": 300}
    answer = client.post(f"/api/plans/{plan.pk}/batches/", batch, content_type="application/json")
    assert answer.status_code == 400 and "已备案" in answer.content.decode()


# --- Tasks ----------------------------------------------------------------------------------
def test_tasks_a_department_not_invited_gets_404(cast, dave, erin, client, joint) -> None:
    task, _ = joint
    for who in (cast.alice, dave, cast.charlie):
        client.force_login(who)
        assert [t["code"] for t in _results(client.get("/api/tasks/"))] == [task.code]
        assert client.get(f"/api/tasks/{task.pk}/").json()["status"] == "published"
    client.force_login(erin)
    assert _results(client.get("/api/tasks/")) == []
    assert client.get(f"/api/tasks/{task.pk}/").status_code == 404
    assert client.post(f"/api/tasks/{task.pk}/claim/", {"items": []}, content_type="application/json").status_code == 404


def test_task_create_and_publish_three_people(cast, dave, client) -> None:
    hotel = item(cast.dept_a, "A-1", "旅馆业治安管理情况的检查", category="key")
    body = {"department": cast.dept_a.pk, "title": "旅馆业联合抽查", "items": [hotel.pk], "participants": [cast.dept_b.pk],
            "draw_mode": "targeted", "filters": {"tags": ["hotel"]}, "sampling": "ratio", "ratio_bp": 2000,
            "window_start": "2026-12-01", "window_end": "2026-12-20", "claim_deadline": "2026-11-25", "deadline": "2026-12-31"}
    for who in (dave, cast.charlie):
        client.force_login(who)
        assert client.post("/api/tasks/", body, content_type="application/json").status_code == 404
    client.force_login(cast.alice)
    created = client.post("/api/tasks/", body, content_type="application/json")
    assert created.status_code == 201, created.content
    data = created.json()
    assert data["code"] == "A-2026-0001" and data["scope"] == "joint" and data["status"] == "draft"
    for who in (dave, cast.charlie):
        client.force_login(who)
        assert client.post(f"/api/tasks/{data['id']}/publish/").status_code == 404
    client.force_login(cast.alice)
    assert client.post(f"/api/tasks/{data['id']}/publish/").json()["status"] == "published"


def test_claims_through_the_api_three_people(cast, dave, client, joint) -> None:
    task, hygiene = joint
    url = f"/api/tasks/{task.pk}/claim/"
    body = {"items": [hygiene.pk], "inspectors_per_entity": 1}
    client.force_login(cast.alice)  # the initiator has no part to claim
    assert client.post(url, body, content_type="application/json").status_code == 404
    client.force_login(person("bea", cast.dept_b, Role.INSPECTOR))  # B, but may only read
    assert client.post(url, body, content_type="application/json").status_code == 404
    client.force_login(cast.charlie)
    answer = client.post(url, body, content_type="application/json")
    assert answer.status_code == 200 and answer.json()["status"] == "claimed"
    again = client.post(url, body, content_type="application/json")
    assert again.status_code == 400 and "不在认领阶段" in again.content.decode()
    assert Task.objects.get(pk=task.pk).status == "ready"


def test_a_decline_through_the_api(cast, client, joint) -> None:
    task, _ = joint
    client.force_login(cast.charlie)
    assert client.post(f"/api/tasks/{task.pk}/decline/", {"reason": ""}).status_code == 400
    answer = client.post(f"/api/tasks/{task.pk}/decline/", {"reason": "不属于本部门职责"})
    assert answer.status_code == 200 and answer.json()["decline_reason"] == "不属于本部门职责"
    assert TaskParticipant.objects.get(task=task, department=cast.dept_b).status == "declined"


def test_a_cap_refusal_through_the_api_names_both_numbers(cast, client) -> None:
    registry(60)
    capped = item(cast.dept_a, "A-1", "营业执照（登记证）规范使用情况的检查", ratio_cap_bp=400)
    task = make_task(user=cast.alice, department=cast.dept_a, items=[capped], ratio_bp=300, draw_mode="untargeted")
    client.force_login(cast.alice)
    answer = client.post(f"/api/tasks/{task.pk}/publish/")
    assert answer.status_code == 400
    assert "实际抽查比例为 5.00%，超过事项“营业执照（登记证）规范使用情况的检查”的比例上限 4%" in answer.json()["detail"][0]


def test_campaigns_are_read_by_members_only(cast, erin, client) -> None:
    from inspections.services import campaign_save

    campaign = campaign_save(lead=cast.dept_a, user=cast.alice, name="旅馆业专项整治", year=2026, departments=[cast.dept_b])
    client.force_login(cast.charlie)
    assert client.get(f"/api/campaigns/{campaign.pk}/").json()["name"] == "旅馆业专项整治"
    client.force_login(erin)
    assert client.get(f"/api/campaigns/{campaign.pk}/").status_code == 404
    assert _results(client.get("/api/campaigns/")) == []


def test_the_endpoints_are_in_the_openapi_schema(cast, client) -> None:
    client.force_login(cast.alice)
    schema = yaml.safe_load(client.get("/api/schema/").content)
    paths = set(schema["paths"])
    for path in ("/api/items/", "/api/items/publish/", "/api/plans/{id}/file/", "/api/plans/{id}/publish/",
                 "/api/plans/{id}/batches/", "/api/campaigns/", "/api/tasks/", "/api/tasks/{id}/claim/",
                 "/api/tasks/{id}/decline/", "/api/tasks/{id}/publish/", "/api/tasks/import-superior/"):
        assert path in paths, path


# Found by schemathesis (scripts/fuzz_api.sh): a non-numeric id such as "null,null" reached int()
# in get_object and answered 500; an id of thousands of digits would too. Now the router answers 404.
@pytest.mark.parametrize("path", [
    "/api/departments/{}/", "/api/sections/{}/", "/api/items/{}/", "/api/plans/{}/", "/api/plans/{}/publish/",
    "/api/campaigns/{}/", "/api/tasks/{}/", "/api/tasks/{}/claim/", "/api/results/{}/", "/api/results/{}/submit/",
])
@pytest.mark.parametrize("bad_id", ["null,null", "-1", "1.5", "9" * 19, "9" * 5000])
def test_a_malformed_id_is_404_not_500(cast, client, path, bad_id) -> None:
    client.force_login(cast.alice)
    url = path.format(bad_id)
    method = client.post if url.count("/") > 4 else client.get
    response = method(url)
    assert response.status_code == 404, (url[:80], response.status_code)

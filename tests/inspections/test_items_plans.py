"""The item list (一单) with versions, annual plans (备案, 公示, yearly floors), campaigns, and tasks
issued by a superior authority, imported from its platform's export."""

import datetime as dt
import json
from pathlib import Path

import pytest
from django.http import Http404

from agencies.models import Department, Role
from core.models import FeedItem, PublicationRecord
from inspections.models import AnnualPlan, ItemListPublication, Task
from inspections.permissions import access_plan
from inspections.services import (
    TaskError,
    campaign_save,
    item_list_publish,
    item_save,
    plan_batch_save,
    plan_file,
    plan_publish,
    plan_ratio_warnings,
    plan_save,
    task_import_superior,
)
from tests.factories import DepartmentFactory, person
from tests.inspections.factories import item

pytestmark = pytest.mark.django_db
DOCS = Path(__file__).resolve().parents[2] / "docs"
YEAR = 2026


def _item_fields(**kw):
    fields = {"code": "SC-1", "name": "营业执照（登记证）规范使用情况的检查", "category": "general", "ratio_cap_bp": 500,
              "methods": ["on_site", "documents"], "legal_basis": "《市场主体登记管理条例》", "object_type": "企业"}
    fields.update(kw)
    return fields


# --- Items -----------------------------------------------------------------------------------
def test_a_change_to_an_item_raises_its_version_and_an_unchanged_save_does_not(cast) -> None:
    saved = item_save(department=cast.dept_a, user=cast.alice, **_item_fields())
    assert saved.version == 1
    saved = item_save(department=cast.dept_a, user=cast.alice, item=saved, **_item_fields())
    assert saved.version == 1
    saved = item_save(department=cast.dept_a, user=cast.alice, item=saved, **_item_fields(ratio_cap_bp=300))
    assert saved.version == 2 and saved.ratio_cap_bp == 300


def test_a_key_item_has_no_ratio_cap(cast) -> None:
    with pytest.raises(TaskError, match="重点检查事项不设抽查比例上限"):
        item_save(department=cast.dept_a, user=cast.alice, **_item_fields(category="key"))


def test_a_yearly_floor_above_the_cap_is_refused(cast) -> None:
    with pytest.raises(TaskError, match="年度最低抽查比例 5% 高于比例上限 3%"):
        item_save(department=cast.dept_a, user=cast.alice, **_item_fields(ratio_cap_bp=300, min_yearly_ratio_bp=500))


def test_a_duplicate_item_code_is_a_clear_error(cast) -> None:
    item_save(department=cast.dept_a, user=cast.alice, **_item_fields())
    with pytest.raises(TaskError, match="已有编号为 SC-1 的事项"):
        item_save(department=cast.dept_a, user=cast.alice, **_item_fields(name="另一个"))


def test_a_sub_item_belongs_under_a_top_level_item_of_the_same_department(cast) -> None:
    parent = item_save(department=cast.dept_a, user=cast.alice, **_item_fields())
    child = item_save(department=cast.dept_a, user=cast.alice, **_item_fields(code="SC-1-1", name="子项", parent=parent))
    assert child.parent == parent
    other = item(cast.dept_b, "B-1")
    with pytest.raises(TaskError, match="上级事项"):
        item_save(department=cast.dept_a, user=cast.alice, **_item_fields(code="SC-2", parent=other))
    with pytest.raises(TaskError, match="上级事项"):
        item_save(department=cast.dept_a, user=cast.alice, **_item_fields(code="SC-3", parent=child))


def test_publishing_the_list_writes_a_new_version_and_keeps_the_previous(cast) -> None:
    first_item = item_save(department=cast.dept_a, user=cast.alice, **_item_fields())
    first = item_list_publish(department=cast.dept_a, user=cast.alice)
    item_save(department=cast.dept_a, user=cast.alice, item=first_item, **_item_fields(ratio_cap_bp=300))
    item_save(department=cast.dept_a, user=cast.alice, **_item_fields(code="SC-2", name="企业信息公示情况的检查",
                                                                      ratio_cap_bp=None, min_yearly_ratio_bp=300))
    second = item_list_publish(department=cast.dept_a, user=cast.alice)
    assert (first.version, second.version) == (1, 2)
    assert ItemListPublication.objects.filter(department=cast.dept_a).count() == 2
    records = list(PublicationRecord.objects.filter(public_id="item_list:A").order_by("version"))
    assert [r.version for r in records] == [1, 2] and records[1].supersedes == records[0]
    assert records[0].kind == "item_list" and records[0].department_code == "A"
    assert records[0].payload["items"] == [{
        "code": "SC-1", "name": "营业执照（登记证）规范使用情况的检查", "parent": None,
        "legal_basis": "《市场主体登记管理条例》", "object_type": "企业", "category": "general",
        "ratio_cap_bp": 500, "frequency": "", "methods": ["on_site", "documents"],
    }]
    assert [i["ratio_cap_bp"] for i in records[1].payload["items"]] == [300, None]


def test_an_empty_list_cannot_be_published(cast) -> None:
    with pytest.raises(TaskError, match="没有有效的抽查事项"):
        item_list_publish(department=cast.dept_a, user=cast.alice)


# --- Plans ------------------------------------------------------------------------------------
@pytest.fixture
def plan(cast):
    return plan_save(department=cast.dept_a, user=cast.alice, year=YEAR, title="甲局2026年度双随机抽查工作计划")


def _batch(plan, items, **kw):
    fields = {"title": "第一批", "items": items, "window_start": dt.date(YEAR, 4, 1), "window_end": dt.date(YEAR, 6, 30),
              "ratio_bp": 200}
    fields.update(kw)
    return plan_batch_save(plan=plan, **fields)


def test_plan_codes_are_readable_and_batches_numbered(cast, plan) -> None:
    assert plan.code == f"A-{YEAR}-JH01"
    first = _batch(plan, [item(cast.dept_a)])
    second = _batch(plan, [first.items.first()], title="第二批")
    assert (first.seq, second.seq) == (1, 2)


def test_a_plan_below_a_legal_yearly_floor_is_warned_about(cast, plan) -> None:
    disclosure = item(cast.dept_a, "SC-2", "企业信息公示情况的检查", min_yearly_ratio_bp=300)
    item(cast.dept_a, "SC-3", "即时公示信息的检查", min_yearly_ratio_bp=300)
    _batch(plan, [disclosure], ratio_bp=200)
    assert plan_ratio_warnings(plan=plan) == [
        "事项“企业信息公示情况的检查”法定年度最低抽查比例为 3%，本计划合计 2%，低于下限。",
        "事项“即时公示信息的检查”法定年度最低抽查比例为 3%，本计划合计 0%，低于下限。",
    ]
    _batch(plan, [disclosure], title="第二批", ratio_bp=100, window_start=dt.date(YEAR, 9, 1),
           window_end=dt.date(YEAR, 10, 31))
    assert plan_ratio_warnings(plan=plan) == ["事项“即时公示信息的检查”法定年度最低抽查比例为 3%，本计划合计 0%，低于下限。"]


def test_a_batch_needs_a_window_within_the_plan_year_and_a_ratio_or_count(cast, plan) -> None:
    with pytest.raises(TaskError, match="计划年度 2026 年内"):
        _batch(plan, [item(cast.dept_a)], window_end=dt.date(YEAR + 1, 1, 31))
    with pytest.raises(TaskError, match="抽查比例、抽查数量"):
        _batch(plan, [item(cast.dept_a, "X")], ratio_bp=None)
    with pytest.raises(TaskError, match="本部门清单"):
        _batch(plan, [item(cast.dept_b, "Y")])


def test_filing_freezes_the_plan_and_tells_the_filing_authority(cast, plan) -> None:
    city = DepartmentFactory(code="SSCJ", name="市市场监督管理局", level=Department.Level.CITY)
    superior = person("superior", city, Role.SUPERIOR)
    with pytest.raises(TaskError, match="至少需要一个批次"):
        plan_file(plan=plan, user=cast.alice, filed_with=city)
    _batch(plan, [item(cast.dept_a)])
    plan = plan_file(plan=plan, user=cast.alice, filed_with=city)
    assert plan.status == "filed" and plan.filed_with == city and plan.filed_at
    assert FeedItem.objects.filter(recipient=superior, title__contains="计划备案").exists()
    with pytest.raises(TaskError, match="已备案"):
        _batch(plan, [item(cast.dept_a, "Z")])
    with pytest.raises(TaskError, match="不是草稿"):
        plan_file(plan=plan, user=cast.alice, filed_with=city)


def test_the_filing_authority_reads_the_plan_filed_with_it_and_cannot_change_it(cast, plan, client) -> None:
    city = DepartmentFactory(code="SSCJ", name="市市场监督管理局", level=Department.Level.CITY)
    superior = person("superior", city, Role.SUPERIOR)
    client.force_login(superior)
    assert client.get(f"/plans/{plan.pk}/").status_code == 404
    _batch(plan, [item(cast.dept_a)])
    plan_file(plan=plan, user=cast.alice, filed_with=city)
    assert client.get(f"/plans/{plan.pk}/").status_code == 200
    assert plan.code in client.get("/plans/").content.decode()
    assert access_plan(user=superior, pk=plan.pk).pk == plan.pk
    with pytest.raises(Http404):
        access_plan(user=superior, pk=plan.pk, write=True)


def test_publishing_a_filed_plan_writes_the_public_record(cast, plan) -> None:
    with pytest.raises(TaskError, match="先备案"):
        plan_publish(plan=plan, user=cast.alice)
    _batch(plan, [item(cast.dept_a)], participants=[cast.dept_b])
    plan_file(plan=plan, user=cast.alice, filed_with=cast.dept_b)
    plan = plan_publish(plan=plan, user=cast.alice)
    assert plan.status == AnnualPlan.Status.PUBLISHED
    record = PublicationRecord.objects.get(kind="plan", public_id=f"plan:{plan.code}")
    assert record.year == YEAR and record.department_code == "A"
    assert record.payload["batches"][0]["departments"] == ["甲局", "乙局"]
    assert record.payload["batches"][0]["items"] == ["营业执照（登记证）规范使用情况的检查"]


# --- Campaigns --------------------------------------------------------------------------------
def test_a_campaign_tells_its_member_departments(cast) -> None:
    campaign = campaign_save(lead=cast.dept_a, user=cast.alice, name="旅馆业专项整治", year=YEAR,
                             departments=[cast.dept_a, cast.dept_b])
    assert campaign.code == f"A-ZX-{YEAR}-01"
    assert list(campaign.departments.all()) == [cast.dept_b]
    assert FeedItem.objects.filter(recipient=cast.charlie, title="专项整治：旅馆业专项整治").exists()


# --- Superior tasks ---------------------------------------------------------------------------
@pytest.fixture
def superior_setup(cast):
    DepartmentFactory(code="SSCJ", name="市市场监督管理局", level=Department.Level.CITY)
    item(cast.dept_a, "SCJG-004", "特种设备使用单位的检查", category="key")
    item(cast.dept_a, "SCJG-002", "企业信息公示情况的检查")
    DepartmentFactory(code="WJJ", name="区卫生健康局")
    return cast


def test_the_documented_json_example_imports_and_a_second_import_adds_nothing(superior_setup) -> None:
    cast = superior_setup
    data = (DOCS / "examples" / "superior-tasks.json").read_bytes()
    created, skipped = task_import_superior(department=cast.dept_a, user=cast.alice, data=data, filename="x.json")
    assert [t.superior_ref for t in created] == ["济市监随机〔2026〕3号", "济市监随机〔2026〕5号"]
    first = created[0]
    assert first.source == Task.Source.SUPERIOR and first.superior.code == "SSCJ" and first.status == "draft"
    assert first.code == "A-2026-0001" and first.sampling == "count" and first.count == 10
    second = created[1]
    assert second.risk_ratios_bp == {"A": 100, "B": 200, "C": 1000, "D": 3000}
    assert second.is_joint and second.claim_deadline == dt.date(2026, 9, 10)
    created, skipped = task_import_superior(department=cast.dept_a, user=cast.alice, data=data, filename="x.json")
    assert created == [] and skipped == ["济市监随机〔2026〕3号", "济市监随机〔2026〕5号"]


def test_the_documented_csv_example_imports_the_same_tasks(superior_setup) -> None:
    cast = superior_setup
    data = (DOCS / "examples" / "superior-tasks.csv").read_bytes()
    created, _ = task_import_superior(department=cast.dept_a, user=cast.alice, data=data, filename="x.csv")
    from_json = json.loads((DOCS / "examples" / "superior-tasks.json").read_text())["tasks"]
    assert [t.title for t in created] == [t["title"] for t in from_json]
    assert created[0].filters == {"tags": ["special-equipment"]}
    assert created[1].risk_ratios_bp == {"A": 100, "B": 200, "C": 1000, "D": 3000}


def test_an_import_with_one_bad_record_imports_nothing_and_names_the_row(superior_setup) -> None:
    cast = superior_setup
    rows = ("superior,superior_ref,title,items,window_start,window_end,deadline,ratio_percent\n"
            "SSCJ,R1,好的任务,SCJG-002,2026-09-01,2026-09-30,2026-10-31,3\n"
            "SSCJ,R2,坏的任务,NOPE,2026-09-01,2026-09-30,2026-10-31,3\n"
            "A,R3,区级部门不能下发,SCJG-002,2026-09-01,2026-09-30,2026-10-31,3\n")
    with pytest.raises(TaskError) as caught:
        task_import_superior(department=cast.dept_a, user=cast.alice, data=rows.encode(), filename="x.csv")
    assert "第 3 行：本部门清单中没有这些有效事项：NOPE" in str(caught.value)
    assert "第 4 行：下发机关代码“A”不是平台中的市级或省级部门" in str(caught.value)
    assert not Task.objects.exists()

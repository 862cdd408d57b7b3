"""A general item's ratio cap: rounding up per stratum may push a task past it; the task is then
refused with a message naming both numbers, never cut silently."""

import pytest

from agencies.models import Role
from inspections.models import TaskParticipant
from inspections.services import TaskError, task_check_caps, task_publish
from tests.factories import DepartmentFactory, person
from tests.inspections.entities import registry
from tests.inspections.factories import item, make_task

pytestmark = pytest.mark.django_db
LICENCE = "营业执照（登记证）规范使用情况的检查"


@pytest.fixture
def scjg():
    dept = DepartmentFactory(code="SCJG")
    # 60 entities: 15 enterprises, 30 individual businesses, 15 co-operatives; risk classes A, B, B, C, D.
    registry(60)
    return dept, person("clerk", dept, Role.STAFF)


def test_rounding_up_past_the_cap_refuses_publication_naming_both_numbers(scjg) -> None:
    dept, user = scjg
    capped = item(dept, "SC-1", LICENCE, ratio_cap_bp=400)
    task = make_task(user=user, department=dept, items=[capped], ratio_bp=300, draw_mode="untargeted")
    # 3% rounded up in each of three strata is 1 + 1 + 1 = 3 of 60: 5.00%, above the 4% cap.
    with pytest.raises(TaskError) as caught:
        task_publish(task=task, user=user)
    assert str(caught.value) == f"按“不低于 3%”逐层向上取整后实际抽查比例为 5.00%，超过事项“{LICENCE}”的比例上限 4%。"
    task.refresh_from_db()
    assert task.status == "draft" and not task.transitions.exists()


def test_a_task_within_the_cap_is_published(scjg) -> None:
    dept, user = scjg
    capped = item(dept, "SC-1", LICENCE, ratio_cap_bp=500)
    task = make_task(user=user, department=dept, items=[capped], ratio_bp=300, draw_mode="untargeted")
    task_publish(task=task, user=user)  # exactly 5.00%: at the cap is allowed
    task.refresh_from_db()
    assert task.status == "ready"


def test_key_items_have_no_cap_to_break(scjg) -> None:
    dept, user = scjg
    key = item(dept, "SC-4", "特种设备使用单位的检查", category="key")
    task = make_task(user=user, department=dept, items=[key], ratio_bp=5000, draw_mode="untargeted")
    task_publish(task=task, user=user)
    task.refresh_from_db()
    assert task.status == "ready"


def test_the_check_counts_only_entities_within_the_filters(scjg) -> None:
    dept, user = scjg
    capped = item(dept, "SC-1", LICENCE, ratio_cap_bp=1000)
    targeted = make_task(user=user, department=dept, items=[capped], ratio_bp=300,
                         filters={"entity_types": ["enterprise"], "risk_classes": ["A"]})
    # 3 enterprises of class A: rounding up takes 1 of 3 = 33.33%.
    with pytest.raises(TaskError, match=r"实际抽查比例为 33\.33%，超过事项“.+”的比例上限 10%"):
        task_check_caps(targeted)


def test_a_count_above_the_cap_is_refused_too(scjg) -> None:
    dept, user = scjg
    capped = item(dept, "SC-1", LICENCE, ratio_cap_bp=500)
    task = make_task(user=user, department=dept, items=[capped], sampling="count", count=6, ratio_bp=None,
                     draw_mode="untargeted")
    with pytest.raises(TaskError, match="按抽查数量 6 户抽取后实际抽查比例为 10.00%，超过事项.+比例上限 5%"):
        task_check_caps(task)


def test_deregistered_entities_do_not_count(scjg) -> None:
    dept, user = scjg
    registry(60, start=1000, status="deregistered")
    capped = item(dept, "SC-1", LICENCE, ratio_cap_bp=400)
    task = make_task(user=user, department=dept, items=[capped], ratio_bp=300, draw_mode="untargeted")
    with pytest.raises(TaskError, match="5.00%"):
        task_check_caps(task)


def test_a_claim_that_adds_a_capped_item_past_its_cap_is_refused(scjg, client) -> None:
    dept, user = scjg
    wjj = DepartmentFactory(code="WJJ")
    wjj_user = person("wjj", wjj, Role.STAFF)
    task = make_task(user=user, department=dept, participants=[wjj], ratio_bp=300, draw_mode="untargeted",
                     items=[item(dept, "SC-4", "特种设备使用单位的检查", category="key")], claim_deadline=None)
    task_publish(task=task, user=user)
    hygiene = item(wjj, "W-1", "公共场所卫生的检查", ratio_cap_bp=400)
    client.force_login(wjj_user)
    page = client.post(f"/tasks/{task.pk}/claim/", {"items": [hygiene.pk], "inspectors_per_entity": 1})
    assert page.status_code == 200
    assert "实际抽查比例为 5.00%，超过事项“公共场所卫生的检查”的比例上限 4%" in page.content.decode()
    assert TaskParticipant.objects.get(task=task, department=wjj).status == "invited"

"""The acceptance test of joint tasks, in the browser.

The police department's staff launch the joint hotel-industry task; housing, health and fire staff
each log in and claim their part; the task reaches "ready to draw"; a department that was not
invited cannot see it (404). Then the task pages on a phone-sized screen.
"""

import pytest
from django.core.management import call_command

from core.demo import DEMO_PASSWORD
from tests.e2e.conftest import login, shot

pytestmark = pytest.mark.django_db(transaction=True)

CLAIMS = [("zjj_staff", "ZJJ-001 房屋使用安全的检查"), ("wjj_staff", "WJJ-001 公共场所卫生的检查"),
          ("xf_staff", "XF-001 消防安全的检查")]


@pytest.fixture
def demo(live_server):  # type: ignore[no-untyped-def]
    from entities.codes import load_industries, load_regions, load_tags
    from entities.models import Industry, Region, Tag

    # An earlier transactional test may have flushed the code tables the migrations loaded.
    for loader, model in ((load_industries, Industry), (load_regions, Region), (load_tags, Tag)):
        if not model.objects.exists():
            loader(model)
    call_command("seed_demo")
    return live_server


def _as(browser, live_server, username: str, *, phone: bool = False):  # type: ignore[no-untyped-def]
    size = {"width": 390, "height": 844} if phone else {"width": 1280, "height": 800}
    context = browser.new_context(viewport=size, locale="zh-CN", is_mobile=phone, has_touch=phone)
    page = context.new_page()
    login(page, live_server, username, DEMO_PASSWORD)
    return context, page


def _no_sideways_scroll(page) -> None:  # type: ignore[no-untyped-def]
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"{page.url} scrolls sideways on a phone: {width}px"


def test_police_launch_the_joint_hotel_task_and_three_departments_claim_it(browser, demo) -> None:
    from inspections.models import Task

    context, page = _as(browser, demo, "ga_staff")
    page.click("nav.mainnav >> text=抽查任务")
    page.click("text=发起任务")
    page.fill("#id_title", "旅馆业联合抽查（验收）")
    page.select_option("#id_campaign", label="旅馆业专项整治")
    page.get_by_label("GA-001 旅馆业治安管理情况的检查").check()
    for name in ("区住房和城乡建设局", "区卫生健康局", "区消防救援大队"):
        page.get_by_label(name, exact=True).check()
    page.get_by_label("旅馆业", exact=True).check()
    page.fill("#id_ratio", "20")
    page.get_by_label("检查开始前不公开抽取名单").check()
    shot(page, "task-create-desktop")
    page.get_by_role("button", name="保存草稿").click()
    page.wait_for_load_state("networkidle")
    task = Task.objects.get(title="旅馆业联合抽查（验收）")
    assert page.url.endswith(f"/tasks/{task.pk}/"), page.url
    assert task.code.startswith("GA-") and task.filters == {"tags": ["hotel"]} and task.secret
    page.get_by_role("button", name="发布任务").click()
    page.wait_for_load_state("networkidle")
    assert "任务已发布" in page.content()
    assert page.locator(".ins-steps li.current").inner_text() == "已发布（待认领）"
    context.close()

    for username, item_label in CLAIMS:
        context, page = _as(browser, demo, username)
        page.goto(f"{demo.url}/tasks/")
        assert "待本部门认领" in page.content()
        page.click(f"a[href='/tasks/{task.pk}/claim/']")
        page.get_by_label(item_label).check()
        page.fill("#id_inspectors_per_entity", "1")
        shot(page, f"task-claim-{username}")
        page.get_by_role("button", name="确认认领").click()
        page.wait_for_load_state("networkidle")
        assert "已认领" in page.content(), page.content()
        context.close()

    task.refresh_from_db()
    assert task.status == "ready"
    assert set(task.participants.values_list("status", flat=True)) == {"initiator", "claimed"}
    context, page = _as(browser, demo, "ga_staff")
    page.goto(f"{demo.url}/tasks/{task.pk}/")
    assert page.locator(".ins-steps li.current").inner_text() == "待抽取"
    for _, item_label in CLAIMS:
        assert item_label.split(" ", 1)[1] in page.locator("main").inner_text()
    shot(page, "task-detail-ready-desktop")
    context.close()

    context, page = _as(browser, demo, "hb_staff")  # 生态环境分局 was not invited
    response = page.goto(f"{demo.url}/tasks/{task.pk}/")
    assert response is not None and response.status == 404
    page.goto(f"{demo.url}/tasks/")
    assert task.code not in page.content()
    context.close()


def test_the_task_pages_on_a_phone(browser, demo) -> None:
    from inspections.models import AnnualPlan, Task

    hotel = Task.objects.get(title="旅馆业联合抽查（第一批）")
    plan = AnnualPlan.objects.get(department__code="ZJJ")
    context, page = _as(browser, demo, "zjj_staff", phone=True)
    for path, name in ((f"/tasks/{hotel.pk}/", "task-detail-phone"), (f"/tasks/{hotel.pk}/claim/", "task-claim-phone"),
                       ("/tasks/", "task-list-phone"), ("/items/", "items-phone"), (f"/plans/{plan.pk}/", "plan-phone"),
                       (f"/campaigns/{hotel.campaign_id}/", "campaign-phone")):
        page.goto(f"{demo.url}{path}")
        shot(page, name)
        _no_sideways_scroll(page)
    context.close()
    context, page = _as(browser, demo, "ga_staff", phone=True)
    for path, name in (("/tasks/new/", "task-create-phone"), (f"/tasks/{hotel.pk}/", "task-detail-initiator-phone")):
        page.goto(f"{demo.url}{path}")
        shot(page, name)
        _no_sideways_scroll(page)
    context.close()

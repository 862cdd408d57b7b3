"""A staff member announces a draw, shows the ceremony screen, enters the lottery numbers and
watches the real Celery worker finish the selection, on a desktop and on a 390 px phone."""

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from agencies.models import Role
from inspections.models import Draw
from inspections.services import task_publish
from tests.e2e.conftest import login, shot
from tests.factories import PASSWORD, DepartmentFactory, person
from tests.inspections.entities import registry
from tests.inspections.factories import make_task

pytestmark = [pytest.mark.postgres, pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def ready_task(db):
    dept = DepartmentFactory(code="SCJG", name="区市场监管局")
    clerk = person("draw_clerk", dept, Role.STAFF)
    registry(80)
    task = make_task(user=clerk, department=dept, title="2026年食品经营者双随机抽查", sampling="risk_ratio",
                     risk_ratios_bp={"A": 300, "B": 500, "C": 1000, "D": 3000})
    task_publish(task=task, user=clerk)
    task.refresh_from_db()
    assert task.status == "ready"
    return task


def test_a_staff_member_announces_draws_and_sees_the_result(page, phone, live_server, celery_worker, ready_task, monkeypatch) -> None:
    task = ready_task
    login(page, live_server, "draw_clerk", PASSWORD)
    page.goto(f"{live_server.url}/tasks/{task.pk}/draws/")
    page.get_by_role("link", name="公告抽取检查对象").click()
    expect(page.locator("#id_lottery_date")).to_have_value((timezone.localdate() + dt.timedelta(days=1)).isoformat())
    shot(page, "draw-announce")
    page.get_by_role("button", name="冻结名录并公告").click()
    draw = Draw.objects.get(task=task)
    expect(page).to_have_url(f"{live_server.url}/draws/{draw.pk}/")
    expect(page.get_by_text("等待录入随机数")).to_be_visible()

    page.get_by_role("link", name="抽取仪式展示").first.click()
    expect(page.locator(".draw-ceremony-hash").first).to_contain_text(draw.announcement["commitment_hash_hex"][:8])
    expect(page.locator(".draw-ceremony")).to_contain_text("中国体育彩票排列5")
    shot(page, "draw-ceremony")

    page.goto(f"{live_server.url}/draws/{draw.pk}/randomness/")
    page.fill("#id_value_0", "4 0 7")
    page.fill("#id_value_1", "3 9 1 1 6")
    page.get_by_role("button", name="保存随机数并抽取").click()
    expect(page.locator(".ins-refusal")).to_contain_text("尚未产生，不能提前录入")
    shot(page, "draw-randomness-refused")

    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    monkeypatch.setattr("inspections.drawing.timezone.localdate", lambda: tomorrow)  # the lottery has now been drawn
    page.get_by_role("button", name="保存随机数并抽取").click()
    expect(page).to_have_url(f"{live_server.url}/draws/{draw.pk}/")
    expect(page.locator("[data-progress-text]")).to_have_text("已完成", timeout=60_000)  # the worker, then a reload
    draw.refresh_from_db()
    assert draw.status == "done" and draw.selected_count > 0
    first = draw.selections.order_by("rank").first()
    expect(page.locator("table.draw-selected")).to_contain_text(first.entity_id)
    expect(page.locator("table.draw-selected")).to_contain_text(first.order_hex)
    expect(page.get_by_role("link", name="下载证据包")).to_be_visible()
    shot(page, "draw-done")

    login(phone, live_server, "draw_clerk", PASSWORD)
    for path, name in ((f"/draws/{draw.pk}/", "draw-done-phone"), (f"/draws/{draw.pk}/ceremony/", "draw-ceremony-phone"),
                       (f"/tasks/{task.pk}/draws/", "draw-overview-phone"), (f"/tasks/{task.pk}/draws/fairness/", "draw-fairness-phone")):
        phone.goto(f"{live_server.url}{path}")
        width = phone.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"{path} scrolls sideways on a phone ({width}px)"
        shot(phone, name)
    expect(phone.locator("h1")).to_have_text(re.compile("抽取公平性报告"))


def test_the_matching_page_and_a_redraw_request_on_desktop_and_phone(page, phone, live_server, ready_task, settings) -> None:
    from inspections.drawing import draw_announce, draw_record_randomness, matching_announce
    from inspections.models import RedrawRequest
    from inspectors.models import Inspector

    settings.CELERY_TASK_ALWAYS_EAGER = True  # the setup runs in-process; the pages are what this test looks at
    task, tomorrow = ready_task, timezone.localdate() + dt.timedelta(days=1)
    clerk = task.created_by
    person("draw_chief", task.department, Role.SECTION_CHIEF)
    for i in range(3):
        Inspector.objects.create(department=task.department, name=f"执法员{i}", cert_no=f"SC-{i:04d}")
    entity_draw = draw_announce(task=task, user=clerk)
    draw_record_randomness(draw=entity_draw, raw_values=["407", "39116"], user=clerk, today=tomorrow)
    task.refresh_from_db()
    task.inspector_load_cap = 5  # 3 people x 5 < 2 per entity: some slots stay empty
    task.save(update_fields=["inspector_load_cap"])
    match = matching_announce(task=task, user=clerk)
    draw_record_randomness(draw=match, raw_values=["123", "45678"], user=clerk, today=tomorrow)
    match.refresh_from_db()
    assert match.status == "done"
    RedrawRequest.objects.create(draw=match, reason="一名执法人员长期病假", requested_by=clerk)

    login(page, live_server, "draw_clerk", PASSWORD)
    page.goto(f"{live_server.url}/draws/{match.pk}/")
    expect(page.locator(".draw-team").first).to_contain_text("组长")
    expect(page.locator(".draw-shortfall-note")).to_be_visible()
    shot(page, "draw-matching")
    login(phone, live_server, "draw_chief", PASSWORD)
    phone.goto(f"{live_server.url}/draws/{match.pk}/")
    shot(phone, "draw-matching-phone")
    phone.goto(f"{live_server.url}/draws/redraw-requests/")
    phone.get_by_role("link", name="审批").click()
    expect(phone.locator("h1")).to_have_text("审批重新抽取申请")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    shot(phone, "draw-redraw-request-phone")

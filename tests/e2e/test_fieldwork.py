"""From the draw to the door: a clerk builds the joint team, issues and prints the notice and
downloads its PDF; the entity opens the link on a phone without an account, confirms reading and
agrees a date; the clerk sees both recorded."""

import io
import re

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from inspections.models import Notice, TeamMember
from tests.e2e.conftest import login, shot
from tests.factories import PASSWORD
from tests.inspections.fieldwork_setup import build_joint

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def joint(cast, settings, django_capture_on_commit_callbacks, live_server):
    settings.CELERY_TASK_ALWAYS_EAGER = True  # the draws are the setting here, not the subject
    settings.SITE_URL = live_server.url
    return build_joint(cast, django_capture_on_commit_callbacks)


def test_team_notice_pdf_and_the_entity_agreeing_a_date(page, phone, live_server, joint) -> None:
    visit = joint.visit
    login(page, live_server, "alice", PASSWORD)
    page.goto(f"{live_server.url}/tasks/{joint.task.pk}/")
    page.get_by_role("link", name="检查组与通知书").click()
    expect(page.get_by_role("heading", name="检查组与通知书")).to_be_visible()
    shot(page, "fieldwork-visits")
    page.get_by_role("link", name=visit.entity.name, exact=True).click()
    expect(page.get_by_text("尚未组建检查组")).to_be_visible()
    page.get_by_role("button", name="按人员匹配结果组建检查组").click()
    expect(page.locator(".messages")).to_contain_text("已按人员匹配结果组建检查组")
    leader = TeamMember.objects.get(visit=visit, is_leader=True)
    expect(page.locator(".fw-team")).to_contain_text(leader.name)
    expect(page.locator(".fw-team")).to_contain_text("住建局")

    page.get_by_text("添加协助人员、专家或委托专业机构").click()
    page.select_option("#id_kind", "third_party")
    page.fill("#id_name", "济南正衡房屋安全鉴定有限公司")
    page.select_option("#id_item", label="住建局：房屋使用安全的检查")
    page.fill("#id_reason", "房屋结构安全初步判断")
    page.get_by_role("button", name="添加", exact=True).click()
    expect(page.locator(".fw-team")).to_contain_text("济南正衡房屋安全鉴定有限公司")

    first, second = visit.window_start, visit.window_end
    page.fill("#id_first", first.isoformat())
    page.fill("#id_second", second.isoformat())
    page.get_by_role("button", name="生成检查通知书").click()
    expect(page.locator(".messages")).to_contain_text("检查通知书已生成")
    shot(page, "fieldwork-visit-team")

    page.get_by_role("link", name="查看检查通知书").click()
    expect(page.get_by_role("heading", name="检查通知书")).to_be_visible()
    expect(page.locator(".fw-people")).to_contain_text(leader.inspector.cert_no)
    expect(page.locator(".fw-qr img")).to_be_visible()
    shot(page, "fieldwork-notice-desktop")
    page.emulate_media(media="print")
    expect(page.locator(".topbar")).to_be_hidden()
    shot(page, "fieldwork-notice-print")
    page.emulate_media(media="screen")

    with page.expect_download() as download_info:
        page.get_by_role("link", name="下载 PDF").click()
    pdf = open(download_info.value.path(), "rb").read()  # noqa: SIM115
    text = re.sub(r"\s+", "", "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages))
    notice = Notice.objects.get(visit=visit)
    assert "检查通知书" in text and notice.token in text and visit.entity.name in text

    link = page.locator(".fw-url").get_attribute("href")
    assert link == f"{live_server.url}/n/{notice.token}/"
    phone.goto(link)  # a fresh context: no session, no account
    expect(phone.get_by_role("heading", name="请确认已阅读并约定检查日期")).to_be_visible()
    expect(phone.locator(".fw-notice")).to_contain_text("旅客住宿登记簿")
    shot(phone, "fieldwork-token-phone")
    phone.fill("#id_signer", "王经理")
    phone.get_by_label(second.isoformat()).check()
    phone.get_by_role("button", name="确认已阅读").click()
    expect(phone.locator("#fw-agreed-ok")).to_contain_text(second.isoformat())
    expect(phone.locator("#fw-read-ok")).to_contain_text("确认阅读")
    expect(phone.locator("main")).not_to_contain_text("王经理")  # the signer's name stays staff-side
    shot(phone, "fieldwork-token-phone-agreed")
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the token page scrolls sideways on a phone ({width}px)"

    page.goto(f"{live_server.url}/visits/{visit.pk}/")
    expect(page.locator("#fw-read")).to_contain_text("王经理")
    expect(page.locator("#fw-agreed")).to_contain_text(second.isoformat())
    page.get_by_text("送达与回执记录").click()
    expect(page.locator(".fw-events")).to_contain_text("主体同意检查日期")
    shot(page, "fieldwork-visit-recorded")
    page.get_by_role("link", name="联合总表").click()
    expect(page.locator(".fw-sheet")).to_contain_text(second.isoformat())
    shot(page, "fieldwork-sheet")

"""On a 390 px phone: the inspector of the hotel task enters both results for an entity, one with
a photo; the section chief returns one with a reason; it is corrected and both are approved; the
task moves on to publication and the real Celery worker writes the publication records."""

import io

import pytest
from PIL import Image
from playwright.sync_api import expect

from core.models import OutboxItem, PublicationRecord
from inspections.models import Result, ResultAttachment, ResultReview
from tests.conftest import wait_for
from tests.e2e.conftest import login, shot
from tests.factories import PASSWORD
from tests.inspections.results_setup import hotel_task

pytestmark = [pytest.mark.postgres, pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def photo(tmp_path):
    path = tmp_path / "现场照片.jpg"
    image = Image.new("RGB", (320, 240), (180, 40, 40))
    out = io.BytesIO()
    image.save(out, "JPEG")
    path.write_bytes(out.getvalue())
    return path


@pytest.fixture
def hotel(settings, tmp_path, official_calendar):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    return hotel_task()


def _phone(browser):  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN", is_mobile=True, has_touch=True)
    return context.new_page()


def _fits(page, name: str) -> None:  # type: ignore[no-untyped-def]
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"{page.url} scrolls sideways on a phone ({width}px)"
    shot(page, name)


def _enter(page, live_server, hotel, n: int, category: str, findings: str, photo=None, submit: bool = True) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{live_server.url}/results/visits/{hotel.visit.pk}/tasks/{hotel.task.pk}/")
    page.get_by_role("link", name=hotel.items[n].name).click()
    page.get_by_label(category, exact=True).check()
    page.get_by_label("实地检查", exact=True).check()
    page.get_by_label("检查情况").fill(findings)
    if photo is not None:
        page.set_input_files("input[type=file]", str(photo))
    if submit:
        page.get_by_role("button", name="提交审核").click()
        expect(page.locator(".messages")).to_contain_text("已提交审核")


def test_an_inspector_enters_results_on_a_phone_and_the_chief_reviews_them(browser, phone, live_server, celery_worker, hotel, photo) -> None:
    login(phone, live_server, "inspector", PASSWORD)
    phone.goto(f"{live_server.url}/results/")
    phone.get_by_role("link", name="测试商户0").click()
    expect(phone.locator("h1")).to_have_text("测试商户0")
    _fits(phone, "results-visit-phone")

    # The first item, with a photo: the draft autosaves while typing, then it is submitted.
    _enter(phone, live_server, hotel, 0, "未发现问题", "前台实名登记规范，监控正常", photo=photo, submit=False)
    expect(phone.locator("[data-autosave-status]")).to_contain_text("草稿已自动保存", timeout=15_000)
    assert Result.objects.get(item=hotel.items[0]).status == "draft"
    _fits(phone, "results-entry-phone")
    phone.get_by_role("button", name="提交审核").click()
    expect(phone.locator(".messages")).to_contain_text("已提交审核")
    attachment = ResultAttachment.objects.get()
    assert attachment.content_type == "image/jpeg" and attachment.original_name == "现场照片.jpg"

    # The second: the connection drops mid-form; nothing typed is lost, and it reaches the server.
    _enter(phone, live_server, hotel, 1, "发现问题已责令改正", "住宿登记簿缺", submit=False)
    phone.context.set_offline(True)
    phone.get_by_label("检查情况").fill("住宿登记簿缺两页，已当场责令改正")
    expect(phone.locator("[data-autosave-status]")).to_contain_text("网络中断", timeout=15_000)
    _fits(phone, "results-offline-phone")
    assert not Result.objects.filter(findings="住宿登记簿缺两页，已当场责令改正").exists()
    phone.context.set_offline(False)  # the connection returns: the kept copy is sent by itself
    expect(phone.locator("[data-autosave-status]")).to_contain_text("草稿已自动保存", timeout=15_000)
    phone.reload()
    expect(phone.get_by_label("检查情况")).to_have_value("住宿登记簿缺两页，已当场责令改正")
    assert wait_for(lambda: Result.objects.filter(item=hotel.items[1], findings="住宿登记簿缺两页，已当场责令改正").exists(), timeout=15)
    # Sends fail, the page is closed and opened again: the copy kept in the phone is restored and sent.
    phone.route("**/items/*/", lambda route: route.abort() if route.request.method == "POST" else route.continue_())
    phone.locator("#id_avoidance_on_site").fill("主体当场申请李四回避，已由王组长决定更换")
    expect(phone.locator("[data-autosave-status]")).to_contain_text("网络中断", timeout=15_000)
    phone.unroute("**/items/*/")
    phone.reload()
    expect(phone.locator("#id_avoidance_on_site")).to_have_value("主体当场申请李四回避，已由王组长决定更换")
    assert wait_for(lambda: Result.objects.filter(item=hotel.items[1], avoidance_on_site__startswith="主体当场申请").exists(), timeout=15)
    phone.get_by_role("button", name="提交审核").click()
    expect(phone.locator(".messages")).to_contain_text("已提交审核")
    _fits(phone, "results-submitted-phone")
    hotel.task.refresh_from_db()
    assert hotel.task.status == "in_review"

    # The chief, on a phone too: the queue with the deadline, one result returned with a reason.
    chief = _phone(browser)
    login(chief, live_server, "chief", PASSWORD)
    chief.goto(f"{live_server.url}/results/review/")
    expect(chief.locator(".res-cards .card")).to_have_count(2)
    expect(chief.locator(".res-cards")).to_contain_text("公示期限")
    _fits(chief, "results-review-queue-phone")
    returned = Result.objects.get(item=hotel.items[1])
    chief.goto(f"{live_server.url}/results/{returned.pk}/")
    chief.get_by_label("退回修改").check()
    chief.get_by_label("审核意见（退回时必填）").fill("责令改正须附整改通知书照片")
    _fits(chief, "results-review-phone")
    chief.get_by_role("button", name="提交审核结论").click()
    expect(chief.locator(".messages")).to_contain_text("已退回修改")
    hotel.task.refresh_from_db()
    assert hotel.task.status == "inspecting"

    # The inspector sees the reason, corrects and resubmits.
    phone.goto(f"{live_server.url}/results/")
    phone.locator(".res-returned").get_by_role("link").click()
    expect(phone.locator(".res-return-reason")).to_contain_text("责令改正须附整改通知书照片")
    phone.get_by_label("检查情况").fill("住宿登记簿缺两页，已当场责令改正，整改通知书见附件")
    phone.set_input_files("input[type=file]", str(photo))
    _fits(phone, "results-correct-phone")
    phone.get_by_role("button", name="提交审核").click()
    expect(phone.locator(".messages")).to_contain_text("已提交审核")

    # Both approved: the task moves on to publication; the worker writes the records.
    for result in Result.objects.order_by("pk"):
        chief.goto(f"{live_server.url}/results/{result.pk}/")
        chief.get_by_label("审核通过").check()
        chief.get_by_role("button", name="提交审核结论").click()
        expect(chief.locator(".messages")).to_contain_text("已审核通过")
    hotel.task.refresh_from_db()
    assert hotel.task.status == "results_published"
    records = wait_for(lambda: PublicationRecord.objects.filter(kind="result").count() == 2, timeout=60)
    assert records, "the worker did not publish both results"
    assert OutboxItem.objects.filter(handler="inspections.publish_result").exclude(status="done").count() == 0
    assert {tuple(r.payload["检查结果"]) for r in PublicationRecord.objects.filter(kind="result")} == {("未发现问题",), ("发现问题已责令改正",)}
    assert list(ResultReview.objects.filter(result=returned).values_list("action", flat=True)) == ["submit", "return", "submit", "approve"]
    chief.goto(f"{live_server.url}/results/{returned.pk}/")
    expect(chief.locator(".res-history")).to_contain_text("责令改正须附整改通知书照片")  # the history stays
    _fits(chief, "results-approved-phone")
    chief.goto(f"{live_server.url}/tasks/{hotel.task.pk}/results/")
    expect(chief.locator("[data-task-status]")).to_have_text("结果已公示")
    _fits(chief, "results-task-phone")
    chief.context.close()

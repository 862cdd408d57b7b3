"""The office sees a department with an overdue publication, sends a reminder letter with two
items; the department's liaison answers both; the office's letters list shows it answered."""

import datetime as dt

import pytest

from agencies.models import Department, Role
from inspections.models import ParticipantStatus, Task, TaskParticipant
from oversight.models import LetterStatus, ReminderLetter
from tests.e2e.conftest import login, shot
from tests.factories import PASSWORD, DepartmentFactory, person

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def district(live_server, official_calendar):
    office = DepartmentFactory(code="LXB", name="区双随机一公开监管工作联席会议办公室", short_name="联席办", kind=Department.Kind.OFFICE)
    scjg = DepartmentFactory(code="SCJG", name="区市场监督管理局", short_name="市场监管局")
    DepartmentFactory(code="GA", name="公安分局")
    person("office", office, Role.OFFICE)
    staff = person("scj_staff", scjg, Role.STAFF)
    person("scj_liaison", scjg, Role.LIAISON)
    # Inspection ended 1 Sep 2026; 20 working days later the results were due; still in review.
    task = Task.objects.create(
        code="SCJG-2026-007", title="餐饮服务单位联合抽查", department=scjg, year=2026, status="in_review",
        window_start=dt.date(2026, 8, 1), window_end=dt.date(2026, 9, 1), deadline=dt.date(2026, 10, 30), created_by=staff,
    )
    TaskParticipant.objects.create(task=task, department=scjg, status=ParticipantStatus.INITIATOR)
    return live_server


def test_office_sends_a_letter_with_two_items_and_the_liaison_answers_both(page, district) -> None:
    login(page, district, "office", PASSWORD)
    page.goto(f"{district.url}/oversight/letters/")
    row = page.locator("#attention tr[data-department=SCJG]")
    assert "区市场监督管理局" in row.inner_text() and row.locator("strong.bad").first.inner_text() == "1"
    assert page.locator("#attention tr[data-department=GA]").count() == 0
    shot(page, "letters-office-attention")
    row.get_by_role("link").click()
    page.wait_for_load_state("networkidle")
    assert "SCJG-2026-007" in page.locator("#id_item_1_text").input_value()  # prefilled from the data
    page.fill("#id_item_2_text", "补充完善本部门执法检查人员名录库，确保每个抽查事项至少2名执法人员。")
    page.fill("#id_item_2_days", "10")
    shot(page, "letters-draft-form")
    page.click("#letter-form button[type=submit]")
    page.wait_for_load_state("networkidle")
    page.click("#send-letter")
    page.wait_for_load_state("networkidle")
    assert page.locator("#letter-status").inner_text() == "已发出"
    assert page.locator(".ovl-item").count() == 2
    shot(page, "letters-sent")
    letter = ReminderLetter.objects.get()
    page.click("form[action='/accounts/logout/'] button")

    login(page, district, "scj_liaison", PASSWORD)
    page.goto(f"{district.url}/feed/")
    assert "工作提醒函" in page.locator("main").inner_text()
    page.goto(f"{district.url}/oversight/letters/{letter.pk}/")
    page.click("#ack-letter")
    page.wait_for_load_state("networkidle")
    assert page.locator("#letter-status").inner_text() == "已签收"
    page.fill("#answer-1", "检查结果已于本周审核完毕并公示。")
    page.click("#item-1 button[type=submit]")
    page.wait_for_load_state("networkidle")
    page.fill("#answer-2", "已补录执法人员12名，每个事项均有2名以上执法人员。")
    page.click("#item-2 button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert page.locator("#letter-status").inner_text() == "已答复"
    assert page.locator(".ovl-answer").count() == 2
    shot(page, "letters-answered-by-liaison")
    page.click("form[action='/accounts/logout/'] button")

    login(page, district, "office", PASSWORD)
    page.goto(f"{district.url}/oversight/letters/")
    listed = page.locator(f"#letters tr[data-letter='{letter.pk}']")
    assert "已答复" in listed.inner_text() and "2/2" in listed.inner_text()
    panel = page.locator("#letters-panel")
    assert panel.locator("[data-count=answered]").inner_text() == "1"
    shot(page, "letters-office-list-answered")
    page.goto(f"{district.url}/oversight/")  # the dashboard shows it too
    on_board = page.locator(f"#letters-panel tr[data-department='{letter.department_id}']")
    assert on_board.locator("[data-count=answered]").inner_text() == "1"
    shot(page, "letters-dashboard-answered")
    letter.refresh_from_db()
    assert letter.status == LetterStatus.ANSWERED
    page.emulate_media(media="print")
    page.goto(f"{district.url}/oversight/letters/{letter.pk}/")
    assert not page.locator(".ovl-noprint").first.is_visible()  # print stylesheet hides actions
    shot(page, "letters-print")


def test_the_letter_reads_on_a_phone(phone, district) -> None:
    login(phone, district, "office", PASSWORD)
    phone.goto(f"{district.url}/oversight/letters/")
    assert phone.locator("#attention").is_visible()
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, width
    shot(phone, "letters-phone")


def test_the_demo_shows_an_answered_and_an_overdue_letter(page, live_server) -> None:
    from django.core.management import call_command

    from core.demo import DEMO_PASSWORD

    call_command("seed_demo")
    login(page, live_server, "office", DEMO_PASSWORD)
    page.goto(f"{live_server.url}/oversight/letters/")
    rows = page.locator("#letters tbody tr")
    text = page.locator("#letters").inner_text()
    assert rows.count() == 3 and "已答复" in text and "已督办" in text and "逾期" in text and "草稿" in text
    shot(page, "letters-demo-office")
    overdue = ReminderLetter.objects.get(escalated_at__isnull=False)
    page.goto(f"{live_server.url}/oversight/letters/{overdue.pk}/")
    assert "已逾期" in page.locator(".ovl-items").inner_text()
    page.goto(f"{live_server.url}/oversight/issues/")
    assert page.locator("main table tbody tr").count() == 3
    shot(page, "issues-demo")
    page.click("form[action='/accounts/logout/'] button")
    login(page, live_server, "discipline", DEMO_PASSWORD)
    page.goto(f"{live_server.url}/oversight/discipline/changes/")
    shot(page, "discipline-changes-demo")
    page.goto(f"{live_server.url}/oversight/assessment/")
    assert page.locator("#ranking tbody tr").count() == 10  # the ten member departments
    shot(page, "assessment-demo")

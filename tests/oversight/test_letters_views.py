"""Letters and meeting issues through HTTP, for every role: the office drafts from the data and
sends; the liaison answers; staff of the department and other departments get 404; discipline
reads everything and writes only letters in its own name; the assessor reads only the assessment."""

import datetime as dt
import io

import pytest
from pypdf import PdfReader

from agencies.models import Department, Role
from inspections.models import ParticipantStatus, Task, TaskParticipant
from oversight.letter_services import issue_create, letter_draft_save, letter_send
from oversight.models import AssessmentScheme, IssueComment, LetterStatus, MeetingIssue, ReminderLetter
from tests.factories import DepartmentFactory, person

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(cast, official_calendar):
    office = DepartmentFactory(code="LXB", name="区联席会议办公室", short_name="联席办", kind=Department.Kind.OFFICE)
    jjz = DepartmentFactory(code="JJZ", name="区纪检监察组", short_name="纪检组", kind=Department.Kind.DISCIPLINE)
    ggb = DepartmentFactory(code="GGB", name="营商办", kind=Department.Kind.ASSESSOR)
    w = {
        "cast": cast, "office_dept": office, "jjz": jjz,
        "office": person("office", office, Role.OFFICE),
        "discipline": person("discipline", jjz, Role.DISCIPLINE),
        "assessor": person("assessor", ggb, Role.ASSESSOR),
        "liaison": person("liaison", cast.dept_a, Role.LIAISON),
    }
    # An overdue publication for department A: inspection ended 1 Sep 2026, results still in review.
    task = Task.objects.create(
        code="A-2026-001", title="餐饮单位联合抽查", department=cast.dept_a, year=2026, status="in_review",
        window_start=dt.date(2026, 8, 1), window_end=dt.date(2026, 9, 1), deadline=dt.date(2026, 10, 30), created_by=cast.alice,
    )
    TaskParticipant.objects.create(task=task, department=cast.dept_a, status=ParticipantStatus.INITIATOR)
    w["task"] = task
    return w


def _letter(w, *, issuer=None, sent=False):
    letter = letter_draft_save(
        user=w["office"], issuer=issuer or w["office_dept"], department=w["cast"].dept_a, title="提醒", body="",
        items=[("第一项", 5), ("第二项", 10)],
    )
    if sent:
        letter_send(letter=letter, user=w["office"])
    return letter


def test_the_office_drafts_from_the_overdue_publication_sends_and_the_liaison_answers(client, world) -> None:
    w = world
    client.force_login(w["office"])
    page = client.get("/oversight/letters/")
    assert page.status_code == 200 and "甲局" in page.content.decode()  # the department needing a letter
    form = client.get(f"/oversight/letters/new/?department={w['cast'].dept_a.pk}").content.decode()
    assert "A-2026-001" in form and "逾期" in form  # prefilled from the data
    response = client.post("/oversight/letters/new/", {
        "issuer": w["jjz"].pk, "department": w["cast"].dept_a.pk, "title": "关于及时公示检查结果的提醒函", "body": "请整改。",
        "item_1_text": "公示任务 A-2026-001 的检查结果", "item_1_days": 5, "item_2_text": "补充执法人员库", "item_2_days": 10,
    })
    letter = ReminderLetter.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/oversight/letters/{letter.pk}/"
    assert letter.issuer == w["jjz"] and letter.items.count() == 2  # sent in the discipline body's name
    assert client.post(f"/oversight/letters/{letter.pk}/send/").status_code == 302
    letter.refresh_from_db()
    assert letter.status == LetterStatus.SENT and letter.reference.startswith("纪检组提醒〔")
    # The liaison sees it, acknowledges and answers both items.
    client.force_login(w["liaison"])
    assert "答复" in client.get(f"/oversight/letters/{letter.pk}/").content.decode()
    assert client.post(f"/oversight/letters/{letter.pk}/acknowledge/").status_code == 302
    for item in letter.items.all():
        client.post(f"/oversight/letters/{letter.pk}/items/{item.pk}/answer/", {"answer": f"已落实{item.seq}"})
    letter.refresh_from_db()
    assert letter.status == LetterStatus.ANSWERED
    # No edit after sending, even through the form.
    client.force_login(w["office"])
    client.post(f"/oversight/letters/{letter.pk}/edit/", {
        "issuer": w["office_dept"].pk, "department": w["cast"].dept_a.pk, "title": "改", "item_1_text": "x", "item_1_days": 1,
    })
    letter.refresh_from_db()
    assert letter.title == "关于及时公示检查结果的提醒函"


def test_a_letter_is_read_by_its_department_liaison_and_admin_and_404_for_everyone_else(client, world) -> None:
    w = world
    draft, sent = _letter(w), _letter(w, sent=True)
    url = f"/oversight/letters/{sent.pk}/"
    for user, code in [(w["liaison"], 200), (w["cast"].alice, 200), (w["cast"].bob, 404), (w["cast"].charlie, 404),
                       (w["assessor"], 404), (w["discipline"], 200), (w["office"], 200)]:
        client.force_login(user)
        assert client.get(url).status_code == code, user
    client.force_login(w["liaison"])
    assert client.get(f"/oversight/letters/{draft.pk}/").status_code == 404  # drafts stay with the issuer
    assert str(draft.pk) not in [r for r in client.get("/oversight/letters/").context["letters"].values_list("pk", flat=True)]
    # Only the department answers: charlie and bob cannot.
    item = sent.items.first()
    for user in (w["cast"].bob, w["cast"].charlie, w["office"]):
        client.force_login(user)
        assert client.post(f"/oversight/letters/{sent.pk}/items/{item.pk}/answer/", {"answer": "x"}).status_code == 404
    item.refresh_from_db()
    assert item.answered_at is None


def test_the_letter_downloads_as_a_pdf_with_extractable_chinese(client, world) -> None:
    letter = _letter(world, sent=True)
    client.force_login(world["liaison"])
    response = client.get(f"/oversight/letters/{letter.pk}/letter.pdf")
    assert response["Content-Type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert "工作提醒函" in text and "甲局" in text and "第一项" in text and letter.reference in text


def _write_requests(w, letter, item, issue):
    a = w["cast"].dept_a.pk
    body = {"issuer": w["office_dept"].pk, "department": a, "title": "t", "item_1_text": "x", "item_1_days": 3}
    return [
        ("/oversight/letters/new/", body),
        (f"/oversight/letters/{letter.pk}/edit/", body),
        (f"/oversight/letters/{letter.pk}/send/", {}),
        (f"/oversight/letters/{letter.pk}/acknowledge/", {}),
        (f"/oversight/letters/{letter.pk}/items/{item.pk}/answer/", {"answer": "x"}),
        ("/oversight/issues/new/", {"meeting": "m", "meeting_date": "2026-10-10", "title": "t", "assignees": [a]}),
        (f"/oversight/issues/{issue.pk}/comment/", {"body": "x"}),
        (f"/oversight/issues/{issue.pk}/resolve/", {"proposal": "x"}),
        (f"/oversight/issues/{issue.pk}/close/", {}),
        ("/oversight/assessment/weights/", {"name": "n", **{f"w_{k}": 10 for k in ["task_completion"]}}),
    ]


def _snapshot():
    return (
        list(ReminderLetter.objects.values_list("pk", "status", "title", "number")),
        list(MeetingIssue.objects.values_list("pk", "status", "proposal")),
        IssueComment.objects.count(), AssessmentScheme.objects.count(),
    )


@pytest.mark.parametrize("role", ["assessor", "discipline"])
def test_assessor_and_discipline_are_refused_every_write_of_the_office(client, world, role) -> None:
    w = world
    office_draft = _letter(w)
    sent = _letter(w, sent=True)
    issue = issue_create(user=w["office"], meeting="十月联席会议", meeting_date=dt.date(2026, 10, 10), title="问题", assignees=[w["cast"].dept_a])
    before = _snapshot()
    client.force_login(w[role])
    for url, data in _write_requests(w, office_draft, sent.items.first(), issue):
        if role == "discipline" and url == "/oversight/letters/new/":
            continue  # discipline may issue letters in its own name (next test); not in the office's
        if "/acknowledge/" in url or "/answer/" in url:
            url = url.replace(f"/letters/{office_draft.pk}/", f"/letters/{sent.pk}/")
        response = client.post(url, data)
        assert response.status_code in (403, 404), (role, url, response.status_code)
    assert _snapshot() == before
    if role == "discipline":
        response = client.post("/oversight/letters/new/", {
            "issuer": w["office_dept"].pk, "department": w["cast"].dept_a.pk, "title": "t", "item_1_text": "x", "item_1_days": 3,
        })
        assert response.status_code == 200 and ReminderLetter.objects.count() == 2  # not in the office's name
    else:
        assert client.post("/oversight/letters/new/", {}).status_code == 404


def test_discipline_issues_letters_in_its_own_name(client, world) -> None:
    w = world
    client.force_login(w["discipline"])
    client.post("/oversight/letters/new/", {
        "issuer": w["jjz"].pk, "department": w["cast"].dept_a.pk, "title": "纪检提醒", "item_1_text": "整改", "item_1_days": 3,
    })
    letter = ReminderLetter.objects.get(title="纪检提醒")
    client.post(f"/oversight/letters/{letter.pk}/send/")
    letter.refresh_from_db()
    assert letter.status == LetterStatus.SENT and letter.signed_by == w["discipline"]


def test_the_assessor_reads_only_kpis_and_reports(client, world) -> None:
    w = world
    letter = _letter(w, sent=True)
    issue = issue_create(user=w["office"], meeting="m", meeting_date=dt.date(2026, 10, 10), title="t", assignees=[w["cast"].dept_a])
    client.force_login(w["assessor"])
    for url in ("/oversight/assessment/?year=2026&period=h1", "/oversight/assessment/weights/",
                "/oversight/assessment/report.xlsx?year=2026&period=year", "/oversight/assessment/report.pdf?year=2026&period=h1"):
        assert client.get(url).status_code == 200, url
    assert client.get("/assessment/")["Location"] == "/oversight/assessment/"
    operational = [
        "/tasks/", f"/tasks/{w['task'].pk}/", f"/tasks/{w['task'].pk}/draws/", "/draws/redraw-requests/", "/draws/fairness/2026/",
        "/entities/", "/inspectors/", "/items/", "/plans/", f"/departments/{w['cast'].dept_a.pk}/",
        "/oversight/letters/", f"/oversight/letters/{letter.pk}/", f"/oversight/letters/{letter.pk}/letter.pdf",
        "/oversight/issues/", f"/oversight/issues/{issue.pk}/", "/oversight/discipline/changes/", "/discipline/", "/office/",
    ]
    for url in operational:
        assert client.get(url).status_code in (403, 404), url


def test_department_people_cannot_read_the_assessment(client, world) -> None:
    client.force_login(world["cast"].alice)
    for url in ("/oversight/assessment/", "/oversight/assessment/report.xlsx", "/oversight/assessment/weights/", "/oversight/discipline/changes/"):
        assert client.get(url).status_code == 404, url


def test_discipline_reads_everything_of_the_office(client, world) -> None:
    w = world
    letter = _letter(w)
    issue = issue_create(user=w["office"], meeting="m", meeting_date=dt.date(2026, 10, 10), title="t", assignees=[w["cast"].dept_a])
    client.force_login(w["discipline"])
    for url in ("/oversight/letters/", f"/oversight/letters/{letter.pk}/", "/oversight/issues/", f"/oversight/issues/{issue.pk}/",
                "/oversight/discipline/changes/", "/oversight/assessment/", "/discipline/", f"/tasks/{w['task'].pk}/"):
        assert client.get(url).status_code == 200, url
    assert "/discipline/" in client.get("/oversight/discipline/changes/").content.decode()  # links the audit trail


def test_meeting_issues_are_discussed_by_assigned_departments_and_resolved_by_the_office(client, world) -> None:
    w = world
    client.force_login(w["office"])
    client.post("/oversight/issues/new/", {
        "meeting": "2026年10月联席会议", "meeting_date": "2026-10-10", "title": "联合抽查中各部门检查表不统一",
        "raised_by": w["cast"].dept_a.pk, "assignees": [w["cast"].dept_a.pk],
    })
    issue = MeetingIssue.objects.get()
    client.force_login(w["cast"].bob)  # staff of the assigned department
    client.post(f"/oversight/issues/{issue.pk}/comment/", {"body": "建议统一检查表模板"})
    client.force_login(w["cast"].charlie)  # another department
    assert client.get(f"/oversight/issues/{issue.pk}/").status_code == 404
    assert client.post(f"/oversight/issues/{issue.pk}/comment/", {"body": "x"}).status_code == 404
    assert client.post(f"/oversight/issues/{issue.pk}/resolve/", {"proposal": "x"}).status_code == 404
    issue.refresh_from_db()
    assert issue.status == "discussing" and issue.comments.count() == 1
    client.force_login(w["office"])
    client.post(f"/oversight/issues/{issue.pk}/resolve/", {"proposal": "由市场监管局牵头制定统一检查表，11月底前印发。"})
    client.post(f"/oversight/issues/{issue.pk}/close/")
    issue.refresh_from_db()
    assert issue.status == "closed" and issue.proposal.startswith("由市场监管局牵头")


def test_the_office_edits_the_weights_and_the_old_scheme_is_kept(client, world) -> None:
    from oversight.models import Kpi

    client.force_login(world["office"])
    data = {"name": "2026年方案", "note": "", **{f"w_{k}": 10 for k in Kpi.values}}
    assert client.post("/oversight/assessment/weights/", data).status_code == 302
    assert client.post("/oversight/assessment/weights/", {**data, "name": "调整后", "w_joint_share": 30}).status_code == 302
    assert AssessmentScheme.objects.count() == 2
    current = AssessmentScheme.objects.get(is_current=True)
    assert current.name == "调整后" and current.weights.get(kpi="joint_share").weight == 30


def test_the_assessment_report_downloads_as_excel_and_pdf_with_the_ranking(client, world) -> None:
    from openpyxl import load_workbook

    client.force_login(world["assessor"])
    book = load_workbook(io.BytesIO(client.get("/oversight/assessment/report.xlsx?year=2026&period=year").content))
    sheet = book.worksheets[0]
    assert "考核报告" in sheet["A1"].value and sheet["A3"].value == "排名"
    names = {sheet.cell(row=r, column=2).value for r in range(4, sheet.max_row + 1)}
    assert {"甲局", "乙局"} <= names
    pdf = client.get("/oversight/assessment/report.pdf?year=2026&period=h1").content
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages).replace("\n", "")  # narrow cells wrap
    assert "年中考核" in text and "甲局" in text and "跨部门监管率" in text

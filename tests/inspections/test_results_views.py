"""Result pages with three people each: one who may act, one of the same department who may only
read (or nothing, for entry), one of another department who gets 404."""

import datetime as dt
import io
import zipfile
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from core.models import PublicationRecord
from inspections.models import CaseItem, FollowUp, InspectionRecord, Result, ResultAttachment, ResultReview
from tests.inspections.entities import code
from tests.inspections.results_setup import hotel_task

pytestmark = pytest.mark.django_db

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01" + b"\x00" * 200 + b"\xff\xd9"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 100


@pytest.fixture(autouse=True)
def _private(settings, tmp_path):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    settings.RESULT_UPLOAD_MAX_BYTES = 50_000


@pytest.fixture
def hotel():
    return hotel_task()


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _entry_url(h, n: int = 0) -> str:
    return f"/results/visits/{h.visit.pk}/tasks/{h.task.pk}/items/{h.items[n].pk}/"


def _form(token: str = "tok-1", action: str = "save", **extra) -> dict:
    return {"categories": ["no_problem"], "methods": ["on_site"], "inspected_on": "2026-12-03", "findings": "前台登记规范",
            "client_token": token, "action": action, **extra}


def _file(name: str, content: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content, content_type="image/jpeg")


def _submitted(h, n: int = 0, **extra) -> Result:
    response = _client(h.inspector).post(_entry_url(h, n), _form(token=f"tok-{n}", action="submit", **extra))
    assert response.status_code == 302, response.content.decode()[:2000]
    return Result.objects.get(item=h.items[n])


# --- Entry -------------------------------------------------------------------------------------
def test_the_drawn_inspector_sees_the_entity_in_the_worklist_and_nobody_else_does(hotel) -> None:
    assert "测试商户0" in _client(hotel.inspector).get("/results/").content.decode()
    for other in (hotel.bob, hotel.charlie, hotel.chief):
        assert "测试商户0" not in _client(other).get("/results/").content.decode()


@pytest.mark.parametrize("n", [0, 1])
def test_entry_pages_open_to_the_drawn_inspector_only(hotel, n) -> None:
    visit_url = f"/results/visits/{hotel.visit.pk}/tasks/{hotel.task.pk}/"
    assert _client(hotel.inspector).get(visit_url).status_code == 200
    page = _client(hotel.inspector).get(_entry_url(hotel, n)).content.decode()
    for wording in ("未发现问题", "发现问题待后续处理", "发现问题已责令改正", "未发现开展本次抽查涉及的经营活动", "已关闭停业或正在组织清算",
                    "不配合检查情节严重", "通过登记的住所（经营场所）无法联系", "委托专业机构辅助", "现场申请回避"):
        assert wording in page
    for other in (hotel.bob, hotel.chief, hotel.charlie):
        assert _client(other).get(visit_url).status_code == 404
        assert _client(other).get(_entry_url(hotel, n)).status_code == 404
        assert _client(other).post(_entry_url(hotel, n), _form()).status_code == 404
    assert not Result.objects.exists()


def test_a_draft_is_saved_and_the_first_save_starts_the_inspection(hotel) -> None:
    response = _client(hotel.inspector).post(_entry_url(hotel), _form(avoidance_on_site="主体申请李四回避，已更换"))
    assert response.status_code == 302
    result = Result.objects.get()
    assert result.status == "draft" and result.avoidance_on_site.startswith("主体申请") and result.entered_by == hotel.inspector
    hotel.task.refresh_from_db()
    assert hotel.task.status == "inspecting"


def test_an_autosave_answers_json_and_keeps_what_was_sent(hotel) -> None:
    client = _client(hotel.inspector)
    response = client.post(_entry_url(hotel), _form(findings="写到一半"), HTTP_X_AUTOSAVE="1")
    assert response.status_code == 200 and response.json()["ok"]
    assert Result.objects.get().findings == "写到一半"
    bad = client.post(_entry_url(hotel), _form(categories=["no_problem", "corrected"]), HTTP_X_AUTOSAVE="1")
    assert bad.status_code == 400 and "不能与其他结果同时选择" in bad.json()["error"]


def test_the_same_form_submitted_twice_stores_one_result(hotel) -> None:
    client = _client(hotel.inspector)
    first = client.post(_entry_url(hotel), _form(token="same", action="submit"))
    again = client.post(_entry_url(hotel), _form(token="same", action="submit"))  # resent after a dropped connection
    assert first.status_code == again.status_code == 302
    assert Result.objects.count() == 1 and Result.objects.get().status == "submitted"
    assert ResultReview.objects.filter(action="submit").count() == 1
    other = client.post(_entry_url(hotel), _form(token="a-new-form", action="save"))
    assert "已提交审核" in other.content.decode()


# --- Uploads -----------------------------------------------------------------------------------
def test_a_photo_is_stored_outside_the_web_root(hotel) -> None:
    response = _client(hotel.inspector).post(_entry_url(hotel), {**_form(), "photos": [_file("现场.jpg", JPEG), _file("门牌.png", PNG)]})
    assert response.status_code == 302
    stored = {a.content_type: a for a in ResultAttachment.objects.all()}
    assert set(stored) == {"image/jpeg", "image/png"}
    path = Path(settings.PRIVATE_MEDIA_ROOT) / stored["image/jpeg"].file.name
    assert path.read_bytes() == JPEG
    for served in (settings.MEDIA_ROOT, settings.STATIC_ROOT):
        assert not path.resolve().is_relative_to(Path(served).resolve())


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("photo.jpg", b"<html><script>alert(1)</script></html>", "类型不允许上传"),  # a name is not a type
        ("run.exe", b"MZ\x90\x00" + b"\x00" * 100, "类型不允许上传"),
        ("big.jpg", JPEG[:20] + b"\x00" * 60_000, "过大"),
    ],
)
def test_a_disallowed_or_oversized_upload_is_refused_with_a_clear_message(hotel, name, content, message) -> None:
    response = _client(hotel.inspector).post(_entry_url(hotel), {**_form(), "photos": [_file(name, content)]})
    page = response.content.decode()
    assert response.status_code == 200 and message in page and name in page
    assert not ResultAttachment.objects.exists()
    assert Result.objects.get().status == "draft"  # what was typed is kept


def test_office_documents_are_recognised_by_their_package_parts(hotel) -> None:
    def package(parts: list[str]) -> bytes:
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as z:
            for part in parts:
                z.writestr(part, "<x/>")
        return out.getvalue()

    docx = package(["[Content_Types].xml", "word/document.xml"])
    xlsx = package(["[Content_Types].xml", "xl/workbook.xml"])
    plain_zip = package(["a.txt"])
    client = _client(hotel.inspector)
    client.post(_entry_url(hotel), {**_form(), "photos": [_file("记录.docx", docx), _file("清单.xlsx", xlsx)]})
    assert ResultAttachment.objects.count() == 2
    assert "类型不允许上传" in client.post(_entry_url(hotel), {**_form(), "photos": [_file("x.docx", plain_zip)]}).content.decode()


def test_no_uploaded_file_is_reachable_without_a_staff_login_or_from_another_department(hotel) -> None:
    _client(hotel.inspector).post(_entry_url(hotel), {**_form(), "photos": [_file("现场.jpg", JPEG)]})
    attachment = ResultAttachment.objects.get()
    url = f"/results/files/{attachment.pk}/"
    for reader in (hotel.inspector, hotel.chief, hotel.bob):
        response = _client(reader).get(url)
        assert response.status_code == 200 and b"".join(response.streaming_content) == JPEG
        assert response["Cache-Control"] == "private, no-store"
    assert _client(hotel.charlie).get(url).status_code == 404
    anonymous = Client().get(url)
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]
    # Not under any served URL either, by its stored name.
    assert _client(hotel.chief).get(f"/media/{attachment.file.name}").status_code == 404
    assert _client(hotel.chief).get(f"/static/{attachment.file.name}").status_code == 404
    assert Client().get("/public/results/").content.decode().count(attachment.original_name) == 0


# --- Review ------------------------------------------------------------------------------------
def test_the_result_page_is_read_by_the_department_and_the_team_only(hotel) -> None:
    result = _submitted(hotel)
    for reader in (hotel.inspector, hotel.chief, hotel.bob):
        assert _client(reader).get(f"/results/{result.pk}/").status_code == 200
    assert _client(hotel.charlie).get(f"/results/{result.pk}/").status_code == 404
    assert "审核结论" in _client(hotel.chief).get(f"/results/{result.pk}/").content.decode()
    assert "审核结论" not in _client(hotel.bob).get(f"/results/{result.pk}/").content.decode()


def test_only_a_section_chief_of_the_department_who_did_not_enter_it_reviews(hotel) -> None:
    result = _submitted(hotel)
    url = f"/results/{result.pk}/review/"
    for other in (hotel.inspector, hotel.bob, hotel.charlie):
        assert _client(other).post(url, {"decision": "approve"}).status_code == 404
    assert Result.objects.get().status == "submitted"
    assert _client(hotel.chief).post(url, {"decision": "approve"}).status_code == 302
    assert Result.objects.get().status == "approved"


def test_the_review_queue_shows_the_department_and_the_deadline_flag(hotel, official_calendar) -> None:
    _submitted(hotel)
    page = _client(hotel.chief).get("/results/review/").content.decode()
    assert "测试商户0" in page and "公示期限" in page
    assert "测试商户0" in _client(hotel.bob).get("/results/review/").content.decode()
    assert "测试商户0" not in _client(hotel.charlie).get("/results/review/").content.decode()


def test_returned_corrected_approved_and_the_task_moves_on_to_publication(hotel, django_capture_on_commit_callbacks) -> None:
    first, second = _submitted(hotel, 0), _submitted(hotel, 1)
    hotel.task.refresh_from_db()
    assert hotel.task.status == "in_review"
    assert hotel.chief.feed_items.filter(kind="results_to_review", url="/results/review/").exists()
    assert not hotel.bob.feed_items.filter(kind="results_to_review").exists()
    chief = _client(hotel.chief)
    assert "退回须写明理由" in chief.post(f"/results/{first.pk}/review/", {"decision": "return", "opinion": ""}, follow=True).content.decode()
    chief.post(f"/results/{first.pk}/review/", {"decision": "return", "opinion": "检查日期有误，应为12月4日"})
    hotel.task.refresh_from_db()
    assert hotel.task.status == "inspecting"
    page = _client(hotel.inspector).get(_entry_url(hotel, 0)).content.decode()
    assert "检查日期有误，应为12月4日" in page
    with django_capture_on_commit_callbacks(execute=True):
        chief.post(f"/results/{second.pk}/review/", {"decision": "approve"})
        _client(hotel.inspector).post(_entry_url(hotel, 0), _form(token="tok-fix", action="submit", inspected_on="2026-12-04"))
        chief.post(f"/results/{first.pk}/review/", {"decision": "approve"})
    hotel.task.refresh_from_db()
    assert hotel.task.status == "results_published"
    assert list(ResultReview.objects.filter(result=first).values_list("action", flat=True)) == ["submit", "return", "submit", "approve"]
    assert "检查日期有误" in _client(hotel.bob).get(f"/results/{first.pk}/").content.decode()  # the history stays
    records = PublicationRecord.objects.filter(kind="result")
    assert records.count() == 2 and {r.payload["抽查完成日期"] for r in records} == {"2026-12-03", "2026-12-04"}
    assert not any("检查日期有误" in str(r.payload) or "13800000000" in str(r.payload) for r in records)
    assert InspectionRecord.objects.filter(task=hotel.task, kind="random").count() == 2


# --- Follow-ups, consequences, history, export ------------------------------------------------
def _approved(hotel, **extra) -> Result:
    result = _submitted(hotel, **extra)
    _client(hotel.chief).post(f"/results/{result.pk}/review/", {"decision": "approve"})
    result.refresh_from_db()
    return result


def test_a_referral_lands_in_the_other_departments_feed_and_worklist_and_closes_with_a_date(hotel) -> None:
    result = _approved(hotel)
    url = f"/results/{result.pk}/follow-ups/"
    for other in (hotel.liaison, hotel.charlie):
        assert _client(other).post(url, {"measure": "5", "referred_to": hotel.other.pk, "note": "消防"}).status_code == 404
    _client(hotel.chief).post(url, {"measure": "5", "referred_to": hotel.other.pk, "note": "疏散通道堵塞"})
    follow_up = FollowUp.objects.get()
    assert hotel.charlie.feed_items.filter(kind="referral", url=f"/follow-ups/{follow_up.pk}/").exists()
    assert "测试商户0" in _client(hotel.charlie).get("/follow-ups/").content.decode()
    assert _client(hotel.liaison).get(f"/follow-ups/{follow_up.pk}/").status_code == 200
    assert _client(hotel.liaison).post(f"/follow-ups/{follow_up.pk}/", {"closed_on": "2026-12-20"}).status_code == 404
    response = _client(hotel.charlie).post(f"/follow-ups/{follow_up.pk}/", {"closed_on": "2026-12-20", "note": "已整改"})
    assert response.status_code == 302
    follow_up.refresh_from_db()
    assert follow_up.closed_on == dt.date(2026, 12, 20) and follow_up.closed_by == hotel.charlie


def test_a_follow_up_of_a_third_department_is_not_seen(hotel) -> None:
    from agencies.models import Role
    from tests.factories import DepartmentFactory, person

    result = _approved(hotel)
    _client(hotel.chief).post(f"/results/{result.pk}/follow-ups/", {"measure": "3", "note": "责令整改"})
    stranger = person("stranger", DepartmentFactory(code="WS", name="卫生健康局"), Role.STAFF, Role.SECTION_CHIEF)
    follow_up = FollowUp.objects.get()
    assert _client(stranger).get(f"/follow-ups/{follow_up.pk}/").status_code == 404
    assert _client(hotel.charlie).get(f"/follow-ups/{follow_up.pk}/").status_code == 404  # not referred to them
    assert "测试商户0" not in _client(stranger).get("/follow-ups/").content.decode()


def test_an_unreachable_entity_opens_the_abnormal_list_clock_and_the_decision_is_recorded(hotel, official_calendar) -> None:
    _approved(hotel, categories=["problem_pending"], violations=["unreachable"], inspected_on="2026-12-04")
    case = CaseItem.objects.get(kind="abnormal")
    assert case.due == dt.date(2026, 12, 18)
    assert "2026-12-18" in _client(hotel.liaison).get("/cases/?kind=abnormal").content.decode()
    assert _client(hotel.charlie).get(f"/cases/{case.pk}/").status_code == 404
    assert "测试商户0" not in _client(hotel.charlie).get("/cases/").content.decode()
    assert _client(hotel.liaison).post(f"/cases/{case.pk}/", {"decision": "列入", "decided_on": "2026-12-10"}).status_code == 404
    _client(hotel.chief).post(f"/cases/{case.pk}/", {"decision": "列入经营异常名录", "decided_on": "2026-12-10"})
    case.refresh_from_db()
    assert case.status == "decided" and case.decided_on == dt.date(2026, 12, 10) and case.decided_by == hotel.chief


@pytest.mark.parametrize(
    ("kind", "start", "due"),
    [("no_report", "2026-07-01", dt.date(2026, 7, 15)), ("repair", "2026-09-30", dt.date(2026, 10, 13)),
     ("revocation", "2026-12-01", dt.date(2026, 12, 29))],
)
def test_consequence_worklists_run_on_working_days(hotel, official_calendar, kind, start, due) -> None:
    # Repair: 1–7 Oct are off and Sat 10 Oct is a make-up working day: 8, 9, 10, 12, 13 Oct.
    data = {"kind": kind, "department": hotel.department.pk, "entity": code(1), "reason": "事由", "clock_start": start}
    assert _client(hotel.liaison).post("/cases/new/", data).status_code == 404
    assert _client(hotel.charlie).post("/cases/new/", data).status_code == 200  # the form, refusing a department not theirs
    assert not CaseItem.objects.exists()
    assert _client(hotel.chief).post("/cases/new/", data).status_code == 302
    assert CaseItem.objects.get().due == due


def test_no_annual_report_cannot_start_before_the_first_of_july(hotel) -> None:
    data = {"kind": "no_report", "department": hotel.department.pk, "entity": code(1), "reason": "未报", "clock_start": "2026-06-30"}
    assert "7月1日起" in _client(hotel.chief).post("/cases/new/", data).content.decode()


def test_other_inspections_go_into_the_history_the_draws_read(hotel) -> None:
    data = {"department": hotel.department.pk, "kind": "complaint", "entity": code(2), "item": hotel.items[0].pk, "inspected_on": "2026-11-20"}
    assert _client(hotel.liaison).post("/history/", data).status_code == 404
    assert _client(hotel.charlie).post("/history/", data).status_code == 200  # refused: not their department
    assert _client(hotel.chief).post("/history/", {**data, "kind": "random"}).status_code == 200
    assert not InspectionRecord.objects.exists()
    assert _client(hotel.chief).post("/history/", data).status_code == 302
    record = InspectionRecord.objects.get()
    assert record.kind == "complaint" and record.item == hotel.items[0]
    assert "测试商户2" in _client(hotel.liaison).get("/history/").content.decode()
    assert "测试商户2" not in _client(hotel.charlie).get("/history/").content.decode()
    # The draws' exclusion rule sees it: the entity leaves the frame for this item this year.
    from inspections.frames import history_exclusions, scope_queryset

    removed = dict(history_exclusions(hotel.task, scope_queryset(hotel.task)))["inspected_this_year_for_item"]
    assert code(2) in removed and code(1) not in removed


def test_the_national_export_lists_published_results_of_the_department(hotel, django_capture_on_commit_callbacks) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        _approved(hotel)
    response = _client(hotel.bob).get("/results/export/?format=csv")
    text = response.content.decode("utf-8-sig")
    header, row = text.splitlines()[:2]
    assert header.startswith("统一社会信用代码,主体名称,抽查计划编号,抽查计划名称,抽查任务编号,抽查任务名称,抽查类型,抽查机关,抽查完成日期,检查事项,检查结果")
    assert hotel.task.code in row and "未发现问题" in row and "公安分局" in row
    xlsx = _client(hotel.chief).get("/results/export/?format=xlsx&year=2026")
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert [c.value for c in sheet[2]][4] == hotel.task.code
    assert len(_client(hotel.charlie).get("/results/export/?format=csv").content.decode("utf-8-sig").splitlines()) == 1
    assert _client(hotel.inspector).get("/results/export/").status_code == 404  # inspector-only: no department list


# --- Sweeps and flags --------------------------------------------------------------------------
def test_sweeps_open_no_report_and_revocation_entries_for_the_departments_directory(hotel, official_calendar, monkeypatch) -> None:
    from entities.models import AbnormalListing, AnnualReport, Entity
    from tests.entities.factories import add_entry, make_directory

    directory = make_directory(hotel.department)
    for n in range(3):
        add_entry(directory, Entity.objects.get(uscc=code(n)))
    AnnualReport.objects.create(entity_id=code(0), year=2025, filed_on=dt.date(2026, 5, 1))
    AbnormalListing.objects.create(entity_id=code(1), reason="unreachable", listed_on=dt.date(2024, 9, 1))
    AbnormalListing.objects.create(entity_id=code(2), reason="unreachable", listed_on=dt.date(2025, 9, 1))  # not two years yet
    monkeypatch.setattr("inspections.results_views.timezone.localdate", lambda: dt.date(2026, 11, 27))
    data = {"kind": "no_report", "department": hotel.department.pk, "report_year": 2025}
    assert _client(hotel.liaison).post("/cases/sweep/", data).status_code == 404
    _client(hotel.charlie).post("/cases/sweep/", data)  # not their department: refused by the form
    assert not CaseItem.objects.exists()
    _client(hotel.chief).post("/cases/sweep/", data)
    _client(hotel.chief).post("/cases/sweep/", data)  # twice: nothing new
    assert set(CaseItem.objects.filter(kind="no_report").values_list("entity_id", flat=True)) == {code(1), code(2)}
    assert CaseItem.objects.filter(kind="no_report").first().due == dt.date(2026, 7, 15)
    _client(hotel.chief).post("/cases/sweep/", {"kind": "revocation", "department": hotel.department.pk})
    assert list(CaseItem.objects.filter(kind="revocation").values_list("entity_id", flat=True)) == [code(1)]
    early = _client(hotel.chief).post("/cases/sweep/", {**data, "report_year": 2026}, follow=True).content.decode()
    assert "期限届满后才能筛查" in early


@pytest.mark.parametrize(("today", "css", "words"), [
    (dt.date(2026, 10, 9), "res-flag-ok", "公示期限 2026-10-16"),
    (dt.date(2026, 10, 10), "res-flag-yellow", "临近公示期限"),  # the make-up Saturday: 5 working days left
    (dt.date(2026, 10, 17), "res-flag-red", "已逾期"),
])
def test_the_review_queue_flags_the_publication_deadline_around_national_day(official_calendar, monkeypatch, today, css, words) -> None:
    hotel = hotel_task(window_end=dt.date(2026, 9, 14))
    _submitted(hotel)
    monkeypatch.setattr("inspections.results.timezone.localdate", lambda: today)
    page = _client(hotel.chief).get("/results/review/").content.decode()
    assert css in page and words in page


def test_the_private_directory_may_not_lie_under_a_served_one(settings) -> None:
    from django.core.exceptions import ImproperlyConfigured

    from inspections.uploads import private_root

    settings.PRIVATE_MEDIA_ROOT = Path(settings.STATIC_ROOT) / "uploads"
    with pytest.raises(ImproperlyConfigured):
        private_root()
    settings.PRIVATE_MEDIA_ROOT = Path(settings.MEDIA_ROOT) / "private"
    with pytest.raises(ImproperlyConfigured):
        private_root()


def test_a_tasks_results_page_shows_progress_to_its_departments_only(hotel) -> None:
    _submitted(hotel)
    page = _client(hotel.bob).get(f"/tasks/{hotel.task.pk}/results/").content.decode()
    assert "测试商户0" in page and "应录 2" in page
    assert _client(hotel.chief).get(f"/tasks/{hotel.task.pk}/results/").status_code == 200
    assert _client(hotel.charlie).get(f"/tasks/{hotel.task.pk}/results/").status_code == 404


def test_a_recorded_substitute_and_a_team_member_may_enter_and_the_replaced_inspector_may_not(hotel) -> None:
    from agencies.models import Role
    from inspections.models import DrawAssignment, Substitution, TeamMember
    from inspectors.models import Inspector
    from tests.factories import person

    sub_user, helper_user = person("substitute", hotel.department, Role.INSPECTOR), person("helper", hotel.department, Role.INSPECTOR)
    substitute = Inspector.objects.create(department=hotel.department, name="赵六", cert_no="GA-003", user=sub_user)
    helper = Inspector.objects.create(department=hotel.department, name="钱七", cert_no="GA-004", user=helper_user)
    mine = DrawAssignment.objects.get(inspector__user=hotel.inspector)
    Substitution.objects.create(assignment=mine, new_inspector=substitute, reason="申报回避", approved_by=hotel.chief)
    TeamMember.objects.create(visit=hotel.visit, department=hotel.department, inspector=helper, kind="assisting", reason="科所长指派协助", added_by=hotel.chief)
    assert _client(hotel.inspector).get(_entry_url(hotel)).status_code == 404
    assert _client(sub_user).get(_entry_url(hotel)).status_code == 200
    assert _client(helper_user).get(_entry_url(hotel)).status_code == 200


def test_the_visit_page_names_the_team_by_name_and_certificate_only(hotel) -> None:
    page = _client(hotel.inspector).get(f"/results/visits/{hotel.visit.pk}/tasks/{hotel.task.pk}/").content.decode()
    assert "张三" in page and "GA-001" in page and "李四" in page and "GA-002" in page
    assert "370102199001011234" not in page and "13800000000" not in page and "王五" not in page

"""The inspection notice: issued once the team is complete, printable and a PDF with Chinese text,
opened by the entity through its link without an account, read and a date agreed (双预约); its
code also authenticates an objection. Inspectors' ID numbers and phones never appear."""

import datetime as dt
import io
import re

import pytest
from pypdf import PdfReader

from core.models import AuditEntry
from core.services import publication_write
from inspections import notices
from inspections.fieldwork_services import team_build
from inspections.models import Notice, NoticeEvent, Objection, TeamMember, Visit
from inspections.objections import objection_submit
from tests.inspections.fieldwork_setup import build_joint, today

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _in_process(settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True


@pytest.fixture
def joint(cast, django_capture_on_commit_callbacks):
    return build_joint(cast, django_capture_on_commit_callbacks)


def _dates(visit: Visit) -> list[dt.date]:
    return [visit.window_start + dt.timedelta(days=2), visit.window_start + dt.timedelta(days=3)]


@pytest.fixture
def notice(joint) -> Notice:
    team_build(visit=joint.visit, user=joint.alice)
    return notices.notice_issue(visit=joint.visit, user=joint.alice, proposed=_dates(joint.visit))


def _personal(joint) -> list[str]:
    people = [m.inspector for m in TeamMember.objects.filter(visit=joint.visit, inspector__isnull=False)]
    return [p.id_number for p in people] + [p.phone for p in people]


def test_a_notice_waits_for_a_complete_team_and_dates_in_the_window(joint) -> None:
    with pytest.raises(notices.NoticeRefused, match="至少需要 2 名"):
        notices.notice_issue(visit=joint.visit, user=joint.alice, proposed=_dates(joint.visit))
    team_build(visit=joint.visit, user=joint.alice)
    with pytest.raises(notices.NoticeRefused, match="检查期间"):
        notices.notice_issue(visit=joint.visit, user=joint.alice, proposed=[joint.visit.window_end + dt.timedelta(days=1)])
    notice = notices.notice_issue(visit=joint.visit, user=joint.alice, proposed=_dates(joint.visit))
    assert re.fullmatch(r"([A-HJ-NP-Z2-9]{4}-){4}[A-HJ-NP-Z2-9]{4}", notice.token)
    with pytest.raises(notices.NoticeRefused, match="已经发出"):
        notices.notice_issue(visit=joint.visit, user=joint.alice, proposed=_dates(joint.visit))


def test_the_notice_says_what_the_law_asks_and_nothing_personal(joint, notice, client) -> None:
    client.force_login(joint.dave)
    page = client.get(f"/visits/{joint.visit.pk}/notice/").content.decode()
    for text in ("检查通知书", "甲局", "住建局", "旅馆业治安管理情况的检查", "房屋使用安全的检查", "旅客住宿登记簿",
                 "实地检查", "书面检查", "申请其回避", "不配合检查情节严重", notice.token, notices.notice_url(notice)):
        assert text in page, text
    for member in TeamMember.objects.filter(visit=joint.visit):
        assert member.name in page and member.inspector.cert_no in page
    for secret in _personal(joint):
        assert secret not in page
    assert 'src="data:image/svg+xml' in page  # the QR code
    assert "<script>" not in page and "style=" not in page


def test_the_pdf_carries_chinese_text_the_code_and_no_personal_data(joint, notice, client) -> None:
    client.force_login(joint.alice)
    response = client.get(f"/visits/{joint.visit.pk}/notice.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    squeezed = re.sub(r"\s+", "", text)
    for expected in ("检查通知书", "申请回避的权利", "拒绝检查的后果", "旅客住宿登记簿", joint.visit.entity.name, notice.token):
        assert expected in squeezed, expected
    for member in TeamMember.objects.filter(visit=joint.visit):
        assert member.inspector.cert_no in squeezed
    for secret in _personal(joint):
        assert secret not in squeezed


def test_the_staff_notice_pages_three_people(joint, notice, client) -> None:
    base = f"/visits/{joint.visit.pk}/"
    for reader in (joint.alice, joint.dave, joint.zed):
        client.force_login(reader)
        assert client.get(f"{base}notice/").status_code == 200
        assert client.get(f"{base}notice.pdf").status_code == 200
    for writer_only in (f"{base}notice/delivery/", f"{base}notice/date/"):
        client.force_login(joint.dave)
        assert client.post(writer_only, {"via": "post", "day": _dates(joint.visit)[0]}).status_code == 404
    client.force_login(joint.charlie)
    for path in (f"{base}notice/", f"{base}notice.pdf"):
        assert client.get(path).status_code == 404
    client.force_login(joint.alice)
    assert client.post(f"{base}notice/delivery/", {"via": "post", "note": "EMS 1234"}).status_code == 302
    assert NoticeEvent.objects.get(notice=notice, kind="delivered").via == "post"


def test_the_entity_opens_reads_and_agrees_a_date_without_an_account(joint, notice, client) -> None:
    url = f"/n/{notice.token}/"
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert joint.visit.entity.name in html and "旅客住宿登记簿" in html
    assert "<script>" not in html and "style=" not in html
    for secret in _personal(joint):
        assert secret not in html
    client.get(url)  # a second opening is not recorded again
    assert list(NoticeEvent.objects.filter(notice=notice).values_list("kind", "via")) == [("opened", "link"), ("delivered", "link")]

    chosen = _dates(joint.visit)[1]
    response = client.post(url, {"signer": "张经理", "day": chosen.isoformat()})
    assert response.status_code == 302
    notice.refresh_from_db()
    joint.visit.refresh_from_db()
    assert notice.read_at is not None and notice.entity_contact == "张经理"
    assert notice.agreed_date == chosen and joint.visit.planned_on == chosen
    assert "张经理" not in client.get(url).content.decode()  # the signer's name stays staff-side
    changes = AuditEntry.objects.filter(object_type="inspections.notice", object_id=str(notice.pk)).values_list("changes", flat=True)
    assert any("agreed_date" in str(c) for c in changes) and any("read_at" in str(c) for c in changes)
    assert AuditEntry.objects.filter(object_type="inspections.visit", object_id=str(joint.visit.pk), changes__icontains="planned_on").exists()
    assert NoticeEvent.objects.filter(notice=notice, kind="date_agreed", date=chosen).exists()
    again = client.post(url, {"signer": "张经理", "day": _dates(joint.visit)[0].isoformat()})
    assert "如需变更请与检查组联系" in again.content.decode()

    client.force_login(joint.zed)
    staff = client.get(f"/visits/{joint.visit.pk}/").content.decode()
    assert "张经理" in staff and chosen.isoformat() in staff


def test_the_entity_may_propose_another_date_and_staff_record_the_agreement(joint, notice, client) -> None:
    other = joint.visit.window_start + dt.timedelta(days=9)
    client.post(f"/n/{notice.token}/", {"signer": "李会计", "other_day": other.isoformat(), "note": "上午不便"})
    notice.refresh_from_db()
    assert notice.read_at is not None and notice.agreed_date is None
    client.force_login(joint.alice)
    assert "上午不便" in client.get(f"/visits/{joint.visit.pk}/").content.decode()
    client.post(f"/visits/{joint.visit.pk}/notice/date/", {"day": other.isoformat(), "note": "电话确认"})
    notice.refresh_from_db()
    assert notice.agreed_date == other
    assert NoticeEvent.objects.filter(notice=notice, kind="date_recorded", by=joint.alice).exists()


def test_a_date_outside_the_window_or_not_proposed_is_refused(joint, notice) -> None:
    with pytest.raises(notices.NoticeRefused, match="拟定的日期"):
        notices.notice_confirm(notice=notice, signer="张", day=joint.visit.window_start)
    with pytest.raises(notices.NoticeRefused, match="检查期间"):
        notices.notice_confirm(notice=notice, signer="张", day=None, other_day=today() - dt.timedelta(days=1))


def test_unknown_codes_are_404_and_the_page_is_rate_limited(joint, notice, client, monkeypatch) -> None:
    assert client.get("/n/AAAA-BBBB-CCCC-DDDD-EEEE/").status_code == 404
    assert client.get(f"/n/{notice.token}/notice.pdf").status_code == 200
    monkeypatch.setattr(notices, "PUBLIC_LIMIT_PER_HOUR", 0)
    response = client.get(f"/n/{notice.token}/")
    assert response.status_code == 429 and response["Retry-After"]


def test_the_entity_asks_for_avoidance_and_staff_see_it(joint, notice, client) -> None:
    client.post(f"/n/{notice.token}/avoidance/", {"text": "执法人员甲与我单位负责人系亲属"})
    notice.refresh_from_db()
    assert "系亲属" in notice.avoidance_request
    client.force_login(joint.alice)
    assert "系亲属" in client.get(f"/visits/{joint.visit.pk}/").content.decode()


def test_the_notice_code_authenticates_an_objection_linked_from_the_token_page(joint, notice, client) -> None:
    item = joint.task.task_items.first().item
    public_id = f"result:{joint.task.code}:{joint.visit.entity_id}:{item.pk}"
    publication_write(kind="result", public_id=public_id, department_code="A", year=joint.task.year,
                      payload={"抽查任务编号": joint.task.code, "检查事项": item.name, "检查结果": ["未发现问题"],
                               "主体名称": joint.visit.entity.name},
                      filter_keys={"uscc": joint.visit.entity_id})
    page = client.get(f"/n/{notice.token}/").content.decode()
    assert f"/public/objections/{public_id}/" in page
    objection = objection_submit(public_id=public_id, token=notice.token, contact="张经理 0531-1234567",
                                 text="检查日期有误", client_ip="127.0.0.1")
    assert objection.notice == notice and Objection.objects.count() == 1


def test_staff_change_the_proposed_dates_until_a_date_is_agreed(joint, notice, client) -> None:
    later = [joint.visit.window_start + dt.timedelta(days=10)]
    client.force_login(joint.dave)
    assert client.post(f"/visits/{joint.visit.pk}/notice/dates/", {"first": later[0].isoformat()}).status_code == 404
    client.force_login(joint.alice)
    client.post(f"/visits/{joint.visit.pk}/notice/dates/", {"first": later[0].isoformat()})
    notice.refresh_from_db()
    assert notice.proposed_dates == [later[0].isoformat()]
    notices.notice_confirm(notice=notice, signer="张经理", day=later[0])
    with pytest.raises(notices.NoticeRefused, match="已约定"):
        notices.notice_repropose(notice=notice, user=joint.alice, proposed=_dates(joint.visit))

"""异议: an entity objects with its notice's code; the department decides; the public sees the
decision (and any correction) as a new version of the published result."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from agencies.models import Role
from core.models import FeedItem, PublicationRecord
from inspections.models import Objection
from inspections.objections import ObjectionRefused, objection_decide, objection_submit
from tests.factories import DepartmentFactory, person
from tests.publicity.data import NAME, build

pytestmark = pytest.mark.django_db
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"


@pytest.fixture
def data(django_capture_on_commit_callbacks, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return build(django_capture_on_commit_callbacks)


def _post(client, data, **fields):
    form = {"token": data.notice_token, "contact": "王经理 13800000000", "text": "检查当日我店已停业装修，结果有误。", **fields}
    return client.post(f"/public/objections/{data.result_record.public_id}/", form)


def test_an_entity_objects_with_its_notice_code_and_the_department_is_told(data) -> None:
    client = Client(REMOTE_ADDR="198.51.100.20")
    page = client.get(f"/public/objections/{data.result_record.public_id}/")
    assert page.status_code == 200 and 'for="id_token"' in page.content.decode()
    done = _post(client, data, attachment=SimpleUploadedFile("证明.png", PNG, content_type="image/png"))
    assert done.status_code == 200
    objection = Objection.objects.get()
    assert objection.reference in done.content.decode()
    assert objection.entity_uscc == data.uscc and objection.record_version == 1 and objection.status == "received"
    assert objection.attachment_type == "image/png" and objection.attachment_size == len(PNG)
    feed = FeedItem.objects.filter(kind="objection")
    assert set(feed.values_list("recipient__username", flat=True)) == {"clerk", "chief"}
    assert feed.first().url == f"/objections/{objection.pk}/"


@pytest.mark.parametrize("token", ["WRONG-CODE", ""])
def test_a_wrong_code_is_refused_and_records_nothing(data, token) -> None:
    response = _post(Client(), data, token=token)
    assert response.status_code == 400
    assert Objection.objects.count() == 0


@pytest.mark.parametrize("typed", ["lower", "spaced", "unhyphenated", "full-width"])
def test_the_code_may_be_typed_as_people_type_it_from_the_paper_notice(data, typed) -> None:
    from inspections.models import Notice
    from inspections.notices import new_token

    code = new_token()  # as printed: five groups of four
    Notice.objects.filter(token=data.notice_token).update(token=code)
    variants = {
        "lower": code.lower(),
        "spaced": "  " + code.replace("-", " ") + " ",
        "unhyphenated": code.replace("-", "").lower(),
        "full-width": "".join(chr(ord(c) + 0xFEE0) if c != "-" else "－" for c in code),  # a Chinese input method
    }
    response = _post(Client(REMOTE_ADDR="198.51.100.21"), data, token=variants[typed])
    assert response.status_code == 200, response.content.decode()[:300]
    assert Objection.objects.get().notice.token == code
    # The notice's own public page opens with the code however typed, too.
    page = Client().get(reverse("fieldwork:public_notice", args=[variants["unhyphenated"]]))
    assert page.status_code == 200 and data.uscc in page.content.decode()


def test_the_notice_of_another_entity_does_not_open_this_result(data) -> None:
    from inspections.models import Notice, Visit

    other = Visit.objects.exclude(entity_id=data.uscc).first()
    Notice.objects.create(visit=other, token="OTHER-ENTITY-CODE", issued_by=data.clerk)
    with pytest.raises(ObjectionRefused, match="不符"):
        objection_submit(public_id=data.result_record.public_id, token="OTHER-ENTITY-CODE", contact="x", text="y",
                         client_ip="198.51.100.1")


def test_attempts_are_limited_per_address_and_per_code(data, settings) -> None:
    settings.OBJECTION_DAILY_LIMIT = 2
    client = Client(REMOTE_ADDR="198.51.100.30")
    assert _post(client, data, token="GUESS-1").status_code == 400
    assert _post(client, data, token="GUESS-2").status_code == 400
    third = _post(client, data)  # even the right code: this address has used its attempts today
    assert third.status_code == 400 and "上限" in third.content.decode()
    other = Client(REMOTE_ADDR="198.51.100.31")
    assert _post(other, data).status_code == 200
    assert _post(Client(REMOTE_ADDR="198.51.100.32"), data).status_code == 200
    assert "上限" in _post(Client(REMOTE_ADDR="198.51.100.33"), data).content.decode()  # the code's own limit
    assert Objection.objects.count() == 2


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [("材料.pdf", b"just text, not a pdf", "PDF、PNG 或 JPEG"), ("big.png", PNG + b"0" * (5 * 1024 * 1024), "5 MB")],
)
def test_attachments_are_checked_by_content_and_size(data, name, content, message) -> None:
    response = _post(Client(), data, attachment=SimpleUploadedFile(name, content, content_type="application/pdf"))
    assert response.status_code == 400 and message in response.content.decode()
    assert Objection.objects.count() == 0


def _submitted(data):
    return objection_submit(public_id=data.result_record.public_id, token=data.notice_token, contact="王经理",
                            text="结果有误", client_ip="198.51.100.40")


def test_an_accepted_objection_corrects_the_public_record_with_its_history(data) -> None:
    objection = _submitted(data)
    objection_decide(objection=objection, user=data.chief, accept=True, decision="经复核，该店检查时未开展经营活动。",
                     categories=["no_activity"])
    current = PublicationRecord.objects.filter(public_id=data.result_record.public_id).order_by("-version").first()
    assert current.version == 2 and current.supersedes_id == data.result_record.pk
    assert current.payload["检查结果"] == ["未发现开展本次抽查涉及的经营活动"] and current.category == "no_activity"
    assert current.payload["异议处理"][0]["结论"] == "异议成立，已更正"
    page = Client().get(f"/public/entities/{data.uscc}/").content.decode()
    assert "未发现开展本次抽查涉及的经营活动" in page and "经复核，该店检查时未开展经营活动。" in page
    assert "历史版本" in page and "未发现问题" in page
    assert "王经理" not in page and "结果有误" not in page  # the objection itself stays staff-side
    objection.refresh_from_db()
    assert objection.status == "accepted" and objection.correction_version == 2


def test_a_rejected_objection_keeps_the_result_and_publishes_the_reason(data) -> None:
    objection = _submitted(data)
    objection_decide(objection=objection, user=data.chief, accept=False, decision="现场检查记录与照片证明结果无误。")
    current = PublicationRecord.objects.filter(public_id=data.result_record.public_id).order_by("-version").first()
    assert current.payload["检查结果"] == ["未发现问题"]
    assert current.payload["异议处理"][0]["结论"] == "异议不成立"
    with pytest.raises(ObjectionRefused, match="已经处理"):
        objection_decide(objection=objection, user=data.chief, accept=True, decision="再议", categories=["corrected"])


def test_the_department_decides_on_its_staff_page_others_get_404(data) -> None:
    objection = _submitted(data)
    url = f"/objections/{objection.pk}/"
    alice = Client()
    alice.force_login(data.chief)
    assert "结果有误" in alice.get(url).content.decode() and objection.reference in alice.get("/objections/").content.decode()
    liaison = person("bob", data.department, Role.LIAISON)
    bob = Client()
    bob.force_login(liaison)
    assert bob.get(url).status_code == 200
    assert bob.post(f"{url}decide/", {"outcome": "reject", "decision": "x"}).status_code == 404
    charlie = Client()
    charlie.force_login(person("charlie", DepartmentFactory(code="XF", name="消防"), Role.STAFF, Role.DEPT_ADMIN))
    assert charlie.get(url).status_code == 404 and charlie.get(f"{url}attachment/").status_code == 404
    refused = alice.post(f"{url}decide/", {"outcome": "accept", "decision": "成立"})
    assert refused.status_code == 400 and "更正后的检查结果" in refused.content.decode()
    done = alice.post(f"{url}decide/", {"outcome": "accept", "decision": "成立", "categories": ["corrected"]})
    assert done.status_code == 302
    assert "发现问题已责令改正" in Client().get(f"/public/entities/{data.uscc}/").content.decode()
    assert NAME in Client().get("/public/search/", {"q": "青禾", "category": "corrected"}).content.decode()

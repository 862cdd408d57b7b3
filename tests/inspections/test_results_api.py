"""The result API with three people per endpoint: the same doors as the pages."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from core.models import PublicationRecord
from inspections.models import Result, ResultAttachment
from tests.inspections.results_setup import hotel_task

pytestmark = pytest.mark.django_db

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01" + b"\x00" * 200 + b"\xff\xd9"


@pytest.fixture(autouse=True)
def _private(settings, tmp_path):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    settings.RESULT_UPLOAD_MAX_BYTES = 50_000


@pytest.fixture
def hotel():
    return hotel_task()


def _api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def _body(h, n: int = 0, token: str = "tok", **extra) -> dict:
    return {"visit": h.visit.pk, "task": h.task.pk, "item": h.items[n].pk, "categories": ["no_problem"], "methods": ["on_site"],
            "inspected_on": "2026-12-03", "findings": "正常", "client_token": token, **extra}


def _saved(h, n: int = 0) -> Result:
    response = _api(h.inspector).post("/api/results/", _body(h, n, token=f"t{n}"), format="json")
    assert response.status_code == 201, response.content
    return Result.objects.get(pk=response.json()["id"])


def test_the_worklist_lists_the_inspectors_visits_and_items_only(hotel) -> None:
    slots = _api(hotel.inspector).get("/api/result-slots/").json()
    assert len(slots) == 1 and slots[0]["entity"] == hotel.visit.entity_id
    assert [i["name"] for i in slots[0]["items"]] == ["旅馆业治安管理情况的检查", "旅馆业实名登记情况的检查"]
    for other in (hotel.bob, hotel.chief, hotel.charlie):
        assert _api(other).get("/api/result-slots/").json() == []
    assert APIClient().get("/api/result-slots/").status_code == 403


def test_saving_twice_with_the_same_token_stores_one_result(hotel) -> None:
    client = _api(hotel.inspector)
    first = client.post("/api/results/", _body(hotel), format="json")
    again = client.post("/api/results/", _body(hotel), format="json")
    assert (first.status_code, again.status_code) == (201, 200) and Result.objects.count() == 1
    pk = first.json()["id"]
    assert client.post(f"/api/results/{pk}/submit/", {"client_token": "tok"}, format="json").status_code == 200
    assert client.post(f"/api/results/{pk}/submit/", {"client_token": "tok"}, format="json").status_code == 200  # resent
    assert client.post("/api/results/", _body(hotel), format="json").status_code == 200  # the same form again
    assert Result.objects.get().status == "submitted" and Result.objects.get().reviews.count() == 1
    refused = client.post("/api/results/", _body(hotel, token="another"), format="json")
    assert refused.status_code == 400 and "已提交审核" in refused.json()["detail"][0]


def test_only_the_drawn_inspector_saves_submits_and_uploads(hotel) -> None:
    for other in (hotel.bob, hotel.chief, hotel.charlie):
        assert _api(other).post("/api/results/", _body(hotel), format="json").status_code == 404
    result = _saved(hotel)
    for other in (hotel.bob, hotel.chief, hotel.charlie):
        assert _api(other).post(f"/api/results/{result.pk}/submit/", {}, format="json").status_code == 404
        upload = SimpleUploadedFile("a.jpg", JPEG)
        assert _api(other).post(f"/api/results/{result.pk}/attachments/", {"file": upload}, format="multipart").status_code == 404
    upload = SimpleUploadedFile("现场.jpg", JPEG)
    response = _api(hotel.inspector).post(f"/api/results/{result.pk}/attachments/", {"file": upload}, format="multipart")
    assert response.status_code == 201 and response.json()["content_type"] == "image/jpeg"
    bad = _api(hotel.inspector).post(f"/api/results/{result.pk}/attachments/", {"file": SimpleUploadedFile("x.jpg", b"GIF89a....")}, format="multipart")
    assert bad.status_code == 400 and "类型不允许上传" in bad.json()["detail"][0]
    big = _api(hotel.inspector).post(f"/api/results/{result.pk}/attachments/", {"file": SimpleUploadedFile("b.jpg", JPEG + b"\x00" * 60_000)}, format="multipart")
    assert big.status_code == 400 and "过大" in big.json()["detail"][0]
    assert ResultAttachment.objects.count() == 1


def test_reading_results_follows_the_department(hotel) -> None:
    result = _saved(hotel)
    for reader in (hotel.inspector, hotel.chief, hotel.bob):
        assert _api(reader).get(f"/api/results/{result.pk}/").status_code == 200
        assert [r["id"] for r in _api(reader).get("/api/results/").json()["results"]] == [result.pk]
    assert _api(hotel.charlie).get(f"/api/results/{result.pk}/").status_code == 404
    assert _api(hotel.charlie).get("/api/results/").json()["results"] == []
    assert "id_number" not in str(_api(hotel.bob).get(f"/api/results/{result.pk}/").json())


def test_review_by_the_section_chief_moves_the_task_to_publication(hotel, django_capture_on_commit_callbacks) -> None:
    results = [_saved(hotel, 0), _saved(hotel, 1)]
    for r in results:
        _api(hotel.inspector).post(f"/api/results/{r.pk}/submit/", {}, format="json")
    queue = _api(hotel.chief).get("/api/results/?status=submitted").json()["results"]
    assert len(queue) == 2
    for other in (hotel.inspector, hotel.bob, hotel.charlie):
        assert _api(other).post(f"/api/results/{results[0].pk}/review/", {"decision": "approve"}, format="json").status_code == 404
    chief = _api(hotel.chief)
    assert chief.post(f"/api/results/{results[0].pk}/review/", {"decision": "return", "opinion": ""}, format="json").status_code == 400
    returned = chief.post(f"/api/results/{results[0].pk}/review/", {"decision": "return", "opinion": "照片不清楚"}, format="json").json()
    assert returned["status"] == "returned" and returned["reviews"][-1]["opinion"] == "照片不清楚"
    _api(hotel.inspector).post("/api/results/", _body(hotel, 0, token="fix", findings="已补拍"), format="json")
    _api(hotel.inspector).post(f"/api/results/{results[0].pk}/submit/", {"client_token": "fix"}, format="json")
    with django_capture_on_commit_callbacks(execute=True):
        for r in results:
            assert chief.post(f"/api/results/{r.pk}/review/", {"decision": "approve"}, format="json").json()["status"] == "approved"
    hotel.task.refresh_from_db()
    assert hotel.task.status == "results_published"
    assert PublicationRecord.objects.filter(kind="result").count() == 2

"""The open-data API: no login, keyset pages, the site's filters, stable ids, in the schema."""

import pytest
from django.test import Client

from core.services import publication_withdraw, publication_write
from tests.publicity.data import NAME, build

pytestmark = pytest.mark.django_db


@pytest.fixture
def data(django_capture_on_commit_callbacks):
    return build(django_capture_on_commit_callbacks)


@pytest.fixture
def anon() -> Client:
    return Client()


def test_the_api_root_says_when_anything_was_last_published(anon, data) -> None:
    body = anon.get("/api/public/").json()
    assert body["last_updated"] and body["endpoints"]["results"] == "/api/public/results/"
    assert body["rate_limit"]


def test_results_are_listed_without_login_and_filtered_like_the_site(anon, data) -> None:
    rows = anon.get("/api/public/results/").json()["results"]
    assert [r["payload"]["主体名称"] for r in rows] == [NAME]
    assert rows[0]["public_id"] == data.result_record.public_id and rows[0]["page"] == f"/public/entities/{data.uscc}/"
    for params, count in [({"name": "青禾"}, 1), ({"name": "禾青"}, 0), ({"uscc": data.uscc.lower()}, 1),
                          ({"department": "SCJG", "year": 2026}, 1), ({"year": 2025}, 0), ({"category": "refused"}, 0),
                          ({"street": "370113001"}, 1), ({"task": data.task.code}, 1), ({"task": "X-1"}, 0)]:
        assert len(anon.get("/api/public/results/", params).json()["results"]) == count, params
    assert anon.get("/api/public/results/", {"name": "禾"}).status_code == 400


def test_lists_page_by_cursor_without_counting(anon, data) -> None:
    record = data.result_record
    for i in range(3):
        publication_write(kind="result", public_id=f"result:{data.task.code}:X{i}", payload={**record.payload},
                          department_code="SCJG", year=2026, filter_keys=record.filter_keys)
    first = anon.get("/api/public/results/", {"page_size": 2}).json()
    assert "count" not in first and len(first["results"]) == 2 and first["next"]
    second = anon.get(first["next"]).json()
    ids = [r["public_id"] for r in first["results"] + second["results"]]
    assert len(ids) == len(set(ids)) == 4


def test_a_record_keeps_its_public_id_across_versions_and_the_history_is_listed(anon, data) -> None:
    record = data.result_record
    publication_write(kind="result", public_id=record.public_id, payload={**record.payload, "检查结果": ["发现问题已责令改正"]},
                      department_code="SCJG", year=2026, filter_keys=record.filter_keys)
    current = anon.get(f"/api/public/results/{record.public_id}/").json()
    assert current["version"] == 2 and current["supersedes_version"] == 1
    history = anon.get(f"/api/public/results/{record.public_id}/versions/").json()
    assert [v["version"] for v in history] == [1, 2]
    publication_withdraw(public_id=record.public_id, reason="撤回")
    assert anon.get(f"/api/public/results/{record.public_id}/").status_code == 404
    assert anon.get("/api/public/results/").json()["results"] == []


def test_tasks_draws_plans_and_item_lists_are_served(anon, data) -> None:
    assert anon.get("/api/public/tasks/").json()["results"][0]["payload"]["code"] == data.task.code
    draw = anon.get(f"/api/public/draws/draw:{data.task.code}:1/").json()
    assert draw["payload"]["result"]["selected"] and draw["version"] == 2
    first = anon.get(f"/api/public/draws/draw:{data.task.code}:1/versions/").json()[0]
    assert "result" not in first["payload"]  # the announcement as it was before the randomness
    assert anon.get("/api/public/plans/", {"department": "SCJG"}).json()["results"]
    assert anon.get("/api/public/item-lists/").json()["results"][0]["payload"]["department"] == "市场监管局"
    assert anon.get(f"/api/public/tasks/draw:{data.task.code}:1/").status_code == 404  # a draw id is not a task


def test_the_public_endpoints_are_in_the_openapi_schema(data) -> None:
    staff = Client()
    staff.force_login(data.clerk)
    schema = staff.get("/api/schema/", {"format": "json"}).json()
    for path in ("/api/public/results/", "/api/public/results/{public_id}/", "/api/public/tasks/", "/api/public/draws/",
                 "/api/public/downloads/", "/api/public/downloads/results-{year}-{department}.{fmt}"):
        assert path in schema["paths"], path
    parameters = {p["name"] for p in schema["paths"]["/api/public/results/"]["get"]["parameters"]}
    assert {"name", "uscc", "department", "year", "category", "street", "task", "cursor"} <= parameters


def test_the_staff_api_still_needs_a_login(anon, data) -> None:
    assert anon.get("/api/tasks/").status_code in (302, 401, 403)

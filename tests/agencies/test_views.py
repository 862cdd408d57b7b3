"""Every page and endpoint that exists, with the three people: A's admin, A's staff, B's admin."""

import json

import pytest

from agencies.models import Section

pytestmark = pytest.mark.django_db


def _section(dept) -> Section:
    return Section.objects.get(department=dept)


def test_department_page_three_people(cast, client) -> None:
    url = f"/departments/{cast.dept_a.pk}/"
    client.force_login(cast.alice)
    page = client.get(url)
    assert page.status_code == 200 and "新增科室/所" in page.content.decode()
    client.force_login(cast.bob)
    page = client.get(url)
    assert page.status_code == 200 and "新增科室/所" not in page.content.decode()
    client.force_login(cast.charlie)
    assert client.get(url).status_code == 404


def test_section_create_three_people(cast, client) -> None:
    url = f"/departments/{cast.dept_a.pk}/sections/new/"
    data = {"code": "A2", "name": "新科", "kind": "office", "area": ""}
    client.force_login(cast.charlie)
    assert client.get(url).status_code == 404
    assert client.post(url, data).status_code == 404
    client.force_login(cast.bob)
    assert client.post(url, data).status_code == 404
    client.force_login(cast.alice)
    assert client.post(url, data).status_code == 302
    assert Section.objects.filter(department=cast.dept_a, code="A2").exists()
    assert not Section.objects.filter(department=cast.dept_b, code="A2").exists()


def test_section_edit_three_people(cast, client) -> None:
    section = _section(cast.dept_a)
    url = f"/sections/{section.pk}/edit/"
    data = {"code": "A1", "name": "改名", "kind": "station", "area": "城关街道"}
    for who in (cast.charlie, cast.bob):
        client.force_login(who)
        assert client.post(url, data).status_code == 404
    section.refresh_from_db()
    assert section.name == "甲科"
    client.force_login(cast.alice)
    assert client.post(url, data).status_code == 302
    section.refresh_from_db()
    assert section.name == "改名" and section.kind == "station"


def test_a_duplicate_section_code_is_a_clear_error(cast, client) -> None:
    client.force_login(cast.alice)
    page = client.post(f"/departments/{cast.dept_a.pk}/sections/new/", {"code": "A1", "name": "重复", "kind": "office"})
    assert page.status_code == 200 and "本部门已有代码为 A1 的科室/所" in page.content.decode()


def test_api_departments_lists_only_ones_own(cast, client) -> None:
    client.force_login(cast.bob)
    codes = [d["code"] for d in client.get("/api/departments/").json()["results"]]
    assert codes == ["A"]
    assert client.get(f"/api/departments/{cast.dept_a.pk}/").status_code == 200
    client.force_login(cast.charlie)
    assert client.get(f"/api/departments/{cast.dept_a.pk}/").status_code == 404


def test_api_section_update_three_people(cast, client) -> None:
    section = _section(cast.dept_a)
    url = f"/api/sections/{section.pk}/"
    body = json.dumps({"name": "接口改名"})
    client.force_login(cast.charlie)
    assert client.get(url).status_code == 404
    assert client.patch(url, body, content_type="application/json").status_code == 404
    client.force_login(cast.bob)
    assert client.get(url).status_code == 200
    assert client.patch(url, body, content_type="application/json").status_code == 404
    client.force_login(cast.alice)
    assert client.patch(url, body, content_type="application/json").status_code == 200
    section.refresh_from_db()
    assert section.name == "接口改名"


def test_anonymous_callers_reach_no_staff_page_or_endpoint(cast, client) -> None:
    for url in ("/workspace/", f"/departments/{cast.dept_a.pk}/", "/feed/", "/discipline/", "/office/"):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], url
    for url in ("/api/departments/", "/api/me/", f"/api/sections/{_section(cast.dept_a).pk}/"):
        assert client.get(url).status_code in (302, 401, 403), url


def test_role_pages_are_404_for_everyone_else(cast, client) -> None:
    client.force_login(cast.alice)
    for url in ("/office/", "/discipline/", "/assessment/", "/superior/"):
        assert client.get(url).status_code == 404, url

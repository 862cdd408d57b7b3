"""The inspector directory's staff pages: list, filters, keyset pages, detail, edit, leave.

alice (A's dept_admin) may act; bob (A's staff) reads; charlie (B) gets 404.
"""

import datetime as dt

import pytest
from django.utils import timezone

from agencies.models import Role, Section
from inspectors import selectors
from inspectors.models import Field, Inspector, Leave
from tests.entities.factories import make_inspector, oversight
from tests.factories import DepartmentFactory

pytestmark = pytest.mark.django_db


def _names(page) -> list[str]:
    return [i.name for i in page.context["inspectors"]]


def test_the_list_shows_ones_own_departments_inspectors(cast, client) -> None:
    make_inspector(cast.dept_a, name="甲局执法员")
    make_inspector(cast.dept_b, name="乙局执法员")
    for who in (cast.alice, cast.bob):
        client.force_login(who)
        assert _names(client.get("/inspectors/")) == ["甲局执法员"]
    client.force_login(cast.charlie)
    assert _names(client.get("/inspectors/")) == ["乙局执法员"]
    client.force_login(oversight(Role.OFFICE))
    assert sorted(_names(client.get("/inspectors/"))) == ["乙局执法员", "甲局执法员"]


@pytest.mark.parametrize("role", [Role.ASSESSOR, Role.SUPERIOR])
def test_the_assessor_and_the_superior_see_no_inspectors(client, role) -> None:
    inspector = make_inspector(DepartmentFactory(code="A"))
    client.force_login(oversight(role))
    assert client.get("/inspectors/").status_code == 404
    assert client.get(f"/inspectors/{inspector.pk}/").status_code == 404
    assert client.get("/inspectors/conflicts/").status_code == 404


def test_detail_three_people(cast, client) -> None:
    inspector = make_inspector(cast.dept_a, name="详情执法员", cert_no="JZ-0001")
    url = f"/inspectors/{inspector.pk}/"
    client.force_login(cast.alice)
    html = client.get(url).content.decode()
    assert "详情执法员" in html and "JZ-0001" in html and f"/inspectors/{inspector.pk}/edit/" in html
    client.force_login(cast.bob)
    page = client.get(url)
    assert page.status_code == 200 and f"/inspectors/{inspector.pk}/edit/" not in page.content.decode()
    client.force_login(cast.charlie)
    assert client.get(url).status_code == 404
    assert client.get("/inspectors/999999/").status_code == 404


def test_search_by_name_or_certificate_number(cast, client) -> None:
    make_inspector(cast.dept_a, name="王大锤", cert_no="37011300555")
    make_inspector(cast.dept_a, name="李四", cert_no="37011300777")
    client.force_login(cast.bob)
    assert _names(client.get("/inspectors/", {"q": "大锤"})) == ["王大锤"]
    assert _names(client.get("/inspectors/", {"q": "00777"})) == ["李四"]


def test_filters_section_field_active_and_on_leave_today(cast, client) -> None:
    section = Section.objects.get(department=cast.dept_a)
    food = Field.objects.get_or_create(code="food", defaults={"name": "食品"})[0]
    in_section = make_inspector(cast.dept_a, name="科里的", section=section)
    expert = make_inspector(cast.dept_a, name="懂食品的")
    expert.fields.add(food)
    make_inspector(cast.dept_a, name="不在岗的", is_active=False)
    away = make_inspector(cast.dept_a, name="请假的")
    today = timezone.localdate()
    Leave.objects.create(inspector=away, start=today - dt.timedelta(days=1), end=today + dt.timedelta(days=1))
    Leave.objects.create(inspector=in_section, start=today + dt.timedelta(days=5), end=today + dt.timedelta(days=6))
    client.force_login(cast.bob)
    assert _names(client.get("/inspectors/", {"section": section.pk})) == ["科里的"]
    assert _names(client.get("/inspectors/", {"field": "food"})) == ["懂食品的"]
    assert _names(client.get("/inspectors/", {"active": "0"})) == ["不在岗的"]
    assert _names(client.get("/inspectors/", {"on_leave": "1"})) == ["请假的"]
    assert "请假的" not in _names(client.get("/inspectors/", {"on_leave": "0"}))
    assert "今日请假" in client.get("/inspectors/").content.decode()


def test_another_departments_section_is_not_a_filter_choice(cast, client) -> None:
    make_inspector(cast.dept_a, name="甲局执法员")
    theirs = Section.objects.get(department=cast.dept_b)
    client.force_login(cast.bob)
    page = client.get("/inspectors/", {"section": theirs.pk})
    assert page.context["form"].errors["section"] and "乙科" not in page.content.decode()


def test_keyset_pages_forward_and_back(cast, client, monkeypatch) -> None:
    monkeypatch.setattr(selectors, "PAGE_SIZE", 2)
    ids = [make_inspector(cast.dept_a).pk for _ in range(5)]
    make_inspector(cast.dept_b)
    client.force_login(cast.bob)
    first = client.get("/inspectors/")
    assert [i.pk for i in first.context["inspectors"]] == ids[:2] and first.context["next_after"] == ids[1]
    assert "下一页" in first.content.decode() and "上一页" not in first.content.decode()
    third = client.get("/inspectors/", {"after": ids[3]})
    assert [i.pk for i in third.context["inspectors"]] == ids[4:] and third.context["next_after"] is None
    back = client.get("/inspectors/", {"before": ids[4]})
    assert [i.pk for i in back.context["inspectors"]] == ids[2:4] and back.context["prev_before"] == ids[2]


def test_edit_three_people(cast, client) -> None:
    section = Section.objects.get(department=cast.dept_a)
    food = Field.objects.get_or_create(code="food", defaults={"name": "食品"})[0]
    inspector = make_inspector(cast.dept_a)
    url = f"/inspectors/{inspector.pk}/edit/"
    data = {"section": section.pk, "fields_": ["food"], "is_expert": "1", "expert_field": "food", "home_area": "370113001",
            "cert_valid_until": "2030-06-30", "is_active": "0"}
    for who in (cast.charlie, cast.bob):
        client.force_login(who)
        assert client.get(url).status_code == 404
        assert client.post(url, data).status_code == 404
    client.force_login(cast.alice)
    assert client.get(url).status_code == 200
    assert client.post(url, data).status_code == 302
    inspector.refresh_from_db()
    assert inspector.section == section and list(inspector.fields.all()) == [food]
    assert inspector.is_expert and inspector.expert_field == food and not inspector.is_active
    assert inspector.cert_valid_until == dt.date(2030, 6, 30)


def test_an_expert_field_needs_an_expert(cast, client) -> None:
    Field.objects.get_or_create(code="food", defaults={"name": "食品"})[0]
    inspector = make_inspector(cast.dept_a)
    client.force_login(cast.alice)
    page = client.post(f"/inspectors/{inspector.pk}/edit/", {"is_expert": "0", "expert_field": "food", "is_active": "1"})
    assert page.status_code == 200 and "只有专家才能填写专家领域" in page.content.decode()


def test_another_departments_section_cannot_be_assigned(cast, client) -> None:
    inspector = make_inspector(cast.dept_a)
    theirs = Section.objects.get(department=cast.dept_b)
    client.force_login(cast.alice)
    page = client.post(f"/inspectors/{inspector.pk}/edit/", {"section": theirs.pk, "is_expert": "0", "is_active": "1"})
    assert page.status_code == 200 and page.context["form"].errors["section"]
    assert Inspector.objects.get(pk=inspector.pk).section is None


def test_leave_add_and_remove_three_people(cast, client) -> None:
    inspector = make_inspector(cast.dept_a)
    add = f"/inspectors/{inspector.pk}/leaves/add/"
    data = {"start": "2026-03-02", "end": "2026-03-06", "reason": "年休假"}
    for who in (cast.charlie, cast.bob):
        client.force_login(who)
        assert client.post(add, data).status_code == 404
    assert not Leave.objects.exists()
    client.force_login(cast.alice)
    assert client.post(add, data).status_code == 302
    leave = Leave.objects.get(inspector=inspector)
    assert (leave.start, leave.end, leave.reason) == (dt.date(2026, 3, 2), dt.date(2026, 3, 6), "年休假")
    remove = f"/inspectors/leaves/{leave.pk}/remove/"
    for who in (cast.charlie, cast.bob):
        client.force_login(who)
        assert client.post(remove).status_code == 404
    assert Leave.objects.exists()
    client.force_login(cast.alice)
    assert client.post(remove).status_code == 302
    assert not Leave.objects.exists()


def test_a_leave_that_ends_before_it_starts_is_refused(cast, client) -> None:
    inspector = make_inspector(cast.dept_a)
    client.force_login(cast.alice)
    page = client.post(f"/inspectors/{inspector.pk}/leaves/add/", {"start": "2026-03-06", "end": "2026-03-02"},
                       follow=True)
    assert "结束日期不能早于开始日期" in page.content.decode() and not Leave.objects.exists()


def test_the_pages_render_empty(cast, client) -> None:
    client.force_login(cast.bob)
    assert "没有符合条件的执法人员" in client.get("/inspectors/").content.decode()
    assert "没有回避申报" in client.get("/inspectors/conflicts/").content.decode()
    html = client.get(f"/inspectors/{make_inspector(cast.dept_a).pk}/").content.decode()
    assert "没有登记请假期间" in html and "没有回避申报" in html

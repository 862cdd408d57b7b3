"""The registry's staff pages: the list with its filters, keyset pages and capped count; the detail."""

import datetime as dt

import pytest
from django.http import Http404

from agencies.models import Role
from entities import selectors
from entities.models import AbnormalListing, AnnualReport
from entities.permissions import access_entity
from tests.entities.factories import add_entry, code_for, make_directory, make_entity, oversight

pytestmark = pytest.mark.django_db


def _names(page) -> list[str]:
    return [e.name for e in page.context["entities"]]


def test_the_registry_list_is_shared_by_every_department_and_oversight(cast, client) -> None:
    make_entity(name="共享主体有限公司")
    office = oversight(Role.OFFICE)
    discipline = oversight(Role.DISCIPLINE)
    for who in (cast.alice, cast.bob, cast.charlie, office, discipline):
        client.force_login(who)
        page = client.get("/entities/")
        assert page.status_code == 200 and "共享主体有限公司" in page.content.decode(), who


@pytest.mark.parametrize("role", [Role.ASSESSOR, Role.SUPERIOR])
def test_the_assessor_and_the_superior_do_not_browse_the_registry(client, role) -> None:
    entity = make_entity()
    client.force_login(oversight(role))
    assert client.get("/entities/").status_code == 404
    assert client.get(f"/entities/{entity.uscc}/").status_code == 404


def test_the_registry_needs_a_login(client) -> None:
    entity = make_entity(legal_rep="独一无二法人")
    for url in ("/entities/", f"/entities/{entity.uscc}/"):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
        assert "独一无二法人" not in response.content.decode()


def test_search_by_a_name_substring_or_an_exact_code(cast, client) -> None:
    make_entity(name="长清区甲乙餐饮店")
    target = make_entity(name="别的公司")
    client.force_login(cast.bob)
    assert _names(client.get("/entities/", {"q": "甲乙"})) == ["长清区甲乙餐饮店"]
    assert _names(client.get("/entities/", {"q": target.uscc.lower()})) == ["别的公司"]


def test_each_filter_narrows_the_list(cast, client) -> None:
    base = make_entity(name="基准")
    make_entity(name="个体户", entity_type="individual")
    make_entity(name="住宿业", industry_id="61")
    make_entity(name="崮云湖", region_id="370113002")
    make_entity(name="高风险", risk_class="D")
    make_entity(name="已注销", status="deregistered")
    make_entity(name="旅馆", tags=("hotel",))
    listed = make_entity(name="在名录库")
    directory = make_directory(cast.dept_a)
    add_entry(directory, listed)
    client.force_login(cast.bob)
    cases = {
        "entity_type": ("individual", "个体户"),
        "industry": ("61", "住宿业"),
        "region": ("370113002", "崮云湖"),
        "risk_class": ("D", "高风险"),
        "status": ("deregistered", "已注销"),
        "tag": ("hotel", "旅馆"),
        "directory": (str(directory.pk), "在名录库"),
    }
    for name, (value, expected) in cases.items():
        assert _names(client.get("/entities/", {name: value})) == [expected], name
    assert base.name in _names(client.get("/entities/"))


def test_the_directory_filter_offers_only_ones_own_directories(cast, client) -> None:
    theirs = make_directory(cast.dept_b, name="乙局秘密名录库")
    add_entry(theirs, make_entity(name="乙局的主体"))
    make_entity(name="另一个主体")
    client.force_login(cast.bob)
    page = client.get("/entities/", {"directory": theirs.pk})
    html = page.content.decode()
    assert page.status_code == 200
    assert "乙局秘密名录库" not in html
    assert sorted(_names(page)) == ["乙局的主体", "另一个主体"]  # the foreign filter is refused, not applied
    assert page.context["form"].errors["directory"]


def test_keyset_pages_forward_and_back(cast, client, monkeypatch) -> None:
    monkeypatch.setattr(selectors, "PAGE_SIZE", 3)
    codes = sorted(make_entity(n).uscc for n in range(1, 8))
    client.force_login(cast.bob)
    first = client.get("/entities/")
    assert [e.uscc for e in first.context["entities"]] == codes[:3]
    assert first.context["prev_before"] is None and first.context["next_after"] == codes[2]
    assert f"after={codes[2]}" in first.content.decode() and "下一页" in first.content.decode()
    second = client.get("/entities/", {"after": codes[2]})
    assert [e.uscc for e in second.context["entities"]] == codes[3:6]
    assert second.context["prev_before"] == codes[3]
    third = client.get("/entities/", {"after": codes[5]})
    assert [e.uscc for e in third.context["entities"]] == codes[6:]
    assert third.context["next_after"] is None
    back = client.get("/entities/", {"before": codes[3]})
    assert [e.uscc for e in back.context["entities"]] == codes[:3]
    assert back.context["prev_before"] is None and back.context["next_after"] == codes[2]
    middle = client.get("/entities/", {"before": codes[6]})
    assert [e.uscc for e in middle.context["entities"]] == codes[3:6] and middle.context["prev_before"] == codes[3]


def test_pages_keep_the_filters_in_their_links(cast, client, monkeypatch) -> None:
    monkeypatch.setattr(selectors, "PAGE_SIZE", 1)
    make_entity(risk_class="C")
    make_entity(risk_class="C")
    client.force_login(cast.bob)
    html = client.get("/entities/", {"risk_class": "C"}).content.decode()
    assert "risk_class=C&amp;after=" in html


def test_a_junk_cursor_is_ignored(cast, client) -> None:
    make_entity()
    client.force_login(cast.bob)
    assert client.get("/entities/", {"after": "x' OR 1=1"}).status_code == 200


def test_the_count_is_capped(cast, client, monkeypatch) -> None:
    monkeypatch.setattr(selectors, "COUNT_CAP", 5)
    for _ in range(7):
        make_entity()
    client.force_login(cast.bob)
    assert "约 5+ 条" in client.get("/entities/").content.decode()
    make_entity(name="唯一")
    assert "共 1 条" in client.get("/entities/", {"q": "唯一"}).content.decode()


def test_the_detail_shows_registration_data_reports_listings_and_own_directories(cast, client) -> None:
    entity = make_entity(name="详情主体", legal_rep="张三丰", address="长清区某路1号")
    ours = make_directory(cast.dept_a, code="food", name="甲局食品库", kind="thematic")
    theirs = make_directory(cast.dept_b, code="fire", name="乙局消防库")
    add_entry(ours, entity, licence_no="JY13701130000001", licence_valid_until=dt.date(2020, 1, 1))
    add_entry(theirs, entity)
    AnnualReport.objects.create(entity=entity, year=2024, filed_on=dt.date(2025, 3, 1))
    AbnormalListing.objects.create(entity=entity, reason="unreachable", listed_on=dt.date(2025, 8, 1))
    client.force_login(cast.bob)
    html = client.get(f"/entities/{entity.uscc}/").content.decode()
    for text in ("详情主体", "张三丰", "长清区某路1号", "甲局食品库", "JY13701130000001", "已过期", "2024",
                 "通过登记的住所（经营场所）无法联系"):
        assert text in html, text
    assert "乙局消防库" not in html
    client.force_login(cast.charlie)
    html = client.get(f"/entities/{entity.uscc}/").content.decode()
    assert "乙局消防库" in html and "甲局食品库" not in html and "JY13701130000001" not in html


def test_oversight_sees_every_departments_directories_of_an_entity(cast, client) -> None:
    entity = make_entity()
    add_entry(make_directory(cast.dept_a, name="甲局库"), entity)
    add_entry(make_directory(cast.dept_b, name="乙局库"), entity)
    client.force_login(oversight(Role.DISCIPLINE))
    html = client.get(f"/entities/{entity.uscc}/").content.decode()
    assert "甲局库" in html and "乙局库" in html


def test_a_code_in_lower_case_finds_the_entity_and_an_unknown_code_is_404(cast, client) -> None:
    entity = make_entity()
    client.force_login(cast.bob)
    assert client.get(f"/entities/{entity.uscc.lower()}/").status_code == 200
    assert client.get(f"/entities/{code_for(999_999)}/").status_code == 404


def test_the_registry_is_never_written_through_the_ui(cast) -> None:
    entity = make_entity()
    for who in (cast.alice, cast.bob, cast.charlie):
        with pytest.raises(Http404):
            access_entity(user=who, pk=entity.uscc, write=True)
    assert access_entity(user=cast.alice, pk=entity.uscc) == entity


def test_the_list_and_detail_render_on_an_empty_registry(cast, client) -> None:
    client.force_login(cast.alice)
    html = client.get("/entities/").content.decode()
    assert "没有符合条件的市场主体" in html and "共 0 条" in html


def test_the_count_reads_in_english_singular_and_plural(cast, client) -> None:
    make_entity(name="唯一")
    make_entity(name="另一")
    client.force_login(cast.bob)
    english = {"HTTP_ACCEPT_LANGUAGE": "en"}
    assert "1 record<" in client.get("/entities/", {"q": "唯一"}, **english).content.decode()
    assert "2 records<" in client.get("/entities/", **english).content.decode()

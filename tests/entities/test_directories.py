"""Department directories: who reads and manages them, manual entries, 专项库 licences, rules.

The three people here: alice (A's dept_admin) and bob (A's staff) manage A's directories; ivan
(A's inspector only) reads them; charlie (B) gets 404.
"""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from agencies.models import Role
from core.models import AuditEntry
from entities import selectors, services
from entities.models import Directory, DirectoryEntry
from tests.entities.factories import add_entry, code_for, make_directory, make_entity, member, oversight

pytestmark = pytest.mark.django_db


@pytest.fixture
def ivan(cast):  # type: ignore[no-untyped-def]
    return member("ivan", cast.dept_a, Role.INSPECTOR)


def test_the_directory_list_shows_ones_own_departments(cast, client, ivan) -> None:
    make_directory(cast.dept_a, name="甲局主库")
    make_directory(cast.dept_b, name="乙局主库")
    for who in (cast.alice, ivan):
        client.force_login(who)
        html = client.get("/entities/directories/").content.decode()
        assert "甲局主库" in html and "乙局主库" not in html
    assert "新建名录库" not in html  # ivan may not create
    client.force_login(cast.charlie)
    html = client.get("/entities/directories/").content.decode()
    assert "乙局主库" in html and "甲局主库" not in html
    client.force_login(oversight(Role.OFFICE))
    html = client.get("/entities/directories/").content.decode()
    assert "甲局主库" in html and "乙局主库" in html


def test_directory_page_three_people(cast, client, ivan) -> None:
    directory = make_directory(cast.dept_a, name="甲局主库")
    add_entry(directory, make_entity(name="库内主体"))
    url = f"/entities/directories/{directory.pk}/"
    client.force_login(cast.bob)
    html = client.get(url).content.decode()
    assert "库内主体" in html and "移出" in html and "手工添加主体" in html
    client.force_login(ivan)
    html = client.get(url).content.decode()
    assert "库内主体" in html and "移出" not in html and "手工添加主体" not in html
    client.force_login(cast.charlie)
    assert client.get(url).status_code == 404
    assert client.get("/entities/directories/999999/").status_code == 404


def test_oversight_reads_a_directory_but_does_not_manage_it(cast, client) -> None:
    directory = make_directory(cast.dept_a, rule={"tags": ["hotel"]})
    client.force_login(oversight(Role.DISCIPLINE))
    assert client.get(f"/entities/directories/{directory.pk}/").status_code == 200
    assert client.post(f"/entities/directories/{directory.pk}/apply/").status_code == 404
    assert client.get("/entities/directories/new/").status_code == 404


def test_directory_create_three_people(cast, client, ivan) -> None:
    data = {"department": cast.dept_a.pk, "code": "hotel", "name": "旅馆业专项库", "kind": "thematic",
            "description": "", "rule_tags": ["hotel"]}
    client.force_login(ivan)
    assert client.get("/entities/directories/new/").status_code == 404
    assert client.post("/entities/directories/new/", data).status_code == 404
    client.force_login(cast.charlie)
    page = client.post("/entities/directories/new/", data)
    assert page.status_code == 200 and page.context["form"].errors["department"]
    client.force_login(cast.alice)
    response = client.post("/entities/directories/new/", data)
    directory = Directory.objects.get(department=cast.dept_a, code="hotel")
    assert response.status_code == 302 and response["Location"] == f"/entities/directories/{directory.pk}/"
    assert directory.kind == "thematic" and directory.rule == {"tags": ["hotel"]}
    assert not Directory.objects.filter(department=cast.dept_b).exists()


def test_a_duplicate_directory_code_is_a_clear_error(cast, client) -> None:
    make_directory(cast.dept_a, code="main")
    client.force_login(cast.bob)
    page = client.post("/entities/directories/new/", {"department": cast.dept_a.pk, "code": "main", "name": "重复",
                                                      "kind": "main"})
    assert page.status_code == 200 and "本部门已有代码为 main 的名录库" in page.content.decode()


def test_directory_edit_three_people(cast, client, ivan) -> None:
    directory = make_directory(cast.dept_a, name="旧名")
    url = f"/entities/directories/{directory.pk}/edit/"
    data = {"name": "新名", "description": "说明", "rule_industries": ["H"], "rule_entity_types": ["enterprise"]}
    for who in (cast.charlie, ivan):
        client.force_login(who)
        assert client.get(url).status_code == 404
        assert client.post(url, data).status_code == 404
    directory.refresh_from_db()
    assert directory.name == "旧名"
    client.force_login(cast.bob)
    assert client.post(url, data).status_code == 302
    directory.refresh_from_db()
    assert directory.name == "新名" and directory.rule == {"industries": ["H"], "entity_types": ["enterprise"]}


def test_an_unknown_rule_code_is_refused(cast) -> None:
    with pytest.raises(ValidationError):
        services.directory_create(department=cast.dept_a, code="x", name="x", kind="main", rule={"tags": ["nope"]})


def test_manual_entry_add_three_people(cast, client, ivan) -> None:
    directory = make_directory(cast.dept_a)
    entity = make_entity()
    url = f"/entities/directories/{directory.pk}/entries/add/"
    for who in (cast.charlie, ivan):
        client.force_login(who)
        assert client.post(url, {"uscc": entity.uscc}).status_code == 404
    assert not DirectoryEntry.objects.exists()
    client.force_login(cast.bob)
    assert client.post(url, {"uscc": entity.uscc.lower()}).status_code == 302
    entry = DirectoryEntry.objects.get(directory=directory, entity=entity)
    assert entry.source == "manual" and entry.licence_no == ""


@pytest.mark.parametrize(
    ("code", "message"),
    [("9137011300000000XX", "校验位错误"), ("123", "18 位"), (None, "主体库中没有这个统一社会信用代码")],
)
def test_a_bad_code_is_a_clear_error(cast, client, code, message) -> None:
    directory = make_directory(cast.dept_a)
    client.force_login(cast.bob)
    page = client.post(f"/entities/directories/{directory.pk}/entries/add/", {"uscc": code or code_for(424242)},
                       follow=True)
    assert message in page.content.decode()
    assert not DirectoryEntry.objects.exists()


def test_adding_an_entity_twice_is_refused(cast, client) -> None:
    directory = make_directory(cast.dept_a)
    entity = make_entity()
    add_entry(directory, entity)
    client.force_login(cast.bob)
    page = client.post(f"/entities/directories/{directory.pk}/entries/add/", {"uscc": entity.uscc}, follow=True)
    assert "该主体已在名录库中" in page.content.decode()


def test_a_thematic_directory_records_licence_number_and_validity(cast, client) -> None:
    directory = make_directory(cast.dept_a, code="food", kind="thematic")
    entity = make_entity()
    url = f"/entities/directories/{directory.pk}/entries/add/"
    client.force_login(cast.bob)
    client.post(url, {"uscc": entity.uscc, "licence_no": "JY1", "licence_valid_until": "2030-12-31"})
    entry = DirectoryEntry.objects.get(directory=directory)
    assert (entry.licence_no, entry.licence_valid_until) == ("JY1", dt.date(2030, 12, 31))
    page = client.post(url, {"uscc": entity.uscc, "licence_no": "JY2", "licence_valid_until": "2031-01-31"}, follow=True)
    assert "已更新许可证信息" in page.content.decode()
    entry.refresh_from_db()
    assert entry.licence_no == "JY2" and DirectoryEntry.objects.count() == 1
    html = client.get(f"/entities/directories/{directory.pk}/").content.decode()
    assert "许可证号" in html and "JY2" in html and "2031-01-31" in html


def test_a_main_directory_ignores_licence_fields(cast) -> None:
    directory = make_directory(cast.dept_a)
    entry, created = services.directory_entry_add(directory=directory, uscc=make_entity().uscc, licence_no="JY1")
    assert created and entry.licence_no == ""


def test_entry_remove_three_people(cast, client, ivan) -> None:
    directory = make_directory(cast.dept_a)
    entry = add_entry(directory, make_entity())
    url = f"/entities/directory-entries/{entry.pk}/remove/"
    for who in (cast.charlie, ivan):
        client.force_login(who)
        assert client.post(url).status_code == 404
    assert DirectoryEntry.objects.filter(pk=entry.pk).exists()
    client.force_login(cast.bob)
    assert client.get(url).status_code == 405
    assert client.post(url).status_code == 302
    assert not DirectoryEntry.objects.filter(pk=entry.pk).exists()


def test_apply_rule_three_people(cast, client, ivan) -> None:
    directory = make_directory(cast.dept_a, rule={"tags": ["hotel"]})
    hotel = make_entity(tags=("hotel",))
    url = f"/entities/directories/{directory.pk}/apply/"
    for who in (cast.charlie, ivan):
        client.force_login(who)
        assert client.post(url).status_code == 404
    assert not DirectoryEntry.objects.exists()
    client.force_login(cast.alice)
    page = client.post(url, follow=True)
    assert "符合规则 1 户，新增 1 户" in page.content.decode()
    assert DirectoryEntry.objects.get().entity_id == hotel.uscc


def test_a_rule_adds_matching_entities_in_business_in_batches_with_one_audit_row(cast) -> None:
    directory = make_directory(cast.dept_a, rule={"tags": ["hotel", "food-licence"], "industries": ["H"],
                                                  "entity_types": ["enterprise", "individual"]})
    wanted = {
        make_entity(tags=("hotel",), industry_id="61").uscc,
        make_entity(tags=("food-licence",), industry_id="62", entity_type="individual").uscc,
        make_entity(tags=("hotel", "food-licence"), industry_id="62").uscc,
    }
    already = make_entity(tags=("hotel",), industry_id="61")
    add_entry(directory, already, source="manual", licence_no="keep")
    make_entity(tags=("hotel",), industry_id="65")  # wrong industry
    make_entity(tags=("school",), industry_id="61")  # wrong tag
    make_entity(tags=("hotel",), industry_id="61", entity_type="cooperative")  # wrong type
    make_entity(tags=("hotel",), industry_id="61", status="revoked")  # not in business
    before = AuditEntry.objects.count()
    result = services.directory_apply_rule(directory=directory, batch_size=2)
    assert (result.matched, result.added) == (4, 3)
    codes = set(DirectoryEntry.objects.filter(directory=directory, source="rule").values_list("entity_id", flat=True))
    assert codes == wanted
    assert DirectoryEntry.objects.get(entity=already).licence_no == "keep"
    rows = list(AuditEntry.objects.filter(seq__gt=before))
    assert len(rows) == 1 and rows[0].action == "directory_apply_rule" and rows[0].count == 3
    assert rows[0].changes["matched"] == 4 and len(rows[0].digest) == 64
    again = services.directory_apply_rule(directory=directory)
    assert (again.matched, again.added) == (4, 0)


def test_an_empty_rule_matches_nothing(cast) -> None:
    make_entity()
    assert not selectors.rule_queryset(rule={}).exists()
    directory = make_directory(cast.dept_a)
    with pytest.raises(ValidationError):
        services.directory_apply_rule(directory=directory)


def test_directory_entries_page_by_code(cast, client, monkeypatch) -> None:
    monkeypatch.setattr(selectors, "PAGE_SIZE", 2)
    directory = make_directory(cast.dept_a)
    entities = sorted((make_entity() for _ in range(3)), key=lambda e: e.uscc)
    for entity in entities:
        add_entry(directory, entity)
    client.force_login(cast.bob)
    first = client.get(f"/entities/directories/{directory.pk}/")
    assert [e.entity_id for e in first.context["entries"]] == [e.uscc for e in entities[:2]]
    assert "共 3 户" in first.content.decode()
    second = client.get(f"/entities/directories/{directory.pk}/", {"after": entities[1].uscc})
    assert [e.entity_id for e in second.context["entries"]] == [entities[2].uscc]
    assert second.context["next_after"] is None and "第一页" in second.content.decode()

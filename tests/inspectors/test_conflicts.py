"""Conflict declarations (回避): declared by the inspector or the department's staff, decided by the
chief of the inspector's section or the dept_admin, visible to the department and oversight."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from agencies.models import Membership, Role, Section
from inspectors import services
from inspectors.models import ConflictDeclaration
from tests.entities.factories import code_for, make_entity, make_inspector, member, oversight

pytestmark = pytest.mark.django_db



@pytest.fixture
def scene(cast):  # type: ignore[no-untyped-def]
    a1 = Section.objects.get(department=cast.dept_a)
    account = member("xavier", cast.dept_a, Role.INSPECTOR, section=a1)
    inspector = make_inspector(cast.dept_a, section=a1, user=account, name="许执法")
    return {
        "inspector": inspector,
        "entity": make_entity(name="回避对象有限公司"),
        "xavier": account,
        "chief": member("chief_a1", cast.dept_a, Role.SECTION_CHIEF, section=a1),
        "ivan": member("ivan", cast.dept_a, Role.INSPECTOR, section=a1),
    }


def _declare(scene, ground: str = "relative") -> ConflictDeclaration:  # type: ignore[no-untyped-def]
    return services.conflict_declare(inspector=scene["inspector"], uscc=scene["entity"].uscc, ground=ground, note="")


def test_declare_three_people(cast, client, scene) -> None:
    url = f"/inspectors/{scene['inspector'].pk}/conflicts/new/"
    data = {"uscc": scene["entity"].uscc, "ground": "relative", "note": "配偶任该公司股东"}
    for who in (cast.charlie, scene["ivan"]):  # another department; a colleague who is not this inspector
        client.force_login(who)
        assert client.get(url).status_code == 404
        assert client.post(url, data).status_code == 404
    assert not ConflictDeclaration.objects.exists()
    client.force_login(scene["xavier"])
    assert client.get(url).status_code == 200
    assert client.post(url, data).status_code == 302
    conflict = ConflictDeclaration.objects.get()
    assert conflict.status == "pending" and conflict.note == "配偶任该公司股东" and conflict.blocks_matching


def test_department_staff_may_declare_for_an_inspector(cast, client, scene) -> None:
    client.force_login(cast.bob)
    data = {"uscc": scene["entity"].uscc.lower(), "ground": "interest"}
    assert client.post(f"/inspectors/{scene['inspector'].pk}/conflicts/new/", data).status_code == 302
    assert ConflictDeclaration.objects.get().entity_id == scene["entity"].uscc


def test_an_unknown_entity_or_a_second_declaration_is_refused(client, scene) -> None:
    client.force_login(scene["xavier"])
    url = f"/inspectors/{scene['inspector'].pk}/conflicts/new/"
    page = client.post(url, {"uscc": code_for(777_777), "ground": "other"})
    assert "主体库中没有这个统一社会信用代码" in page.content.decode()
    _declare(scene)
    page = client.post(url, {"uscc": scene["entity"].uscc, "ground": "other"})
    assert "已申报过对该主体的回避" in page.content.decode()
    assert ConflictDeclaration.objects.count() == 1


def test_decide_three_people(cast, client, scene) -> None:
    conflict = _declare(scene)
    url = f"/inspectors/conflicts/{conflict.pk}/decide/"
    chief_a2 = member("chief_a2", cast.dept_a, Role.SECTION_CHIEF)
    for who in (cast.charlie, cast.bob, scene["ivan"], chief_a2, scene["xavier"]):
        client.force_login(who)
        assert client.post(url, {"decision": "approve"}).status_code == 404, who
    conflict.refresh_from_db()
    assert conflict.status == "pending"
    client.force_login(scene["chief"])
    assert client.post(url, {"decision": "approve"}).status_code == 302
    conflict.refresh_from_db()
    assert conflict.status == "approved" and conflict.decided_by == scene["chief"] and conflict.decided_at
    assert conflict.blocks_matching


def test_the_dept_admin_may_reject_and_a_rejection_stops_blocking(cast, client, scene) -> None:
    conflict = _declare(scene)
    client.force_login(cast.alice)
    page = client.post(f"/inspectors/conflicts/{conflict.pk}/decide/", {"decision": "reject", "next": "list"},
                       follow=True)
    assert page.redirect_chain[-1][0] == "/inspectors/conflicts/"
    conflict.refresh_from_db()
    assert conflict.status == "rejected" and not conflict.blocks_matching


def test_a_decided_declaration_is_not_decided_again(cast, client, scene) -> None:
    conflict = _declare(scene)
    services.conflict_decide(conflict=conflict, approve=False, by=cast.alice, now=timezone.now())
    client.force_login(scene["chief"])
    page = client.post(f"/inspectors/conflicts/{conflict.pk}/decide/", {"decision": "approve"}, follow=True)
    assert "该申报已处理" in page.content.decode()
    conflict.refresh_from_db()
    assert conflict.status == "rejected" and conflict.decided_by == cast.alice


def test_a_chief_who_is_the_inspector_cannot_approve_their_own_declaration(cast, scene) -> None:
    a1 = Section.objects.get(department=cast.dept_a)
    Membership.objects.create(user=scene["xavier"], department=cast.dept_a, role=Role.SECTION_CHIEF, section=a1)
    conflict = _declare(scene)
    with pytest.raises(ValidationError):
        services.conflict_decide(conflict=conflict, approve=True, by=scene["xavier"], now=timezone.now())


def test_declaring_again_after_a_rejection_reopens_it(cast, scene) -> None:
    conflict = _declare(scene)
    services.conflict_decide(conflict=conflict, approve=False, by=cast.alice, now=timezone.now())
    again = _declare(scene, ground="other")
    assert again.pk == conflict.pk and again.status == "pending" and again.ground == "other"
    assert again.decided_by is None and again.blocks_matching


def test_declarations_are_seen_by_the_department_and_oversight_only(cast, client, scene) -> None:
    _declare(scene)
    theirs = make_inspector(cast.dept_b, name="乙局执法员")
    services.conflict_declare(inspector=theirs, uscc=make_entity(name="乙局回避对象").uscc, ground="other")
    for who in (cast.bob, scene["ivan"], scene["xavier"]):
        client.force_login(who)
        html = client.get("/inspectors/conflicts/").content.decode()
        assert "回避对象有限公司" in html and "乙局回避对象" not in html
        assert "回避对象有限公司" in client.get(f"/inspectors/{scene['inspector'].pk}/").content.decode()
    client.force_login(cast.charlie)
    html = client.get("/inspectors/conflicts/").content.decode()
    assert "乙局回避对象" in html and "回避对象有限公司" not in html
    for role in (Role.OFFICE, Role.DISCIPLINE):
        client.force_login(oversight(role))
        html = client.get("/inspectors/conflicts/").content.decode()
        assert "回避对象有限公司" in html and "乙局回避对象" in html
        assert 'value="approve"' not in html  # oversight decides nothing


def test_the_pending_list_offers_decisions_only_to_deciders(cast, client, scene) -> None:
    _declare(scene)
    client.force_login(scene["chief"])
    assert 'value="approve"' in client.get("/inspectors/conflicts/").content.decode()
    client.force_login(cast.bob)
    html = client.get("/inspectors/conflicts/").content.decode()
    assert "回避对象有限公司" in html and 'value="approve"' not in html


def test_the_status_filter(cast, client, scene) -> None:
    conflict = _declare(scene)
    services.conflict_decide(conflict=conflict, approve=True, by=cast.alice, now=timezone.now())
    client.force_login(cast.bob)
    assert "回避对象有限公司" not in client.get("/inspectors/conflicts/").content.decode()
    assert "回避对象有限公司" in client.get("/inspectors/conflicts/", {"status": "approved"}).content.decode()
    assert "回避对象有限公司" in client.get("/inspectors/conflicts/", {"status": "all"}).content.decode()


def test_declarations_never_reach_the_public_site(client, scene) -> None:
    services.conflict_declare(inspector=scene["inspector"], uscc=scene["entity"].uscc, ground="other", note="秘密说明甲")
    html = client.get("/public/").content.decode()
    assert "秘密说明甲" not in html and "回避对象有限公司" not in html
    assert client.get("/inspectors/conflicts/").status_code == 302


def test_decided_at_is_the_time_given(cast, scene) -> None:
    now = dt.datetime(2026, 5, 6, 9, 30, tzinfo=dt.UTC)
    decided = services.conflict_decide(conflict=_declare(scene), approve=True, by=cast.alice, now=now)
    assert decided.decided_at == now

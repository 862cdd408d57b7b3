"""One team per visit: drawn inspectors of every department, a leader, the chief's participation,
assisting staff and third-party institutions that never count as drawn."""

import pytest

from agencies.models import Department, Role
from inspections.drawing import assignment_substitute
from inspections.fieldwork_services import (
    FieldworkRefused,
    team_build,
    team_check,
    team_chief_join,
    team_member_add,
    team_member_remove,
    team_set_leader,
)
from inspections.models import DrawAssignment, InspectionItem, TeamMember
from tests.factories import DepartmentFactory, person
from tests.inspections.fieldwork_setup import build_joint

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _in_process(settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True


@pytest.fixture
def joint(cast, django_capture_on_commit_callbacks):
    return build_joint(cast, django_capture_on_commit_callbacks)


def test_the_team_is_built_from_the_matching_with_every_department_and_one_leader(joint) -> None:
    assert team_check(visit=joint.visit).problems  # nobody yet
    added = team_build(visit=joint.visit, user=joint.alice)
    slots = DrawAssignment.objects.filter(entity_id=joint.visit.entity_id, draw__task=joint.task)
    assert added == slots.count() >= 2
    team = TeamMember.objects.filter(visit=joint.visit)
    assert set(team.values_list("department__code", flat=True)) == {"A", "Z"}
    assert team.filter(is_leader=True).count() == 1
    assert set(team.values_list("kind", flat=True)) == {"drawn"}
    assert team_build(visit=joint.visit, user=joint.alice) == 0  # again: nothing doubled
    check = team_check(visit=joint.visit)
    assert check.ready and check.drawn == added


def test_a_substitution_replaces_the_drawn_inspector_in_the_team(joint) -> None:
    slot = DrawAssignment.objects.filter(entity_id=joint.visit.entity_id, draw__task=joint.task, department__code="A").first()
    used = set(DrawAssignment.objects.filter(entity_id=joint.visit.entity_id).values_list("inspector_id", flat=True))
    spare = next(i for i in joint.pools["A"] if i.pk not in used)
    team_build(visit=joint.visit, user=joint.alice)
    size = TeamMember.objects.filter(visit=joint.visit).count()
    assignment_substitute(assignment=slot, new_inspector=spare, reason="申报回避", approver=joint.chief)
    team_build(visit=joint.visit, user=joint.alice)  # after the team was built: the team follows
    ids = set(TeamMember.objects.filter(visit=joint.visit).values_list("inspector_id", flat=True))
    assert spare.pk in ids and slot.inspector_id not in ids and len(ids) == size
    assert TeamMember.objects.filter(visit=joint.visit, is_leader=True).count() == 1


def test_assisting_staff_and_institutions_need_a_reason_and_never_count_as_drawn(joint) -> None:
    team_build(visit=joint.visit, user=joint.alice)
    drawn = team_check(visit=joint.visit).drawn
    with pytest.raises(FieldworkRefused, match="理由"):
        team_member_add(visit=joint.visit, user=joint.chief, kind="assisting", reason=" ", name="小王")
    with pytest.raises(FieldworkRefused, match="人员匹配"):
        team_member_add(visit=joint.visit, user=joint.chief, kind="drawn", reason="想去", name="小王")
    with pytest.raises(FieldworkRefused, match="检查事项"):
        team_member_add(visit=joint.visit, user=joint.alice, kind="third_party", reason="房屋安全鉴定", name="某鉴定公司")
    item = InspectionItem.objects.get(code="Z-001")
    institution = team_member_add(visit=joint.visit, user=joint.alice, kind="third_party", reason="房屋安全鉴定",
                                  name="济南某房屋安全鉴定有限公司", item=item)
    helper = team_member_add(visit=joint.visit, user=joint.chief, kind="assisting", reason="协助记录", name="小王",
                             department=joint.task.department)
    assert institution.item == item and helper.kind == "assisting"
    assert team_check(visit=joint.visit).drawn == drawn
    with pytest.raises(FieldworkRefused, match="组长"):
        team_set_leader(member=helper, user=joint.alice)
    team_member_remove(member=helper, user=joint.chief)
    drawn_member = TeamMember.objects.filter(visit=joint.visit, kind="drawn").first()
    with pytest.raises(FieldworkRefused, match="不能移出"):
        team_member_remove(member=drawn_member, user=joint.alice)


def test_the_section_chief_participation_is_recorded_once(joint) -> None:
    team_build(visit=joint.visit, user=joint.alice)
    member = team_chief_join(visit=joint.visit, user=joint.chief, department=joint.task.department, mode="lead")
    assert member.is_section_chief and member.kind == "assisting" and "带队" in member.reason
    assert team_check(visit=joint.visit).chiefs == [member]
    with pytest.raises(FieldworkRefused, match="已登记"):
        team_chief_join(visit=joint.visit, user=joint.chief, department=joint.task.department, mode="guide")


def test_a_chief_who_was_drawn_is_flagged_on_the_drawn_slot(joint) -> None:
    team_build(visit=joint.visit, user=joint.alice)
    drawn = TeamMember.objects.filter(visit=joint.visit, kind="drawn", department=joint.task.department).first()
    drawn.inspector.user = joint.chief
    drawn.inspector.save()
    member = team_chief_join(visit=joint.visit, user=joint.chief, department=joint.task.department, mode="lead")
    assert member.pk == drawn.pk and member.kind == "drawn" and member.is_section_chief
    assert TeamMember.objects.filter(visit=joint.visit).count() == team_check(visit=joint.visit).drawn


def test_the_leader_can_be_changed_to_another_drawn_inspector(joint) -> None:
    team_build(visit=joint.visit, user=joint.alice)
    other = TeamMember.objects.filter(visit=joint.visit, is_leader=False, kind="drawn").first()
    team_set_leader(member=other, user=joint.alice)
    assert list(TeamMember.objects.filter(visit=joint.visit, is_leader=True)) == [other]


# --- Pages, with the three people ------------------------------------------------------------------
def test_the_visit_pages_three_people(joint, client) -> None:
    auditor = person("auditor", DepartmentFactory(code="JW", name="纪检组", kind=Department.Kind.DISCIPLINE), Role.DISCIPLINE)
    url = f"/visits/{joint.visit.pk}/"
    for reader in (joint.alice, joint.dave, joint.zed, auditor):
        client.force_login(reader)
        assert client.get(url).status_code == 200
        assert client.get(f"/tasks/{joint.task.pk}/visits/").status_code == 200
        assert client.get(f"{url}sheet/").status_code == 200
    client.force_login(joint.charlie)
    for path in (url, f"{url}sheet/", f"/tasks/{joint.task.pk}/visits/"):
        assert client.get(path).status_code == 404
    assert client.post(f"{url}team/build/").status_code == 404
    client.force_login(auditor)
    assert client.post(f"{url}team/build/").status_code == 404  # oversight reads, changes nothing


def test_only_the_organisers_build_the_team(joint, client) -> None:
    url = f"/visits/{joint.visit.pk}/team/build/"
    for outsider in (joint.dave, joint.zed, joint.chief, joint.charlie):
        client.force_login(outsider)
        assert client.post(url).status_code == 404
    assert not TeamMember.objects.exists()
    client.force_login(joint.alice)
    assert client.post(url).status_code == 302
    assert TeamMember.objects.filter(visit=joint.visit, kind="drawn").count() >= 2


def test_a_section_chief_adds_assisting_staff_and_joins_through_the_page(joint, client) -> None:
    team_build(visit=joint.visit, user=joint.alice)
    url = f"/visits/{joint.visit.pk}/team/add/"
    data = {"kind": "assisting", "name": "小李", "reason": "协助拍照取证"}
    client.force_login(joint.dave)
    assert client.post(url, data).status_code == 404
    client.force_login(joint.chief)
    assert client.post(url, data).status_code == 302
    assert client.post(f"/visits/{joint.visit.pk}/team/chief/", {"mode": "guide"}).status_code == 302
    page = client.get(f"/visits/{joint.visit.pk}/").content.decode()
    assert "小李" in page and "协助拍照取证" in page and "科所长现场指导检查" in page
    client.force_login(joint.alice)
    assert client.post(f"/visits/{joint.visit.pk}/team/chief/", {"mode": "lead"}).status_code == 404  # not a chief


def test_the_combined_sheet_shows_every_department_item_and_person(joint, client) -> None:
    team_build(visit=joint.visit, user=joint.alice)
    client.force_login(joint.zed)
    page = client.get(f"/visits/{joint.visit.pk}/sheet/").content.decode()
    assert "联合检查总表" in page and "旅馆业治安管理情况的检查" in page and "房屋使用安全的检查" in page
    for member in TeamMember.objects.filter(visit=joint.visit):
        assert member.name in page and member.inspector.cert_no in page
    assert "旅客住宿登记簿" in page

import threading

import pytest
from django.db import connection

from agencies.models import Role
from inspections.models import ParticipantStatus, TaskParticipant
from inspections.services import TaskError, task_claim, task_decline, task_publish
from tests.factories import DepartmentFactory, person
from tests.inspections.factories import item, make_task


@pytest.fixture
def joint(db):
    ga, zjj, wjj = DepartmentFactory(code="GA"), DepartmentFactory(code="ZJJ"), DepartmentFactory(code="WJJ")
    users = {d.code: person(f"{d.code.lower()}_staff", d, Role.STAFF) for d in (ga, zjj, wjj)}
    task = make_task(user=users["GA"], department=ga, participants=[zjj, wjj])
    task_publish(task=task, user=users["GA"])
    return task, users, {"ZJJ": item(zjj, "Z1", "房屋使用安全检查"), "WJJ": item(wjj, "W1", "公共场所卫生检查")}


def _part(task, code):
    return TaskParticipant.objects.get(task=task, department__code=code)


@pytest.mark.django_db
def test_invited_departments_hear_of_the_task_in_their_feed(joint) -> None:
    task, users, _ = joint
    assert users["ZJJ"].feed_items.filter(title__contains="认领邀请").exists()


@pytest.mark.django_db
def test_the_task_is_ready_to_draw_once_every_participant_answered(joint) -> None:
    task, users, items = joint
    task_claim(part=_part(task, "ZJJ"), user=users["ZJJ"], items=[items["ZJJ"]])
    task.refresh_from_db()
    assert task.status == "published"
    task_decline(part=_part(task, "WJJ"), user=users["WJJ"], reason="本季度已对该行业开展专项检查")
    task.refresh_from_db()
    assert task.status == "ready"
    assert list(task.transitions.values_list("action", flat=True)) == ["publish", "complete_claims", "mark_ready"]


@pytest.mark.django_db
def test_a_second_claim_by_the_same_department_is_refused(joint) -> None:
    task, users, items = joint
    task_claim(part=_part(task, "ZJJ"), user=users["ZJJ"], items=[items["ZJJ"]])
    with pytest.raises(TaskError, match="已认领"):
        task_claim(part=_part(task, "ZJJ"), user=users["ZJJ"], items=[items["ZJJ"]])


@pytest.mark.django_db
def test_a_decline_needs_a_reason(joint) -> None:
    task, users, _ = joint
    with pytest.raises(TaskError, match="理由"):
        task_decline(part=_part(task, "WJJ"), user=users["WJJ"], reason="  ")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_claims_of_one_department_make_exactly_one_claim(joint) -> None:
    task, users, items = joint
    zjj = users["ZJJ"].memberships.first().department
    colleagues = [users["ZJJ"]] + [person(f"zjj{i}", zjj, Role.STAFF) for i in range(5)]
    barrier = threading.Barrier(len(colleagues))
    outcomes: list[str] = []

    def claim(user) -> None:
        try:
            barrier.wait(timeout=10)
            task_claim(part=_part(task, "ZJJ"), user=user, items=[items["ZJJ"]])
            outcomes.append("claimed")
        except TaskError as exc:
            outcomes.append(str(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=claim, args=(u,)) for u in colleagues]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert outcomes.count("claimed") == 1, outcomes
    assert all("已认领" in o for o in outcomes if o != "claimed"), outcomes
    part = _part(task, "ZJJ")
    assert part.status == ParticipantStatus.CLAIMED
    assert TaskParticipant.objects.filter(task=task, department=zjj).count() == 1
    assert task.task_items.filter(department=zjj).count() == 1

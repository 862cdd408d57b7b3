"""Every action is refused from every state where it is illegal.

The legal table below is written out here, by hand, from the issue: it is not read from the
code, so a change to the code's table that the issue does not allow makes this test fail.
"""

import pytest

from agencies.models import Role
from inspections.models import Task, TaskTransition
from inspections.services import TaskError, task_transition
from tests.factories import DepartmentFactory, person
from tests.inspections.factories import make_task

pytestmark = pytest.mark.django_db

STATES = [
    "draft", "published", "claimed", "ready", "entities_drawn", "inspectors_matched",
    "inspecting", "in_review", "results_published", "closed",
]
LEGAL = {
    ("draft", "publish"): "published",
    ("published", "complete_claims"): "claimed",
    ("claimed", "mark_ready"): "ready",
    ("ready", "record_entity_draw"): "entities_drawn",
    ("entities_drawn", "record_matching"): "inspectors_matched",
    ("inspectors_matched", "start_inspection"): "inspecting",
    ("inspecting", "submit_for_review"): "in_review",
    ("in_review", "return_for_correction"): "inspecting",
    ("in_review", "publish_results"): "results_published",
    ("results_published", "close"): "closed",
}
ACTIONS = sorted({action for _, action in LEGAL})


@pytest.fixture
def task_and_user():
    dept = DepartmentFactory(code="GA")
    user = person("ga", dept, Role.STAFF)
    return make_task(user=user, department=dept), user


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("action", ACTIONS)
def test_each_action_in_each_state_is_allowed_exactly_when_the_table_says(task_and_user, state, action, monkeypatch) -> None:
    from inspections import statemachine

    monkeypatch.setattr(statemachine, "_GUARDS", {})  # conditions of later issues are tested there
    task, user = task_and_user
    Task.objects.filter(pk=task.pk).update(status=state)
    task.refresh_from_db()
    if (state, action) in LEGAL:
        task_transition(task=task, action=action, user=user, reason="测试")
        task.refresh_from_db()
        assert task.status == LEGAL[(state, action)]
        record = TaskTransition.objects.get(task=task)
        assert (record.from_status, record.to_status, record.actor, record.reason) == (state, task.status, user, "测试")
    else:
        with pytest.raises(TaskError, match="不能执行"):
            task_transition(task=task, action=action, user=user)
        task.refresh_from_db()
        assert task.status == state
        assert not TaskTransition.objects.filter(task=task).exists()


def test_the_codes_table_has_no_transition_the_issue_does_not_allow() -> None:
    from inspections.statemachine import TRANSITIONS

    assert {(src, action): dst for action, (src, dst, _l) in TRANSITIONS.items()} == LEGAL


def test_an_unknown_action_is_refused(task_and_user) -> None:
    task, user = task_and_user
    with pytest.raises(TaskError, match="未知操作"):
        task_transition(task=task, action="teleport", user=user)


def test_a_guard_refuses_with_its_own_message(task_and_user, monkeypatch) -> None:
    from inspections import statemachine

    monkeypatch.setattr(statemachine, "_GUARDS", {"publish": [lambda t: "尚未选择检查事项"]})
    task, user = task_and_user
    with pytest.raises(TaskError, match="尚未选择检查事项"):
        task_transition(task=task, action="publish", user=user)

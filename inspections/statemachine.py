"""The task's life, in one table. Only ``inspections.services.task_transition`` moves a task.

Later capabilities add the conditions of their own transitions with ``guard(action)`` (for
example: "entities drawn" needs a draw whose announcement preceded its randomness).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.utils.translation import gettext_lazy as _

from inspections.models import TaskStatus as S

# action -> (from, to, label)
TRANSITIONS: dict[str, tuple[str, str, Any]] = {
    "publish": (S.DRAFT, S.PUBLISHED, _("发布任务，向参与部门发出认领邀请")),
    "complete_claims": (S.PUBLISHED, S.CLAIMED, _("参与部门均已认领或拒绝")),
    "mark_ready": (S.CLAIMED, S.READY, _("确认任务要素，进入待抽取")),
    "record_entity_draw": (S.READY, S.ENTITIES_DRAWN, _("完成检查对象抽取")),
    "record_matching": (S.ENTITIES_DRAWN, S.INSPECTORS_MATCHED, _("完成执法人员匹配")),
    "start_inspection": (S.INSPECTORS_MATCHED, S.INSPECTING, _("开始检查")),
    "submit_for_review": (S.INSPECTING, S.IN_REVIEW, _("检查结果提交审核")),
    "return_for_correction": (S.IN_REVIEW, S.INSPECTING, _("退回修改检查结果")),
    "publish_results": (S.IN_REVIEW, S.RESULTS_PUBLISHED, _("检查结果公示")),
    "close": (S.RESULTS_PUBLISHED, S.CLOSED, _("任务办结")),
}

Guard = Callable[[Any], str | None]  # returns a refusal message, or None to allow
_GUARDS: dict[str, list[Guard]] = {}


def guard(action: str) -> Callable[[Guard], Guard]:
    if action not in TRANSITIONS:
        raise KeyError(action)

    def register(func: Guard) -> Guard:
        _GUARDS.setdefault(action, []).append(func)
        return func

    return register


Hook = Callable[[Any], None]
_AFTER: dict[str, list[Hook]] = {}


def after(action: str) -> Callable[[Hook], Hook]:
    """Work that must happen with a transition, in the same transaction (e.g. publishing)."""
    if action not in TRANSITIONS:
        raise KeyError(action)

    def register(func: Hook) -> Hook:
        _AFTER.setdefault(action, []).append(func)
        return func

    return register


def run_after(action: str, task: Any) -> None:
    for hook in _AFTER.get(action, []):
        hook(task)


def refusal(action: str, task: Any) -> str | None:
    for check in _GUARDS.get(action, []):
        message = check(task)
        if message:
            return message
    return None


def actions_from(status: str) -> list[str]:
    return [a for a, (src, _dst, _label) in TRANSITIONS.items() if src == status]

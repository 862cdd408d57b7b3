"""Daily checks: deadlines on working days, reminders through the work channel."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext as _

from agencies.models import Role
from agencies.selectors import users_with_roles
from core.models import FeedItem
from core.services import feed_post
from core.workdays import add_working_days
from inspections.models import Draw, EntityList, Task, TaskStatus

MATCHING_WORKING_DAYS = 2  # inspectors are matched within 2 working days of the entity list (local rule)


def entities_fixed_on(task: Task) -> dt.date | None:
    draw = Draw.objects.filter(task=task, kind=Draw.Kind.ENTITIES, trial=False, status=Draw.Status.DONE).order_by("-iteration").first()
    if draw and draw.done_at:
        return timezone.localtime(draw.done_at).date()
    listed = EntityList.objects.filter(task=task).first()
    return timezone.localtime(listed.created_at).date() if listed else None


def matching_due(task: Task) -> dt.date | None:
    fixed = entities_fixed_on(task)
    return add_working_days(fixed, MATCHING_WORKING_DAYS).date if fixed else None


def send_matching_reminders(*, today: dt.date | None = None) -> int:
    today = today or timezone.localdate()
    sent = 0
    for task in Task.objects.filter(status=TaskStatus.ENTITIES_DRAWN).select_related("department"):
        due = matching_due(task)
        if due is None or today <= due:
            continue
        url = f"/tasks/{task.pk}/"
        if FeedItem.objects.filter(kind="matching_overdue", url=url, created_at__date=timezone.localdate()).exists():
            continue
        people = users_with_roles(department=task.department, roles={Role.STAFF, Role.SECTION_CHIEF, Role.DEPT_ADMIN})
        feed_post(
            recipients=people, kind="matching_overdue", url=url, department=task.department,
            title=_("逾期提醒：%(code)s 未在 %(due)s 前完成执法人员匹配") % {"code": task.code, "due": due},
            body=_("检查对象确定后须在 2 个工作日内匹配执法人员。"),
        )
        sent += 1
    return sent

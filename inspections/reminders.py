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


def send_claim_reminders(*, today: dt.date | None = None) -> int:
    """Invited departments hear of a claim deadline the working day before it and on the day;
    the initiator hears of every department still silent once it has passed. Once a day each."""
    from inspections.models import ParticipantStatus, TaskParticipant

    today = today or timezone.localdate()
    sent = 0
    pending = TaskParticipant.objects.filter(
        status=ParticipantStatus.INVITED, task__status=TaskStatus.PUBLISHED, task__claim_deadline__isnull=False
    ).select_related("task", "task__department", "department")
    for part in pending:
        task, deadline = part.task, part.task.claim_deadline
        if deadline is None:
            continue
        url = f"/tasks/{task.pk}/"
        if today > deadline:
            target, kind = task.department, "claim_overdue"
            title = _("%(dept)s 未在 %(date)s 前认领：%(title)s") % {"dept": part.department.name, "date": deadline, "title": task.title}
        elif add_working_days(today, 1).date >= deadline:
            target, kind = part.department, "claim_due"
            title = _("认领截止提醒：%(title)s 须在 %(date)s 前认领") % {"title": task.title, "date": deadline}
        else:
            continue
        if FeedItem.objects.filter(kind=kind, url=url, title=title, created_at__date=timezone.localdate()).exists():
            continue
        people = users_with_roles(department=target, roles={Role.STAFF, Role.DEPT_ADMIN, Role.LIAISON})
        feed_post(recipients=people, kind=kind, url=url, department=task.department, title=title)
        sent += 1
    return sent

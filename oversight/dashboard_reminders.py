"""Scheduled work of the office's dashboard: daily deadline reminders, a weekly digest.

Beat starts ``oversight.tasks``; each task only asks the outbox for the work (one row per day or
week, deduplicated), and the outbox handler below calls the service. A second run the same day
finds the row (and the feed items) already there and does nothing.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from agencies.models import Department, Role
from agencies.selectors import office_users, users_with_roles
from core.models import FeedItem, OutboxItem
from core.outbox import outbox_handler
from core.services import feed_post
from inspections.models import TaskParticipant
from oversight import dashboard as d

CONCERNED: set[str] = {Role.STAFF, Role.SECTION_CHIEF, Role.LIAISON, Role.DEPT_ADMIN}


def _open_period(today: dt.date) -> d.Period:
    """Everything still open: tasks that ended up to two years ago or end within two months."""
    return d.Period(today - dt.timedelta(days=730), today + dt.timedelta(days=60), "open")


def _already(kind: str, url: str, department: Department) -> bool:
    """Sent today (the day the message went out, whatever day the check was run for)."""
    return FeedItem.objects.filter(kind=kind, url=url, department=department, created_at__date=timezone.localdate()).exists()


@transaction.atomic
def deadline_reminders_send(*, today: dt.date | None = None) -> int:
    """Red and yellow cards reach the people of every department concerned, once a day each."""
    today = today or timezone.localdate()
    sent = 0
    for card in d.cards(period=_open_period(today), clock=d.Clock.on(today)):
        task = card["task"]
        url = f"/tasks/{task.pk}/"
        if card["kind"] == "claim":
            targets = [card["department"]]
            kind = "office_claim_overdue"
            title = _("【督办】%(dept)s 未在 %(due)s 前认领任务：%(title)s") % {
                "dept": card["department"].name, "due": card["due"], "title": task.title}
        else:
            taking_part = TaskParticipant.objects.filter(task=task).exclude(status="declined").values("department_id")
            targets = list(Department.objects.filter(pk__in=taking_part).order_by("code"))
            kind = "office_publication_" + card["colour"]
            template = (_("【红牌】%(code)s 结果公示已逾期（期限 %(due)s）") if card["colour"] == "red"
                        else _("【黄牌】%(code)s 结果须在 %(due)s 前公示"))
            title = template % {"code": task.code, "due": card["due"]}
        for dept in targets:
            if _already(kind, url, dept):
                continue
            people = users_with_roles(department=dept, roles=CONCERNED)
            sent += bool(feed_post(recipients=people, title=title, url=url, kind=kind, department=dept,
                                   body=_("请按期完成，联席办将在每周通报中跟踪。")))
    return sent


@transaction.atomic
def weekly_digest_send(*, today: dt.date | None = None) -> int:
    """One message a week to the office: the year's cards and the numbers that matter most."""
    today = today or timezone.localdate()
    year, week, _day = today.isocalendar()
    url = f"/oversight/?period={today.year}"
    marker = f"{year}-W{week:02d}"
    if FeedItem.objects.filter(kind="office_digest", title__contains=marker).exists():
        return 0
    board = d.dashboard(period=d.period_parse(str(today.year), today=today), today=today)
    red = sum(c["colour"] == "red" for c in board.cards)
    yellow = len(board.cards) - red
    lines = [
        _("红牌 %(n)s 项，黄牌 %(m)s 项") % {"n": red, "m": yellow},
        _("逾期未公示的检查结果 %(n)s 条") % {"n": board.totals.results.get("overdue", 0)},
        _("联合任务占比 %(p)s") % {"p": "—" if board.joint_share is None else f"{board.joint_share:.0%}"},
        _("一次上门节省入户 %(n)s 次；多次被检查的主体 %(m)s 户") % {"n": board.visits_saved, "m": board.repeat_entities},
    ]
    lines += [f"· {c['department'].label} {c['task'].code} {c['task'].title}" for c in board.cards[:10]]
    return feed_post(recipients=office_users(), title=_("“双随机、一公开”工作周报 %(w)s") % {"w": marker},
                     body="\n".join(lines), url=url, kind="office_digest")


@outbox_handler("oversight.deadline_reminders")
def _deadline_reminders(item: OutboxItem) -> dict[str, Any]:
    return {"sent": deadline_reminders_send(today=dt.date.fromisoformat(item.payload["day"]))}


@outbox_handler("oversight.weekly_digest")
def _weekly_digest(item: OutboxItem) -> dict[str, Any]:
    return {"sent": weekly_digest_send(today=dt.date.fromisoformat(item.payload["day"]))}

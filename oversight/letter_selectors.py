"""Reads for reminder letters and meeting issues, and what the data shows about a department."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from agencies.models import DEPARTMENT_ROLES, Department
from agencies.selectors import department_ids
from inspections.models import ParticipantStatus, Task, TaskParticipant, TaskStatus
from inspections.results import Deadline, publication_deadline
from oversight.letter_permissions import ANSWERING_ROLES, reads_all_letters
from oversight.models import IssueStatus, LetterItem, LetterStatus, MeetingIssue, ReminderLetter

OPEN_STATUSES = (LetterStatus.SENT, LetterStatus.ACKNOWLEDGED)
# Tasks whose results are still owed to the public (past the draw, before publication).
PUBLISHING_STATUSES = (
    TaskStatus.ENTITIES_DRAWN, TaskStatus.INSPECTORS_MATCHED, TaskStatus.INSPECTING, TaskStatus.IN_REVIEW,
)


def _overdue_items(today: dt.date) -> QuerySet[LetterItem]:
    return LetterItem.objects.filter(letter_id=OuterRef("pk"), answered_at__isnull=True, due__lt=today)


def letter_list_for_user(*, user: Any, status: str = "", department: int | None = None, today: dt.date | None = None) -> QuerySet[ReminderLetter]:
    today = today or timezone.localdate()
    qs = ReminderLetter.objects.select_related("issuer", "department").annotate(
        item_count=Count("items"),
        answered_count=Count("items", filter=Q(items__answered_at__isnull=False)),
        is_overdue=Exists(_overdue_items(today)),
    )
    if not reads_all_letters(user):
        qs = qs.exclude(status=LetterStatus.DRAFT).filter(department_id__in=department_ids(user, roles=ANSWERING_ROLES))
    if status == "overdue":
        qs = qs.filter(status__in=OPEN_STATUSES, is_overdue=True)
    elif status:
        qs = qs.filter(status=status)
    if department:
        qs = qs.filter(department_id=department)
    return qs.order_by("-created_at", "-id")


def letter_items(*, letter: ReminderLetter) -> QuerySet[LetterItem]:
    return letter.items.select_related("answered_by").order_by("seq")


def overdue_letter_ids(*, today: dt.date) -> list[int]:
    """Letters with an unanswered item past its deadline that have not been escalated yet."""
    return list(
        ReminderLetter.objects.filter(status__in=OPEN_STATUSES, escalated_at__isnull=True)
        .filter(Exists(_overdue_items(today)))
        .order_by("id")
        .values_list("id", flat=True)
    )


def letters_summary(*, period_start: dt.date, period_end: dt.date, today: dt.date | None = None) -> list[dict[str, Any]]:
    """Per receiving department, how many letters are in each status (sent in the period, or
    drafted in it when still a draft), and how many of the open ones are overdue. One query."""
    today = today or timezone.localdate()
    in_period = Q(sent_on__range=(period_start, period_end)) | Q(
        status=LetterStatus.DRAFT, created_at__date__range=(period_start, period_end)
    )
    rows = (
        ReminderLetter.objects.filter(in_period)
        .annotate(is_overdue=Exists(_overdue_items(today)))
        .values("department_id", "department__name", "department__code")
        .annotate(
            total=Count("id"),
            **{s.value: Count("id", filter=Q(status=s.value)) for s in LetterStatus},
            overdue=Count("id", filter=Q(status__in=OPEN_STATUSES, is_overdue=True)),
        )
        .order_by("department__code")
    )
    return [
        {
            "department_id": r["department_id"], "department": r["department__name"], "total": r["total"],
            "overdue": r["overdue"], **{s.value: r[s.value] for s in LetterStatus},
        }
        for r in rows
    ]


# --- What the data shows ----------------------------------------------------------------------
@dataclass(frozen=True)
class OverduePublication:
    task: Task
    deadline: Deadline


def overdue_publications(*, department: Department, today: dt.date | None = None) -> list[OverduePublication]:
    """Tasks the department initiated or claimed whose results are past the 20-working-day
    publication deadline and still unpublished."""
    today = today or timezone.localdate()
    mine = TaskParticipant.objects.filter(
        task_id=OuterRef("pk"), department=department, status__in=[ParticipantStatus.INITIATOR, ParticipantStatus.CLAIMED]
    )
    tasks = Task.objects.filter(Exists(mine), status__in=PUBLISHING_STATUSES, window_end__lt=today).order_by("window_end", "pk")
    found = [OverduePublication(t, publication_deadline(t, today=today)) for t in tasks[:200]]
    return [f for f in found if f.deadline.flag == "red"]


def overdue_claims(*, department: Department, today: dt.date | None = None) -> QuerySet[TaskParticipant]:
    today = today or timezone.localdate()
    return TaskParticipant.objects.filter(
        department=department, status=ParticipantStatus.INVITED, task__status=TaskStatus.PUBLISHED,
        task__claim_deadline__lt=today,
    ).select_related("task").order_by("task__claim_deadline")


def departments_needing_letters(*, today: dt.date | None = None) -> list[tuple[Department, int, int]]:
    """Regulators with overdue publications or claims: (department, publications, claims)."""
    today = today or timezone.localdate()
    rows = []
    for department in Department.objects.filter(is_active=True, kind=Department.Kind.REGULATOR).order_by("code"):
        pubs, claims = len(overdue_publications(department=department, today=today)), overdue_claims(department=department, today=today).count()
        if pubs or claims:
            rows.append((department, pubs, claims))
    return rows


# --- Meeting issues ----------------------------------------------------------------------------
def issue_list_for_user(*, user: Any, status: str = "") -> QuerySet[MeetingIssue]:
    qs = MeetingIssue.objects.select_related("raised_by").prefetch_related("assignees").annotate(comment_count=Count("comments"))
    if not reads_all_letters(user):
        qs = qs.filter(assignees__in=department_ids(user, roles=DEPARTMENT_ROLES)).distinct()
    if status in IssueStatus.values:
        qs = qs.filter(status=status)
    return qs.order_by("-meeting_date", "-id")


def letter_prefill(*, department: Department, today: dt.date | None = None) -> dict[str, Any]:
    """A draft from what the data shows: one item per overdue publication and per missed claim."""
    from django.utils.translation import gettext as _

    today = today or timezone.localdate()
    items: list[tuple[str, int]] = []
    basis: list[dict[str, Any]] = []
    for found in overdue_publications(department=department, today=today):
        task, due = found.task, found.deadline.due
        items.append((_("任务 %(code)s《%(title)s》的检查结果应于 %(due)s 前公示，已逾期，请尽快审核并公示。")
                      % {"code": task.code, "title": task.title, "due": due}, 5))
        basis.append({"kind": "overdue_publication", "task": task.code, "due": str(due)})
    for part in overdue_claims(department=department, today=today):
        task = part.task
        items.append((_("联合任务 %(code)s《%(title)s》认领截止 %(due)s，贵单位尚未认领，请即认领或说明理由。")
                      % {"code": task.code, "title": task.title, "due": task.claim_deadline}, 3))
        basis.append({"kind": "overdue_claim", "task": task.code, "due": str(task.claim_deadline)})
    return {
        "department": department,
        "title": _("关于%(dept)s“双随机、一公开”监管工作的提醒函") % {"dept": department.name},
        "body": _("经联席会议办公室核查，贵单位以下工作需要改进，请逐项落实，并在期限内逐条答复。"),
        "items": items,
        "basis": basis,
    }


# --- Discipline: changes to draws and their reasons ------------------------------------------
CHANGES_SHOWN = 100


def draw_changes() -> dict[str, Any]:
    """Redraws (approved, refused, pending), substitutions of matched inspectors, people added to a
    team outside the draw, and entity lists that were not drawn: newest first, each with its reason."""
    from inspections.models import Draw, EntityList, RedrawRequest, Substitution, TeamMember

    return {
        "redraws": Draw.objects.filter(supersedes__isnull=False)
        .select_related("task", "task__department", "approved_by", "created_by", "supersedes")
        .order_by("-created_at")[:CHANGES_SHOWN],
        "requests": RedrawRequest.objects.select_related("draw", "draw__task", "requested_by", "decided_by")
        .order_by("-requested_at")[:CHANGES_SHOWN],
        "substitutions": Substitution.objects.select_related(
            "assignment", "assignment__inspector", "assignment__draw__task", "new_inspector", "approved_by"
        ).order_by("-at")[:CHANGES_SHOWN],
        "manual_members": TeamMember.objects.exclude(kind=TeamMember.Kind.DRAWN)
        .select_related("visit", "inspector", "department", "added_by")
        .order_by("-added_at")[:CHANGES_SHOWN],
        "entity_lists": EntityList.objects.select_related("task", "task__department", "created_by").order_by("-created_at")[:CHANGES_SHOWN],
        "trials": Draw.objects.filter(trial=True).select_related("task", "created_by").order_by("-created_at")[:CHANGES_SHOWN],
    }

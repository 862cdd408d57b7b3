"""The doors to results, attachments, follow-ups, consequences and the inspection history.
"Missing" and "not yours" both answer 404.

- Entry (save, submit, upload): the inspectors drawn for the entity in the task's matching (a
  recorded substitute instead of the one replaced) and the members of the visit's team, for
  their own department's items; everyone else 404.
- Read a result and its files: those people, the staff of the result's department and the
  oversight roles (office, discipline). Another department: 404. The public: never.
- Review (approve, return): a section chief of the result's department who did not enter it.
- Follow-ups: the result's department and the department a referral names.
- Consequences (case items) and the history: the department's staff; oversight reads.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404

from agencies.models import Role
from agencies.selectors import department_ids, sees_all_departments
from inspections.models import (
    CaseItem,
    Draw,
    DrawAssignment,
    FollowUp,
    Result,
    ResultAttachment,
    Substitution,
    TaskItem,
    TaskStatus,
    TeamMember,
    VisitTask,
)

STAFF_ROLES = {Role.STAFF, Role.SECTION_CHIEF, Role.LIAISON, Role.DEPT_ADMIN}
CASE_WRITERS = {Role.STAFF, Role.SECTION_CHIEF, Role.DEPT_ADMIN}
ENTRY_STATUSES = (TaskStatus.INSPECTORS_MATCHED, TaskStatus.INSPECTING, TaskStatus.IN_REVIEW)


def _authenticated(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False))


def inspector_of(user: Any) -> Any:
    if not _authenticated(user):
        return None
    from inspectors.models import Inspector

    return Inspector.objects.filter(user=user, is_active=True).first()


def _live_matching() -> Q:
    return Q(draw__kind=Draw.Kind.INSPECTORS, draw__trial=False, draw__status=Draw.Status.DONE, draw__superseded_by__isnull=True)


def entry_slots(*, user: Any) -> QuerySet[VisitTask]:
    """The (visit, task) pairs this person may enter results for."""
    inspector = inspector_of(user)
    if inspector is None:
        return VisitTask.objects.none()
    drawn = DrawAssignment.objects.filter(
        _live_matching(), inspector=inspector, draw__task_id=OuterRef("task_id"), entity_id=OuterRef("visit__entity_id"),
        substitutions__isnull=True,
    )
    substitute = Substitution.objects.filter(
        new_inspector=inspector, assignment__draw__kind=Draw.Kind.INSPECTORS, assignment__draw__status=Draw.Status.DONE,
        assignment__draw__superseded_by__isnull=True, assignment__draw__task_id=OuterRef("task_id"),
        assignment__entity_id=OuterRef("visit__entity_id"),
    )
    team = TeamMember.objects.filter(visit_id=OuterRef("visit_id"), inspector=inspector)
    mine = TaskItem.objects.filter(task_id=OuterRef("task_id"), department_id=inspector.department_id)
    # Narrow first on the person's own (indexed) assignments and teams: visits can be millions.
    entities = set(DrawAssignment.objects.filter(_live_matching(), inspector=inspector).values_list("entity_id", flat=True))
    entities |= set(Substitution.objects.filter(new_inspector=inspector).values_list("assignment__entity_id", flat=True))
    near = Q(visit__entity_id__in=entities) | Q(visit_id__in=TeamMember.objects.filter(inspector=inspector).values("visit_id"))
    return (
        VisitTask.objects.filter(near, Exists(drawn) | Exists(substitute) | Exists(team), Exists(mine), task__status__in=ENTRY_STATUSES)
        .select_related("visit", "visit__entity", "task", "task__department")
        .order_by("visit__window_start", "task_id", "visit__entity_id")
    )


def team_of(slot: VisitTask) -> list[Any]:
    """Who goes to this door for this task: the matched inspectors (after substitutions) and the
    team's members. Name, unit and 执法证号 only."""
    from inspectors.models import Inspector

    drawn = DrawAssignment.objects.filter(_live_matching(), draw__task_id=slot.task_id, entity_id=slot.visit.entity_id)
    ids = set(drawn.filter(substitutions__isnull=True).values_list("inspector_id", flat=True))
    ids |= set(Substitution.objects.filter(assignment__in=drawn).values_list("new_inspector_id", flat=True))
    ids |= set(TeamMember.objects.filter(visit_id=slot.visit_id, inspector__isnull=False).values_list("inspector_id", flat=True))
    return list(Inspector.objects.filter(pk__in=ids).select_related("department").only("name", "cert_no", "department__name").order_by("department__code", "cert_no"))


def access_entry(*, user: Any, visit_pk: int, task_pk: int) -> tuple[VisitTask, Any]:
    slot = entry_slots(user=user).filter(visit_id=visit_pk, task_id=task_pk).first()
    if slot is None:
        raise Http404
    return slot, inspector_of(user)


def may_enter(user: Any, result: Result) -> bool:
    inspector = inspector_of(user)
    if inspector is None or inspector.department_id != result.department_id:
        return False
    return entry_slots(user=user).filter(visit_id=result.visit_id, task_id=result.task_id).exists()


def may_review(user: Any, result: Result) -> bool:
    chief = result.department_id in department_ids(user, roles={Role.SECTION_CHIEF})
    return chief and result.entered_by_id != user.pk  # four eyes: nobody approves their own entry


def _may_read_result(user: Any, result: Result) -> bool:
    if not _authenticated(user):
        return False
    if sees_all_departments(user) or result.department_id in department_ids(user, roles=STAFF_ROLES):
        return True
    return result.entered_by_id == user.pk or may_enter(user, result)


def access_result(*, user: Any, pk: int, write: bool = False, review: bool = False) -> Result:
    result = (
        Result.objects.select_related("task", "task__department", "department", "item", "entity", "visit", "other_department")
        .filter(pk=pk)
        .first()
    )
    if result is None or not _may_read_result(user, result):
        raise Http404
    if write and not may_enter(user, result):
        raise Http404
    if review and not may_review(user, result):
        raise Http404
    return result


def access_attachment(*, user: Any, pk: int) -> ResultAttachment:
    attachment = ResultAttachment.objects.filter(pk=pk).first()
    if attachment is None:
        raise Http404
    access_result(user=user, pk=attachment.result_id)
    return attachment


def readable_result_departments(user: Any) -> set[int] | None:
    """None means every department (oversight)."""
    return None if sees_all_departments(user) else department_ids(user, roles=STAFF_ROLES)


def may_add_follow_up(user: Any, result: Result) -> bool:
    return result.department_id in department_ids(user, roles=CASE_WRITERS)


def access_follow_up(*, user: Any, pk: int, write: bool = False) -> FollowUp:
    follow_up = FollowUp.objects.select_related("result", "result__department", "referred_to", "result__item").filter(pk=pk).first()
    if follow_up is None or not _authenticated(user):
        raise Http404
    departments = {follow_up.result.department_id, follow_up.referred_to_id}
    if write:
        if not departments & department_ids(user, roles=CASE_WRITERS):
            raise Http404
    elif not (departments & department_ids(user, roles=STAFF_ROLES) or sees_all_departments(user)):
        raise Http404
    return follow_up


def access_case(*, user: Any, pk: int, write: bool = False) -> CaseItem:
    case = CaseItem.objects.select_related("department", "entity", "source_result").filter(pk=pk).first()
    if case is None or not _authenticated(user):
        raise Http404
    if write:
        if case.department_id not in department_ids(user, roles=CASE_WRITERS):
            raise Http404
    elif not (case.department_id in department_ids(user, roles=STAFF_ROLES) or sees_all_departments(user)):
        raise Http404
    return case


def case_writer_departments(user: Any) -> set[int]:
    return department_ids(user, roles=CASE_WRITERS)

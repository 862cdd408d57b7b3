"""Result entry, review and publication (issue 6). State is checked first, in every service.

- ``result_save`` is idempotent: a resend with the same client token updates, never duplicates.
- ``result_submit`` / ``result_return`` / ``result_approve`` keep the whole review history.
- Approval writes the inspection history, opens the legal clocks that follow from the result,
  and asks for publication as background work (outbox); the publication records it writes are
  the public field set of DOMAIN.md. Withdrawals and corrections are new records.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from agencies.models import Role
from agencies.selectors import users_with_roles
from core.audit import audit_record, snapshot
from core.outbox import outbox_enqueue
from core.services import feed_post, publication_write
from core.workdays import add_working_days
from inspections.models import (
    CaseItem,
    FollowUp,
    FollowUpMeasure,
    InspectionRecord,
    ParticipantStatus,
    Result,
    ResultCategory,
    ResultReview,
    Task,
    TeamMember,
    Violation,
)

PUBLICATION_WORKING_DAYS = 20  # results are published within 20 working days of the inspection's end
ABNORMAL_WORKING_DAYS = 10  # unreachable or false information: proposed within 10 working days
YELLOW_WORKING_DAYS = 5


class ResultError(Exception):
    """A refused action; the message is for the person who asked."""


def _clean(data: dict[str, Any]) -> dict[str, Any]:
    categories = [c for c in data.get("categories", []) if c in ResultCategory.values]
    if not categories:
        raise ResultError(_("请至少选择一项检查结果。"))
    violations = [v for v in data.get("violations", []) if v in Violation.values]
    if violations and ResultCategory.PROBLEM_PENDING not in categories:
        raise ResultError(_("只有“发现问题待后续处理”才需选择发现的问题。"))
    if Violation.OTHER_DEPARTMENT in violations and not data.get("other_department"):
        raise ResultError(_("“违反其他部门相关规定”须写明涉及的部门。"))
    if ResultCategory.NO_PROBLEM in categories and len(categories) > 1:
        raise ResultError(_("“未发现问题”不能与其他结果同时选择。"))
    return {**data, "categories": categories, "violations": violations}


@transaction.atomic
def result_save(*, visit: Any, task: Task, department: Any, item: Any, user: Any, data: dict[str, Any], client_token: str = "") -> Result:
    """Create or update a draft (or a returned result). Re-sending the same form is harmless."""
    data = _clean(data)
    fields = {k: data.get(k) for k in ("categories", "violations", "methods", "findings", "avoidance_on_site", "inspected_on")}
    fields["other_department_id"] = data.get("other_department")
    result = (
        Result.objects.select_for_update()
        .filter(visit=visit, task=task, department=department, item=item)
        .first()
    )
    if result is None:
        return Result.objects.create(
            visit=visit, task=task, department=department, item=item, entity_id=visit.entity_id, entered_by=user,
            client_token=client_token, **{k: v for k, v in fields.items() if v is not None},
        )
    if result.status not in (Result.Status.DRAFT, Result.Status.RETURNED):
        if client_token and client_token == result.client_token:
            return result  # the same submission, sent again after a dropped connection
        raise ResultError(_("该结果已提交审核，不能再修改。"))
    for key, value in fields.items():
        if value is not None:
            setattr(result, key, value)
    result.client_token, result.version = client_token or result.client_token, result.version + 1
    result.save()
    return result


def _snapshot(result: Result) -> dict[str, Any]:
    return {"categories": result.categories, "violations": result.violations, "methods": result.methods,
            "findings": result.findings, "inspected_on": str(result.inspected_on or ""), "version": result.version}


def _move(result: Result, source: tuple[str, ...], target: str) -> None:
    # Conditional UPDATE: two reviewers clicking at once produce one decision.
    if not Result.objects.filter(pk=result.pk, status__in=source).update(status=target, updated_at=timezone.now()):
        raise ResultError(_("结果状态已变化，请刷新后重试。"))
    result.status = target


@transaction.atomic
def result_submit(*, result: Result, user: Any) -> Result:
    if not result.inspected_on:
        raise ResultError(_("请填写检查日期。"))
    _move(result, (Result.Status.DRAFT, Result.Status.RETURNED), Result.Status.SUBMITTED)
    ResultReview.objects.create(result=result, action=ResultReview.Action.SUBMIT, actor=user, snapshot=_snapshot(result))
    return result


@transaction.atomic
def result_return(*, result: Result, user: Any, opinion: str) -> Result:
    if not opinion.strip():
        raise ResultError(_("退回须写明理由。"))
    _move(result, (Result.Status.SUBMITTED,), Result.Status.RETURNED)
    ResultReview.objects.create(result=result, action=ResultReview.Action.RETURN, actor=user, opinion=opinion.strip(), snapshot=_snapshot(result))
    feed_post(recipients=[result.entered_by], title=_("检查结果被退回：%(entity)s") % {"entity": result.entity_id},
              body=opinion.strip(), url=f"/results/{result.pk}/", kind="result_returned", department=result.department)
    return result


@transaction.atomic
def result_approve(*, result: Result, user: Any, opinion: str = "") -> Result:
    _move(result, (Result.Status.SUBMITTED,), Result.Status.APPROVED)
    ResultReview.objects.create(result=result, action=ResultReview.Action.APPROVE, actor=user, opinion=opinion.strip(), snapshot=_snapshot(result))
    record = InspectionRecord.objects.create(
        entity_id=result.entity_id, department=result.department, item=result.item, task=result.task,
        visit=result.visit, kind=InspectionRecord.Kind.RANDOM, inspected_on=result.inspected_on or timezone.localdate(),
    )
    team = TeamMember.objects.filter(visit=result.visit, inspector__isnull=False)
    record.inspectors.set(team.values_list("inspector_id", flat=True))
    _open_clocks(result)
    outbox_enqueue(handler="inspections.publish_result", payload={"result": result.pk}, dedupe_key=f"publish-result:{result.pk}:{result.version}", user=user)
    return result


def _open_clocks(result: Result) -> None:
    verified = result.inspected_on or timezone.localdate()
    for violation in (Violation.UNREACHABLE, Violation.FALSE_INFO):
        if violation in result.violations:
            due = add_working_days(verified, ABNORMAL_WORKING_DAYS)
            CaseItem.objects.get_or_create(
                kind=CaseItem.Kind.ABNORMAL_PROPOSAL, entity_id=result.entity_id, clock_start=verified,
                defaults={"department": result.department, "source_result": result, "reason": Violation(violation).label,
                          "due": due.date, "due_estimated": due.estimated},
            )


# --- Publication --------------------------------------------------------------------------------
def public_result(result: Result) -> dict[str, Any]:
    """The published field set (DOMAIN.md): no people, no opinions, no attachments."""
    task = result.task
    departments = [p.department.name for p in task.participants.select_related("department").exclude(status=ParticipantStatus.DECLINED)]
    plan = task.plan_batch.plan if task.plan_batch is not None else None
    wording: list[str] = [str(ResultCategory(c).label) for c in result.categories]
    for v in result.violations:
        named = result.other_department.name if v == Violation.OTHER_DEPARTMENT and result.other_department else ""
        wording.append(str(Violation(v).label) + (f"（{named}）" if named else ""))
    return {
        "抽查计划编号": plan.code if plan else "", "抽查计划名称": plan.title if plan else "",
        "抽查任务编号": task.code, "抽查任务名称": task.title, "抽查类型": task.get_scope_display(),
        "抽查机关": departments, "抽查完成日期": str(result.inspected_on or ""), "检查事项": result.item.name,
        "检查结果": wording, "统一社会信用代码": result.entity_id, "主体名称": result.entity.name,
    }


def result_publish(*, result_id: int) -> str:
    """Outbox handler body: write (or supersede) the public record of an approved result."""
    result = Result.objects.select_related("task", "item", "entity", "other_department").get(pk=result_id)
    if result.status != Result.Status.APPROVED:
        return "not approved"
    payload = public_result(result)
    public_id = f"result:{result.task.code}:{result.entity_id}:{result.item_id}"
    from core.models import PublicationRecord

    current = PublicationRecord.objects.filter(public_id=public_id).order_by("-version").first()
    if current is not None and not current.withdrawn and current.payload == payload:
        return "already published"
    publication_write(
        kind="result", public_id=public_id, payload=payload, department_code=result.department.code,
        year=result.task.year, street=result.entity.region_id, category=result.categories[0] if result.categories else "",
        filter_keys={"categories": result.categories, "departments": [result.department.code],
                     "uscc": result.entity_id, "name": result.entity.name},
    )
    return "published"


# --- Deadlines -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Deadline:
    due: dt.date
    flag: str  # "", "yellow", "red"
    working_days_left: int
    estimated: bool


def publication_deadline(task: Task, *, today: dt.date | None = None) -> Deadline:
    """Due 20 working days after the inspection's end; yellow in the last 5, red once passed."""
    today = today or timezone.localdate()
    due = add_working_days(task.window_end, PUBLICATION_WORKING_DAYS)
    days = _signed_working_days(today, due.date)
    flag = "red" if today > due.date else "yellow" if days <= YELLOW_WORKING_DAYS else ""
    return Deadline(due.date, flag, days, due.estimated)


def _signed_working_days(start: dt.date, end: dt.date) -> int:
    """Working days after ``start`` up to and including ``end`` (negative when ``end`` is past)."""
    from core.workdays import is_workday, load_calendar

    calendar = load_calendar()
    step = 1 if end >= start else -1
    day, count = start, 0
    while day != end:
        day += dt.timedelta(days=step)
        if is_workday(day, calendar=calendar):
            count += step
    return count


# --- Follow-ups ----------------------------------------------------------------------------------
@transaction.atomic
def follow_up_add(*, result: Result, user: Any, measure: str, note: str = "", referred_to: Any = None) -> FollowUp:
    if measure == FollowUpMeasure.OTHER and not note.strip():
        raise ResultError(_("“其他”须说明处置内容。"))
    if measure in (FollowUpMeasure.NOTIFY_DEPARTMENT, FollowUpMeasure.STOP_AND_REFER) and referred_to is None:
        raise ResultError(_("请选择抄告或反馈的部门。"))
    follow_up = FollowUp.objects.create(result=result, measure=measure, note=note.strip(), referred_to=referred_to, created_by=user)
    if referred_to is not None:
        people = users_with_roles(department=referred_to, roles={Role.STAFF, Role.LIAISON, Role.DEPT_ADMIN})
        feed_post(recipients=people, kind="referral", department=result.department, url=f"/follow-ups/{follow_up.pk}/",
                  title=_("%(dept)s 抄告：%(entity)s") % {"dept": result.department.name, "entity": result.entity_id},
                  body=note.strip())
    return follow_up


@transaction.atomic
def follow_up_close(*, follow_up: FollowUp, user: Any, note: str = "", on: dt.date | None = None) -> FollowUp:
    if not FollowUp.objects.filter(pk=follow_up.pk, closed_on__isnull=True).update(
        closed_on=on or timezone.localdate(), closed_by=user, closing_note=note.strip()
    ):
        raise ResultError(_("该处置已完结。"))
    follow_up.refresh_from_db()
    audit_record(action="update", object_type=follow_up._meta.label_lower, object_id=str(follow_up.pk),
                 changes=snapshot(follow_up))  # the conditional UPDATE fires no signal
    return follow_up

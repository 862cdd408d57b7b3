"""Result entry and review as the people do it, with the task moving along (issue 6, part B).

The result services of ``inspections.results`` do the work; these add what follows for the task:
the first result entered starts the inspection, the last one submitted sends the task to review,
a return sends it back, and the last approval moves it on to publication (each approved result is
published by background work through the outbox). Also the consequence worklists' clocks and the
history of inspections that were not drawn (daily, complaint-driven, full coverage).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from agencies.models import Department, Role
from agencies.selectors import users_with_roles
from core.audit import audit_bulk, audit_record, snapshot
from core.services import feed_post
from core.workdays import add_working_days
from inspections.models import (
    CaseItem,
    InspectionItem,
    InspectionRecord,
    ParticipantStatus,
    Result,
    Task,
    TaskItem,
    TaskStatus,
    VisitTask,
)
from inspections.results import ResultError, result_approve, result_return, result_save, result_submit
from inspections.services import task_transition

# Working days each consequence has for its decision (local: set by the district's procedure).
CASE_CLOCK_WORKING_DAYS: dict[str, int] = {
    CaseItem.Kind.ABNORMAL_PROPOSAL: 10,  # unreachable / false information: 10 working days after verification
    CaseItem.Kind.NO_ANNUAL_REPORT: 10,  # proposed within 10 working days after 30 June
    CaseItem.Kind.CREDIT_REPAIR: 5,  # removal decided within 5 working days of the application
    CaseItem.Kind.REVOCATION: 20,  # hearing notice and decision (local)
}
SWEEP_BATCH = 5000


# --- Entry and review ----------------------------------------------------------------------------
@transaction.atomic
def entry_save(*, slot: VisitTask, inspector: Any, item: InspectionItem, user: Any, data: dict[str, Any], client_token: str = "") -> Result:
    """Save a draft for one item of the inspector's department; the first save starts the inspection."""
    if not TaskItem.objects.filter(task=slot.task, department_id=inspector.department_id, item=item).exists():
        raise ResultError(_("该事项不属于本部门在此任务中的检查事项。"))
    task = Task.objects.select_for_update().get(pk=slot.task_id)
    if task.status == TaskStatus.INSPECTORS_MATCHED:
        task_transition(task=task, action="start_inspection", user=user, reason=_("开始录入检查结果"))
    return result_save(visit=slot.visit, task=task, department=inspector.department, item=item, user=user, data=data, client_token=client_token)


@transaction.atomic
def entry_submit(*, result: Result, user: Any, client_token: str = "") -> Result:
    """Submit for review. A resend of the same form after it went through changes nothing."""
    if result.status == Result.Status.SUBMITTED and client_token and client_token == result.client_token:
        return result
    result_submit(result=result, user=user)
    task = Task.objects.select_for_update().get(pk=result.task_id)
    if task.status == TaskStatus.INSPECTING and _all_in(task, (Result.Status.SUBMITTED, Result.Status.APPROVED)):
        task_transition(task=task, action="submit_for_review", user=user, reason=_("检查结果已全部提交"))
        _tell_chiefs(task)
    return result


def _tell_chiefs(task: Task) -> None:
    departments = Result.objects.filter(task=task, status=Result.Status.SUBMITTED).values_list("department", flat=True).distinct()
    for department in Department.objects.filter(pk__in=departments):
        feed_post(recipients=users_with_roles(department=department, roles={Role.SECTION_CHIEF}), kind="results_to_review",
                  department=department, url="/results/review/",
                  title=_("检查结果待审核：%(title)s") % {"title": task.title},
                  body=_("任务 %(code)s 的检查结果已全部提交，请在公示期限前审核。") % {"code": task.code})


@transaction.atomic
def review_return(*, result: Result, user: Any, opinion: str) -> Result:
    result_return(result=result, user=user, opinion=opinion)
    task = Task.objects.select_for_update().get(pk=result.task_id)
    if task.status == TaskStatus.IN_REVIEW:
        task_transition(task=task, action="return_for_correction", user=user, reason=opinion.strip())
    return result


@transaction.atomic
def review_approve(*, result: Result, user: Any, opinion: str = "") -> Result:
    result_approve(result=result, user=user, opinion=opinion)
    task = Task.objects.select_for_update().get(pk=result.task_id)
    if task.status == TaskStatus.IN_REVIEW and _all_in(task, (Result.Status.APPROVED,)):
        task_transition(task=task, action="publish_results", user=user, reason=_("检查结果已全部审核通过，公示中"))
    return result


def expected_result_count(task: Task) -> int:
    """Every visit of the task times every item of a department that takes part."""
    declined = task.participants.filter(status=ParticipantStatus.DECLINED).values_list("department_id", flat=True)
    items = TaskItem.objects.filter(task=task).exclude(department_id__in=declined).count()
    return VisitTask.objects.filter(task=task).count() * items


def _all_in(task: Task, statuses: tuple[str, ...]) -> bool:
    done = Result.objects.filter(task=task, status__in=statuses).count()
    return done >= expected_result_count(task) and not Result.objects.filter(task=task).exclude(status__in=statuses).exists()


def task_progress(task: Task) -> dict[str, int]:
    counts = {s: 0 for s in Result.Status.values}
    for row in Result.objects.filter(task=task).values_list("status", flat=True):
        counts[row] += 1
    counts["expected"] = expected_result_count(task)
    counts["missing"] = max(counts["expected"] - sum(counts[s] for s in Result.Status.values), 0)
    return counts


# --- Consequences --------------------------------------------------------------------------------
@transaction.atomic
def case_open(*, kind: str, entity_id: str, department: Any, reason: str, clock_start: dt.date,
              source_result: Result | None = None) -> CaseItem:
    """A worklist entry with its legal clock, once per entity, kind and clock start."""
    from entities.models import Entity

    if kind not in CaseItem.Kind.values:
        raise ResultError(_("未知的事项类型。"))
    if not reason.strip():
        raise ResultError(_("请写明事由。"))
    if not Entity.objects.filter(uscc=entity_id).exists():
        raise ResultError(_("统一社会信用代码 %(code)s 不在主体库中。") % {"code": entity_id})
    if kind == CaseItem.Kind.NO_ANNUAL_REPORT and (clock_start.month, clock_start.day) <= (6, 30):
        raise ResultError(_("年度报告的报送期限是6月30日，7月1日起才能列为未按时报送。"))
    due = add_working_days(clock_start, CASE_CLOCK_WORKING_DAYS[kind])
    case, created = CaseItem.objects.get_or_create(
        kind=kind, entity_id=entity_id, clock_start=clock_start,
        defaults={"department": department, "reason": reason.strip(), "due": due.date, "due_estimated": due.estimated,
                  "source_result": source_result},
    )
    if not created:
        raise ResultError(_("该主体的同类事项已在办理清单中。"))
    return case


@transaction.atomic
def case_decide(*, case: CaseItem, user: Any, decision: str, on: dt.date | None = None) -> CaseItem:
    if not decision.strip():
        raise ResultError(_("请写明决定内容。"))
    if not CaseItem.objects.filter(pk=case.pk, status=CaseItem.Status.OPEN).update(
        status=CaseItem.Status.DECIDED, decision=decision.strip(), decided_by=user, decided_on=on or timezone.localdate()
    ):
        raise ResultError(_("该事项已作出决定。"))
    case.refresh_from_db()
    audit_record(action="update", object_type=case._meta.label_lower, object_id=str(case.pk),
                 changes=snapshot(case))  # the conditional UPDATE fires no signal
    return case


def _bulk_open(*, kind: str, department: Any, usccs: Any, reason: str, clock_start: dt.date) -> int:
    due = add_working_days(clock_start, CASE_CLOCK_WORKING_DAYS[kind])
    rows = [CaseItem(kind=kind, entity_id=u, department=department, reason=reason, clock_start=clock_start, due=due.date,
                     due_estimated=due.estimated) for u in usccs]
    # Another department may hold the same clock for the entity: the unique constraint keeps one.
    opened = len(CaseItem.objects.bulk_create(rows, batch_size=SWEEP_BATCH, ignore_conflicts=True))
    # bulk_create fires no signal: one chain row for the sweep (the entities offered, in order).
    audit_bulk(action="case_sweep", object_type=CaseItem._meta.label_lower, count=opened,
               digest=hashlib.sha256("\n".join(str(r.entity_id) for r in rows).encode()).hexdigest(),
               summary={"kind": kind, "department": department.pk, "clock_start": clock_start.isoformat()})
    return opened


def _directory_entities(department: Any) -> QuerySet[Any]:
    from entities.models import DirectoryEntry, EntityStatus

    return DirectoryEntry.objects.filter(directory__department=department, entity__status=EntityStatus.ACTIVE)


@transaction.atomic
def no_report_sweep(*, department: Any, report_year: int, today: dt.date) -> int:
    """Entities of the department's directories without an annual report for ``report_year`` once
    30 June of the next year has passed (entities registered later owe none). Returns entries opened."""
    from entities.models import AnnualReport

    deadline = dt.date(report_year + 1, 6, 30)
    if today <= deadline:
        raise ResultError(_("%(y)s 年度报告的报送期限是 %(d)s，期限届满后才能筛查。") % {"y": report_year, "d": deadline})
    start = deadline + dt.timedelta(days=1)
    filed = AnnualReport.objects.filter(entity_id=OuterRef("entity_id"), year=report_year)
    known = CaseItem.objects.filter(kind=CaseItem.Kind.NO_ANNUAL_REPORT, entity_id=OuterRef("entity_id"), clock_start=start)
    usccs = (_directory_entities(department).filter(Q(entity__reg_date__isnull=True) | Q(entity__reg_date__lte=dt.date(report_year, 12, 31)))
             .filter(~Exists(filed), ~Exists(known)).values_list("entity_id", flat=True).distinct())
    reason = _("未按规定报送 %(y)s 年度报告") % {"y": report_year}
    return _bulk_open(kind=CaseItem.Kind.NO_ANNUAL_REPORT, department=department, usccs=usccs.iterator(), reason=reason, clock_start=start)


@transaction.atomic
def revocation_sweep(*, department: Any, today: dt.date) -> int:
    """Revocation candidates: listed as unreachable at the registered address for two years or more
    and still listed (not operating and not reachable). Returns entries opened."""
    from entities.models import AbnormalListing

    since = today.replace(year=today.year - 2) if (today.month, today.day) != (2, 29) else dt.date(today.year - 2, 2, 28)
    listed = AbnormalListing.objects.filter(entity_id=OuterRef("entity_id"), reason=AbnormalListing.Reason.UNREACHABLE,
                                            removed_on__isnull=True, listed_on__lte=since)
    known = CaseItem.objects.filter(kind=CaseItem.Kind.REVOCATION, entity_id=OuterRef("entity_id"), status=CaseItem.Status.OPEN)
    usccs = _directory_entities(department).filter(Exists(listed), ~Exists(known)).values_list("entity_id", flat=True).distinct()
    reason = _("因通过登记的住所无法联系被列入经营异常名录满两年")
    return _bulk_open(kind=CaseItem.Kind.REVOCATION, department=department, usccs=usccs.iterator(), reason=reason, clock_start=today)


# --- Inspections that were not drawn -------------------------------------------------------------
@transaction.atomic
def history_record(*, department: Any, entity_id: str, kind: str, inspected_on: dt.date, user: Any,
                   item: InspectionItem | None = None, inspectors: list[Any] | None = None) -> InspectionRecord:
    """A daily, complaint-driven or full-coverage inspection, in the history the draws read."""
    from entities.models import Entity

    if kind == InspectionRecord.Kind.RANDOM or kind not in InspectionRecord.Kind.values:
        raise ResultError(_("双随机抽查由审核通过的检查结果自动记录，这里只登记其他检查。"))
    if not Entity.objects.filter(uscc=entity_id).exists():
        raise ResultError(_("统一社会信用代码 %(code)s 不在主体库中。") % {"code": entity_id})
    if item is not None and item.department_id != department.pk:
        raise ResultError(_("只能选择本部门的抽查事项。"))
    if inspected_on > timezone.localdate():
        raise ResultError(_("检查日期不能晚于今天。"))
    if any(i.department_id != department.pk for i in inspectors or []):
        raise ResultError(_("只能选择本部门的执法人员。"))
    record = InspectionRecord.objects.create(entity_id=entity_id, department=department, item=item, kind=kind, inspected_on=inspected_on)
    record.inspectors.set(inspectors or [])
    return record

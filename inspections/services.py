"""Writes for items, plans and tasks. Every state change is checked here, first."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Count, F, Max
from django.utils import timezone
from django.utils.translation import gettext as _

from agencies.models import Department, Role
from agencies.selectors import users_with_roles
from core.audit import audit_bulk, audit_record, digest_of, snapshot
from core.services import feed_post, publication_write
from entities.models import Directory, EntityStatus
from inspections import sampling, statemachine
from inspections.frames import scope_queryset, stratum_key
from inspections.models import (
    AnnualPlan,
    Campaign,
    InspectionItem,
    ItemListPublication,
    Method,
    ParticipantStatus,
    PlanBatch,
    Task,
    TaskCounter,
    TaskItem,
    TaskParticipant,
    TaskStatus,
    TaskTransition,
)


class TaskError(Exception):
    """A refused action; the message is for the person who asked."""


def _notify(department: Department, *, title: str, body: str = "", url: str = "", kind: str = "task") -> None:
    people = users_with_roles(department=department, roles={Role.STAFF, Role.DEPT_ADMIN, Role.LIAISON, Role.SECTION_CHIEF})
    feed_post(recipients=people, title=title, body=body, url=url, kind=kind, department=department)


# --- The state machine ----------------------------------------------------------------------
@transaction.atomic
def task_transition(*, task: Task, action: str, user: Any = None, reason: str = "") -> Task:
    if action not in statemachine.TRANSITIONS:
        raise TaskError(_("未知操作：%(action)s") % {"action": action})
    source, target, _label = statemachine.TRANSITIONS[action]
    current = Task.objects.filter(pk=task.pk).values_list("status", flat=True).first()
    if current != source:
        raise TaskError(
            _("任务当前状态为“%(current)s”，不能执行“%(action)s”。")
            % {"current": TaskStatus(current or TaskStatus.DRAFT).label, "action": _label}
        )
    if message := statemachine.refusal(action, task):
        raise TaskError(message)
    # Conditional UPDATE: of two simultaneous requests, only one moves the task. The move is chained
    # by the TaskTransition row below (its signal); verify_audit holds the status to it.
    if not Task.objects.filter(pk=task.pk, status=source).update(status=target, updated_at=timezone.now()):
        raise TaskError(_("任务状态已被他人更改，请刷新后重试。"))
    TaskTransition.objects.create(task=task, action=action, from_status=source, to_status=target, actor=user, reason=reason)
    task.status = target
    statemachine.run_after(action, task)
    return task


# --- Tasks ----------------------------------------------------------------------------------
def _next_code(department: Department, year: int) -> str:
    counter, _ = TaskCounter.objects.select_for_update().get_or_create(department=department, year=year)
    TaskCounter.objects.filter(pk=counter.pk).update(last=F("last") + 1)
    counter.refresh_from_db()
    return f"{department.code}-{year}-{counter.last:04d}"


@transaction.atomic
def task_create(
    *,
    user: Any,
    department: Department,
    items: Iterable[InspectionItem],
    participants: Iterable[Department] = (),
    **fields: Any,
) -> Task:
    items = list(items)
    if not items:
        raise TaskError(_("请至少选择一个抽查事项。"))
    if any(item.department_id != department.pk for item in items):
        raise TaskError(_("只能选择本部门清单中的抽查事项。"))
    participants = [d for d in participants if d.pk != department.pk]
    year = fields.pop("year", None) or fields["window_start"].year
    task = Task.objects.create(
        code=_next_code(department, year),
        department=department,
        year=year,
        created_by=user,
        scope=Task.Scope.JOINT if participants else Task.Scope.SINGLE,
        **fields,
    )
    TaskParticipant.objects.create(task=task, department=department, status=ParticipantStatus.INITIATOR)
    TaskParticipant.objects.bulk_create([TaskParticipant(task=task, department=d) for d in participants])
    TaskItem.objects.bulk_create([TaskItem(task=task, department=department, item=i) for i in items])
    _chain_created(task, TaskParticipant, [f"{d.pk}" for d in participants])
    _chain_created(task, TaskItem, [f"{department.pk}:{i.pk}" for i in items])
    return task


def _chain_created(task: Task, model: Any, lines: list[str]) -> None:
    """bulk_create fires no signal: one chain row per batch with the digest of what it wrote."""
    if lines:
        audit_bulk(action="bulk_create", object_type=model._meta.label_lower, count=len(lines), digest=digest_of(lines),
                   summary={"task": task.code})


def task_announcement(task: Task) -> dict[str, Any]:
    """The public field set of a task announcement (no people, no internal notes)."""
    parts = task.participants.select_related("department").exclude(status=ParticipantStatus.DECLINED)
    return {
        "code": task.code,
        "title": task.title,
        "type": task.get_scope_display(),
        "departments": [p.department.name for p in parts],
        "items": sorted({ti.item.name for ti in task.task_items.select_related("item")}),
        "draw_mode": task.get_draw_mode_display(),
        "window": [task.window_start.isoformat(), task.window_end.isoformat()],
        "secret": task.secret,
    }


@transaction.atomic
def task_publish(*, task: Task, user: Any) -> Task:
    task = task_transition(task=task, action="publish", user=user)
    publication_write(
        kind="task",
        public_id=f"task:{task.code}",
        payload=task_announcement(task),
        department_code=task.department.code,
        year=task.year,
    )
    invited = TaskParticipant.objects.filter(task=task, status=ParticipantStatus.INVITED).select_related("department")
    for part in invited:
        _notify(
            part.department,
            title=_("认领邀请：%(title)s") % {"title": task.title},
            body=_("%(dept)s 发起联合抽查任务 %(code)s，请在 %(deadline)s 前认领。")
            % {"dept": task.department.name, "code": task.code, "deadline": task.claim_deadline or task.window_start},
            url=f"/tasks/{task.pk}/",
        )
    if not invited.exists():
        _advance_when_claims_complete(task=task, user=user)
    return task


def _advance_when_claims_complete(*, task: Task, user: Any) -> None:
    if TaskParticipant.objects.filter(task=task, status=ParticipantStatus.INVITED).exists():
        return
    task_transition(task=task, action="complete_claims", user=user, reason=_("所有参与部门均已答复"))
    task_transition(task=task, action="mark_ready", user=None, reason=_("认领完毕，自动进入待抽取"))
    _notify(task.department, title=_("认领完毕：%(title)s 已进入待抽取") % {"title": task.title}, url=f"/tasks/{task.pk}/")


def _respond(*, part: TaskParticipant, user: Any, status: str, **fields: Any) -> TaskParticipant:
    task = Task.objects.select_for_update().get(pk=part.task_id)
    if task.status != TaskStatus.PUBLISHED:
        raise TaskError(_("任务当前不在认领阶段。"))
    if task.claim_deadline and timezone.localdate() > task.claim_deadline:
        raise TaskError(_("认领已于 %(date)s 截止。") % {"date": task.claim_deadline})
    # Conditional UPDATE with a row count: of two people claiming at once, exactly one succeeds.
    updated = TaskParticipant.objects.filter(pk=part.pk, status=ParticipantStatus.INVITED).update(
        status=status, responded_by=user, responded_at=timezone.now(), **fields
    )
    if not updated:
        raise TaskError(_("本部门已认领或已答复该任务，无需重复操作。"))
    part.refresh_from_db()
    _chain(part)
    return part


def _chain(instance: Any) -> None:
    """A conditional UPDATE (the race guard) fires no signal: chain the row's new state."""
    audit_record(action="update", object_type=instance._meta.label_lower, object_id=str(instance.pk),
                 changes=snapshot(instance))


@transaction.atomic
def task_claim(
    *, part: TaskParticipant, user: Any, items: Iterable[InspectionItem], inspectors_per_entity: int = 1
) -> TaskParticipant:
    items = list(items)
    if not items or any(i.department_id != part.department_id for i in items):
        raise TaskError(_("请从本部门清单中选择至少一个抽查事项。"))
    if inspectors_per_entity < 1:
        raise TaskError(_("每户至少派出 1 名执法人员。"))
    part = _respond(part=part, user=user, status=ParticipantStatus.CLAIMED, inspectors_per_entity=inspectors_per_entity)
    try:
        TaskItem.objects.bulk_create([TaskItem(task_id=part.task_id, department=part.department, item=i) for i in items])
    except IntegrityError as exc:
        raise TaskError(_("所选事项已在任务中。")) from exc
    task = part.task
    _chain_created(task, TaskItem, [f"{part.department_id}:{i.pk}" for i in items])
    _notify(task.department, title=_("%(dept)s 已认领：%(title)s") % {"dept": part.department.name, "title": task.title}, url=f"/tasks/{task.pk}/")
    _advance_when_claims_complete(task=task, user=user)
    return part


@transaction.atomic
def task_decline(*, part: TaskParticipant, user: Any, reason: str) -> TaskParticipant:
    if not reason.strip():
        raise TaskError(_("拒绝认领须说明理由。"))
    part = _respond(part=part, user=user, status=ParticipantStatus.DECLINED, decline_reason=reason.strip()[:300])
    task = part.task
    _notify(task.department, title=_("%(dept)s 拒绝认领：%(title)s") % {"dept": part.department.name, "title": task.title},
            body=reason, url=f"/tasks/{task.pk}/")
    _advance_when_claims_complete(task=task, user=user)
    return part


def overdue_claims(*, today: dt.date | None = None) -> list[TaskParticipant]:
    today = today or timezone.localdate()
    return list(
        TaskParticipant.objects.filter(
            status=ParticipantStatus.INVITED, task__status=TaskStatus.PUBLISHED, task__claim_deadline__lt=today
        ).select_related("task", "department")
    )


# --- The item list (一单) ------------------------------------------------------------------
def _percent(bp: int | None) -> str:
    return "—" if bp is None else f"{Decimal(bp) / 100:g}%"


def _check_item(department: Department, item: InspectionItem | None, changes: dict[str, Any]) -> None:
    fields = {k: getattr(item, k) for k in ("category", "ratio_cap_bp", "min_yearly_ratio_bp")} if item else {}
    fields.update(changes)
    cap, floor = fields.get("ratio_cap_bp"), fields.get("min_yearly_ratio_bp")
    if fields.get("category") == InspectionItem.Category.KEY and cap is not None:
        raise TaskError(_("重点检查事项不设抽查比例上限。"))
    if any(bp is not None and not 0 < bp <= 10000 for bp in (cap, floor)):
        raise TaskError(_("比例须大于 0% 且不超过 100%。"))
    if cap is not None and floor is not None and floor > cap:
        raise TaskError(_("年度最低抽查比例 %(floor)s 高于比例上限 %(cap)s。") % {"floor": _percent(floor), "cap": _percent(cap)})
    if set(fields.get("methods") or []) - set(Method.values):
        raise TaskError(_("检查方式不在规定范围内。"))
    parent = changes.get("parent")
    if parent is not None and (parent.department_id != department.pk or parent.parent_id is not None
                               or (item is not None and (parent.pk == item.pk or item.children.exists()))):
        raise TaskError(_("上级事项须为本部门清单中的一级事项。"))


@transaction.atomic
def item_save(
    *, department: Department, user: Any, item: InspectionItem | None = None, required_fields: Iterable[Any] = (),
    **fields: Any,
) -> InspectionItem:
    """Create or change a row of the list; a change raises the item's version (published lists keep theirs)."""
    _check_item(department, item, fields)
    required = list(required_fields)
    if item is None:
        item = InspectionItem(department=department)
    elif any(getattr(item, k) != v for k, v in fields.items()) or (
        {f.pk for f in item.required_fields.all()} != {f.pk for f in required}
    ):
        item.version += 1
    for key, value in fields.items():
        setattr(item, key, value)
    try:
        with transaction.atomic():
            item.save()
    except IntegrityError as exc:
        raise TaskError(_("本部门清单中已有编号为 %(code)s 的事项。") % {"code": item.code}) from exc
    item.required_fields.set(required)
    return item


def item_public_fields(item: InspectionItem) -> dict[str, Any]:
    return {
        "code": item.code, "name": item.name, "parent": item.parent.code if item.parent else None,
        "legal_basis": item.legal_basis, "object_type": item.object_type, "category": item.category,
        "ratio_cap_bp": item.ratio_cap_bp, "frequency": item.frequency, "methods": list(item.methods or []),
    }


@transaction.atomic
def item_list_publish(*, department: Department, user: Any) -> ItemListPublication:
    """A new version of the department's public list; earlier versions stay on record."""
    Department.objects.select_for_update().get(pk=department.pk)  # one version number at a time
    items = list(InspectionItem.objects.filter(department=department, is_active=True).select_related("parent").order_by("code"))
    if not items:
        raise TaskError(_("清单中没有有效的抽查事项，不能发布。"))
    version = (ItemListPublication.objects.filter(department=department).aggregate(v=Max("version"))["v"] or 0) + 1
    record = ItemListPublication.objects.create(department=department, version=version, published_by=user, item_count=len(items))
    publication_write(
        kind="item_list",
        public_id=f"item_list:{department.code}",
        payload={"department": department.name, "department_code": department.code, "version": version,
                 "items": [item_public_fields(i) for i in items]},
        department_code=department.code,
        year=timezone.localdate().year,
    )
    return record


# --- Annual plans ---------------------------------------------------------------------------
def _plan_code(department: Department, year: int) -> str:
    n = AnnualPlan.objects.filter(department=department, year=year).count() + 1
    while AnnualPlan.objects.filter(code=f"{department.code}-{year}-JH{n:02d}").exists():
        n += 1
    return f"{department.code}-{year}-JH{n:02d}"


@transaction.atomic
def plan_save(*, department: Department, user: Any, year: int, title: str, note: str = "",
              plan: AnnualPlan | None = None) -> AnnualPlan:
    if plan is not None and plan.status != AnnualPlan.Status.DRAFT:
        raise TaskError(_("计划已备案，不能再修改。"))
    if plan is None:
        plan = AnnualPlan(department=department, year=year, code=_plan_code(department, year))
    plan.title, plan.note = title.strip(), note
    plan.save()
    return plan


@transaction.atomic
def plan_batch_save(
    *, plan: AnnualPlan, title: str, items: Iterable[InspectionItem], window_start: dt.date, window_end: dt.date,
    participants: Iterable[Department] = (), scope: dict[str, Any] | None = None, ratio_bp: int | None = None,
    count: int | None = None, risk_ratios_bp: dict[str, int] | None = None, batch: PlanBatch | None = None,
) -> PlanBatch:
    if plan.status != AnnualPlan.Status.DRAFT:
        raise TaskError(_("计划已备案，不能再修改批次。"))
    items = list(items)
    if not items or any(i.department_id != plan.department_id for i in items):
        raise TaskError(_("请从本部门清单中选择至少一个抽查事项。"))
    if window_end < window_start or window_start.year != plan.year or window_end.year != plan.year:
        raise TaskError(_("批次时间须在计划年度 %(year)s 年内，且结束不早于开始。") % {"year": plan.year})
    if not (ratio_bp or count or risk_ratios_bp):
        raise TaskError(_("请填写抽查比例、抽查数量或按信用风险分类的比例。"))
    if batch is None:
        batch = PlanBatch(plan=plan, seq=(plan.batches.aggregate(s=Max("seq"))["s"] or 0) + 1)
    batch.title, batch.scope, batch.window_start, batch.window_end = title.strip(), scope or {}, window_start, window_end
    batch.ratio_bp, batch.count, batch.risk_ratios_bp = ratio_bp, count, risk_ratios_bp or {}
    batch.save()
    batch.items.set(items)
    batch.participants.set([d for d in participants if d.pk != plan.department_id])
    return batch


def _population(filters: dict[str, Any]) -> int:
    probe = Task(draw_mode=Task.DrawMode.TARGETED, filters=filters or {})
    return scope_queryset(probe).filter(status=EntityStatus.ACTIVE).count()


def _batch_ratio_bp(batch: PlanBatch) -> int:
    """What a batch contributes to an item's yearly ratio; risk-class ratios count at their lowest."""
    if batch.ratio_bp:
        return batch.ratio_bp
    if batch.risk_ratios_bp:
        return min(int(v) for v in batch.risk_ratios_bp.values())
    population = _population(batch.scope)
    return (batch.count or 0) * 10000 // population if population else 0


def plan_ratio_warnings(*, plan: AnnualPlan) -> list[str]:
    """Items with a legal yearly floor (e.g. 3% for published information) that the plan falls below."""
    planned: dict[int, int] = defaultdict(int)
    for batch in plan.batches.prefetch_related("items"):
        contribution = _batch_ratio_bp(batch)
        for item in batch.items.all():
            planned[item.pk] += contribution
    floors = InspectionItem.objects.filter(department=plan.department, is_active=True, min_yearly_ratio_bp__isnull=False)
    return [
        _("事项“%(item)s”法定年度最低抽查比例为 %(floor)s，本计划合计 %(planned)s，低于下限。")
        % {"item": item.name, "floor": _percent(item.min_yearly_ratio_bp), "planned": _percent(planned.get(item.pk, 0))}
        for item in floors.order_by("code")
        if planned.get(item.pk, 0) < (item.min_yearly_ratio_bp or 0)
    ]


@transaction.atomic
def plan_file(*, plan: AnnualPlan, user: Any, filed_with: Department | None) -> AnnualPlan:
    """备案: the plan goes to the superior authority (or the joint-meeting office) and is frozen."""
    if filed_with is None or filed_with.pk == plan.department_id:
        raise TaskError(_("请选择备案机关（上级主管部门或联席会议办公室）。"))
    if not plan.batches.exists():
        raise TaskError(_("计划至少需要一个批次才能备案。"))
    updated = AnnualPlan.objects.filter(pk=plan.pk, status=AnnualPlan.Status.DRAFT).update(
        status=AnnualPlan.Status.FILED, filed_with=filed_with, filed_at=timezone.now()
    )
    if not updated:
        raise TaskError(_("计划当前不是草稿，不能备案。"))
    plan.refresh_from_db()
    _chain(plan)
    warnings = plan_ratio_warnings(plan=plan)
    feed_post(
        recipients=users_with_roles(department=filed_with),
        title=_("计划备案：%(dept)s %(title)s") % {"dept": plan.department.name, "title": plan.title},
        body="\n".join([_("计划编号：%(code)s") % {"code": plan.code}, *warnings]),
        kind="plan", department=plan.department,
    )
    return plan


def plan_public_fields(plan: AnnualPlan) -> dict[str, Any]:
    batches = plan.batches.prefetch_related("items", "participants").order_by("seq")
    return {
        "code": plan.code, "title": plan.title, "year": plan.year, "department": plan.department.name,
        "batches": [
            {
                "seq": b.seq, "title": b.title, "items": [i.name for i in b.items.order_by("code")],
                "departments": [plan.department.name, *(d.name for d in b.participants.order_by("code"))],
                "window": [b.window_start.isoformat(), b.window_end.isoformat()],
                "ratio_bp": b.ratio_bp, "count": b.count, "risk_ratios_bp": b.risk_ratios_bp,
            }
            for b in batches
        ],
    }


@transaction.atomic
def plan_publish(*, plan: AnnualPlan, user: Any) -> AnnualPlan:
    updated = AnnualPlan.objects.filter(pk=plan.pk, status=AnnualPlan.Status.FILED).update(
        status=AnnualPlan.Status.PUBLISHED, published_at=timezone.now()
    )
    if not updated:
        raise TaskError(_("计划须先备案，才能公示。"))
    plan.refresh_from_db()
    _chain(plan)
    publication_write(
        kind="plan", public_id=f"plan:{plan.code}", payload=plan_public_fields(plan),
        department_code=plan.department.code, year=plan.year,
    )
    return plan


# --- Campaigns (专项整治) ---------------------------------------------------------------------
@transaction.atomic
def campaign_save(
    *, lead: Department, user: Any, name: str, year: int, departments: Iterable[Department], description: str = "",
    campaign: Campaign | None = None,
) -> Campaign:
    members = [d for d in departments if d.pk != lead.pk]
    created = campaign is None
    if campaign is None:
        n = Campaign.objects.filter(lead=lead, year=year).count() + 1
        while Campaign.objects.filter(code=f"{lead.code}-ZX-{year}-{n:02d}").exists():
            n += 1
        campaign = Campaign(lead=lead, code=f"{lead.code}-ZX-{year}-{n:02d}")
    campaign.name, campaign.year, campaign.description = name.strip(), year, description
    campaign.save()
    campaign.departments.set(members)
    if created:
        for dept in members:
            _notify(dept, title=_("专项整治：%(name)s") % {"name": campaign.name},
                    body=_("%(lead)s 牵头，贵部门为参与部门。") % {"lead": lead.name},
                    url=f"/campaigns/{campaign.pk}/", kind="campaign")
    return campaign


# --- Ratio caps -----------------------------------------------------------------------------
def _stratum_sizes(task: Task) -> dict[str, int]:
    """Entities in business within the task's filters, in the draw's strata (risk class x type)."""
    sizes: dict[str, int] = defaultdict(int)
    rows = scope_queryset(task).filter(status=EntityStatus.ACTIVE).order_by().values("risk_class", "entity_type")
    for row in rows.annotate(n=Count("uscc")):
        sizes[stratum_key(task, row["risk_class"], row["entity_type"])] += row["n"]
    return dict(sizes)


def _planned_quotas(task: Task, sizes: dict[str, int]) -> dict[str, int]:
    if task.draw_mode == Task.DrawMode.FULL_COVERAGE or task.sampling == Task.Sampling.ALL:
        return dict(sizes)
    if task.sampling == Task.Sampling.COUNT:
        return sampling.quotas_by_count(sizes, task.count or 0)
    if task.sampling == Task.Sampling.RISK_RATIO:
        bp_for = {k: int((task.risk_ratios_bp or {}).get(k.split("|")[0][5:], 0)) for k in sizes}
    else:
        bp_for = dict.fromkeys(sizes, task.ratio_bp or 0)
    return sampling.quotas_by_ratio(sizes, bp_for, round_up=task.round_up)


def _rule_text(task: Task) -> str:
    if task.draw_mode == Task.DrawMode.FULL_COVERAGE or task.sampling == Task.Sampling.ALL:
        return _("全部检查对象")
    if task.sampling == Task.Sampling.COUNT:
        return _("按抽查数量 %(n)s 户抽取") % {"n": task.count or 0}
    if task.sampling == Task.Sampling.RISK_RATIO:
        return _("按信用风险分类比例逐层向上取整") if task.round_up else _("按信用风险分类比例抽取")
    if task.round_up:
        return _("按“不低于 %(ratio)s”逐层向上取整") % {"ratio": _percent(task.ratio_bp or 0)}
    return _("按 %(ratio)s 抽取") % {"ratio": _percent(task.ratio_bp or 0)}


def task_check_caps(task: Task, *, extra_items: Iterable[InspectionItem] = ()) -> None:
    """Refuse, naming both numbers, when the quotas push a general item past its ratio cap.

    Never cut silently: the person decides whether to lower the ratio or narrow the scope.
    """
    if task.draw_mode == Task.DrawMode.ASSIGNED:
        return
    items = [*(ti.item for ti in task.task_items.select_related("item")), *extra_items]
    caps = {i.name: i.ratio_cap_bp for i in items if i.category == InspectionItem.Category.GENERAL and i.ratio_cap_bp}
    if not caps:
        return
    sizes = _stratum_sizes(task)
    quotas = _planned_quotas(task, sizes)
    breaches = sampling.cap_breaches(population=sum(sizes.values()), drawn=sum(quotas.values()), caps=caps)
    if breaches:
        rule = _rule_text(task)
        raise TaskError("；".join(
            _("%(rule)s后实际抽查比例为 %(effective)s，超过事项“%(item)s”的比例上限 %(cap)s")
            % {"rule": rule, "effective": b.effective_percent, "item": b.item, "cap": b.cap_percent}
            for b in breaches
        ) + "。")


# --- Checks shared by the form, the API and the superior import ----------------------------
def task_fields_check(fields: dict[str, Any], *, department: Department | None = None) -> None:
    batch, campaign = fields.get("plan_batch"), fields.get("campaign")
    if department is not None and batch is not None and batch.plan.department_id != department.pk:
        raise TaskError(_("只能选择本部门计划中的批次。"))
    if department is not None and campaign is not None and not (
        campaign.lead_id == department.pk or campaign.departments.filter(pk=department.pk).exists()
    ):
        raise TaskError(_("本部门不是该专项整治的牵头或参与部门。"))
    start, end, deadline = fields.get("window_start"), fields.get("window_end"), fields.get("deadline")
    if start and end and end < start:
        raise TaskError(_("检查结束日期不能早于开始日期。"))
    if end and deadline and deadline < end:
        raise TaskError(_("任务完成期限不能早于检查结束日期。"))
    claim = fields.get("claim_deadline")
    if claim and start and claim > start:
        raise TaskError(_("认领截止日期不能晚于检查开始日期。"))
    if (fields.get("inspectors_per_entity") or 2) < 2:
        raise TaskError(_("每户至少 2 名执法人员。"))
    mode, rule = fields.get("draw_mode"), fields.get("sampling")
    if mode == Task.DrawMode.FULL_COVERAGE and not (fields.get("filters") or {}).get("directory"):
        raise TaskError(_("重点全覆盖须选择一个检查对象名录库。"))
    if mode == Task.DrawMode.ASSIGNED and not (fields.get("filters") or {}).get("entities"):
        raise TaskError(_("上级指定名单须列出检查对象的统一社会信用代码。"))
    if mode in (Task.DrawMode.TARGETED, Task.DrawMode.UNTARGETED):
        if rule == Task.Sampling.RATIO and not fields.get("ratio_bp"):
            raise TaskError(_("请填写抽查比例。"))
        if rule == Task.Sampling.RISK_RATIO and not any((fields.get("risk_ratios_bp") or {}).values()):
            raise TaskError(_("请填写按信用风险分类的抽查比例。"))
        if rule == Task.Sampling.COUNT and not fields.get("count"):
            raise TaskError(_("请填写抽查数量。"))


# --- Tasks issued by a superior authority (上级下发), imported from its platform's export ----
FILTER_KEYS = ("entity_types", "industries", "regions", "risk_classes", "tags")
RISK_CLASSES = ("A", "B", "C", "D")
MAX_IMPORT_BYTES = 1 << 20


def _bp(value: Any, label: str) -> int | None:
    text = str(value if value is not None else "").strip().rstrip("%")
    if not text:
        return None
    try:
        bp = int(Decimal(text) * 100)
    except InvalidOperation:
        bp = -1
    if not 0 < bp <= 10000:
        raise TaskError(_("%(label)s“%(value)s”不是 0–100 之间的百分数。") % {"label": label, "value": value})
    return bp


def _date(value: Any, label: str, *, required: bool = True) -> dt.date | None:
    text = str(value or "").strip()
    if not text and not required:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise TaskError(_("%(label)s须为 YYYY-MM-DD 格式的日期。") % {"label": label}) from None


def _flag(value: Any, default: bool) -> bool:
    if value is None or str(value).strip() == "":
        return default
    return value is True or str(value).strip().lower() in {"1", "true", "yes", "y", "是"}


def _codes(value: Any) -> list[str]:
    if isinstance(value, list):
        return [str(v).strip() for v in value if str(v).strip()]
    return [v.strip() for v in str(value or "").replace("；", ";").split(";") if v.strip()]


def _csv_record(row: dict[str, str]) -> dict[str, Any]:
    """A CSV row in the shape of a JSON task object."""
    record: dict[str, Any] = {k: v for k, v in row.items() if k and not k.startswith(("filter_", "risk_ratio_"))}
    record["filters"] = {k: _codes(row.get(f"filter_{k}")) for k in FILTER_KEYS if row.get(f"filter_{k}")}
    if (row.get("filter_directory") or "").strip():
        record["filters"]["directory"] = row["filter_directory"].strip()
    record["risk_ratio_percent"] = {c: row[f"risk_ratio_{c}"] for c in RISK_CLASSES if (row.get(f"risk_ratio_{c}") or "").strip()}
    return record


def superior_records(data: bytes, filename: str) -> list[tuple[str, dict[str, Any]]]:
    """(label, record) pairs from a JSON or CSV export; see docs/superior-task-format.md."""
    if len(data) > MAX_IMPORT_BYTES:
        raise TaskError(_("文件超过 1 MB。"))
    if filename.lower().endswith(".json") or data.lstrip()[:1] in (b"{", b"["):
        try:
            doc = json.loads(data.decode("utf-8-sig"))
        except (UnicodeDecodeError, ValueError) as exc:
            raise TaskError(_("JSON 格式错误：%(err)s") % {"err": exc}) from None
        tasks = doc.get("tasks") if isinstance(doc, dict) else doc
        if not isinstance(tasks, list) or not all(isinstance(t, dict) for t in tasks):
            raise TaskError(_("JSON 文件须为任务对象的数组，或含 tasks 数组的对象。"))
        return [(_("第 %(n)s 条") % {"n": n}, t) for n, t in enumerate(tasks, start=1)]
    from core.tabular import TabularError, detect_encoding

    try:
        text = data.decode(detect_encoding(data[: 1 << 16]))
    except (TabularError, UnicodeDecodeError) as exc:
        raise TaskError(str(exc)) from None
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    return [(_("第 %(n)s 行") % {"n": n}, _csv_record(row)) for n, row in enumerate(reader, start=2)]


def _superior_filters(raw: Any, department: Department, mode: str) -> dict[str, Any]:
    raw = raw if isinstance(raw, dict) else {}
    filters: dict[str, Any] = {k: _codes(raw.get(k)) for k in FILTER_KEYS if raw.get(k)}
    if raw.get("directory"):
        directory = Directory.objects.filter(department=department, code=str(raw["directory"]).strip()).first()
        if directory is None:
            raise TaskError(_("本部门没有代码为“%(code)s”的名录库。") % {"code": raw["directory"]})
        filters["directory"] = directory.pk
    return filters if mode in (Task.DrawMode.TARGETED, Task.DrawMode.FULL_COVERAGE) else {}


def _superior_task(record: dict[str, Any], department: Department) -> tuple[dict[str, Any], list[Any], list[Any]]:
    superior = Department.objects.filter(code=str(record.get("superior") or "").strip()).first()
    if superior is None or superior.level == Department.Level.DISTRICT:
        raise TaskError(_("下发机关代码“%(code)s”不是平台中的市级或省级部门。") % {"code": record.get("superior") or ""})
    ref, title = str(record.get("superior_ref") or "").strip(), str(record.get("title") or "").strip()
    if not ref or not title:
        raise TaskError(_("上级任务编号（superior_ref）和任务名称（title）必填。"))
    codes = _codes(record.get("items"))
    items = list(InspectionItem.objects.filter(department=department, code__in=codes, is_active=True))
    if not codes or len(items) != len(set(codes)):
        missing = sorted(set(codes) - {i.code for i in items}) or ["—"]
        raise TaskError(_("本部门清单中没有这些有效事项：%(codes)s。") % {"codes": "、".join(missing)})
    part_codes = _codes(record.get("participants"))
    parts = list(Department.objects.filter(code__in=part_codes, kind=Department.Kind.REGULATOR, is_active=True))
    if len(parts) != len(set(part_codes)):
        raise TaskError(_("参与部门代码有误：%(codes)s。") % {"codes": "、".join(part_codes)})
    mode = str(record.get("draw_mode") or Task.DrawMode.UNTARGETED).strip()
    rule = str(record.get("sampling") or Task.Sampling.RATIO).strip()
    if mode not in Task.DrawMode.values or rule not in Task.Sampling.values:
        raise TaskError(_("抽取方式（draw_mode）或抽取规则（sampling）取值有误。"))
    filters = _superior_filters(record.get("filters"), department, mode)
    if mode == Task.DrawMode.ASSIGNED:
        filters["entities"] = sorted({c.upper() for c in _codes(record.get("entities")) if len(c) == 18})
    raw_risk = record.get("risk_ratio_percent")
    risk: dict[str, Any] = raw_risk if isinstance(raw_risk, dict) else {}
    fields: dict[str, Any] = {
        "superior": superior, "superior_ref": ref[:80], "title": title[:200], "draw_mode": mode, "sampling": rule,
        "filters": filters, "ratio_bp": _bp(record.get("ratio_percent"), _("抽查比例")),
        "risk_ratios_bp": {c: bp for c, v in risk.items() if c in RISK_CLASSES and (bp := _bp(v, _("风险分类比例")))},
        "count": int(record["count"]) if str(record.get("count") or "").strip().isdigit() else None,
        "round_up": _flag(record.get("round_up"), True), "secret": _flag(record.get("secret"), False),
        "inspectors_per_entity": int(str(record.get("inspectors_per_entity") or 2).strip() or 2),
        "window_start": _date(record.get("window_start"), _("检查开始日期")),
        "window_end": _date(record.get("window_end"), _("检查结束日期")),
        "deadline": _date(record.get("deadline"), _("任务完成期限")),
        "claim_deadline": _date(record.get("claim_deadline"), _("认领截止日期"), required=False),
        "description": str(record.get("description") or "")[:5000],
    }
    task_fields_check(fields)
    return fields, items, parts


@transaction.atomic
def task_import_superior(*, department: Department, user: Any, data: bytes, filename: str) -> tuple[list[Task], list[str]]:
    """All or nothing: every record is checked first. A task already imported (same issuing
    authority and number) is skipped, so importing the same file twice adds nothing."""
    planned, errors = [], []
    for label, record in superior_records(data, filename):
        try:
            planned.append(_superior_task(record, department))
        except (TaskError, ValueError) as exc:
            errors.append(f"{label}：{exc}")
    if errors:
        raise TaskError("；".join(errors[:20]))
    if not planned:
        raise TaskError(_("文件中没有任务。"))
    created: list[Task] = []
    skipped: list[str] = []
    for fields, items, parts in planned:
        if Task.objects.filter(department=department, superior=fields["superior"], superior_ref=fields["superior_ref"]).exists():
            skipped.append(fields["superior_ref"])
            continue
        created.append(task_create(user=user, department=department, items=items, participants=parts,
                                   source=Task.Source.SUPERIOR, **fields))
    return created, skipped

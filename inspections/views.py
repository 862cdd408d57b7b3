"""Staff pages: the item list, annual plans, campaigns, tasks and claims.

Who may see and do what: ``inspections.permissions`` (one door per object kind; 404 for missing
and not-yours alike). Every change goes through ``inspections.services``.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from agencies.models import Role
from agencies.selectors import department_ids, has_role, sees_all_departments
from inspections import selectors, services, statemachine
from inspections.forms import (
    BatchForm,
    CampaignForm,
    ClaimForm,
    DeclineForm,
    ItemForm,
    PlanFileForm,
    PlanForm,
    SuperiorImportForm,
    TaskForm,
    TaskStatusFilter,
    TransitionForm,
    task_initial,
)
from inspections.models import AnnualPlan, ParticipantStatus, PlanBatch, Task, TaskStatus
from inspections.permissions import (
    access_campaign,
    access_item,
    access_participation,
    access_plan,
    access_task,
)
from inspections.services import TaskError

# Transitions a person starts from the task page; draws, matching and results have pages of their own.
MANUAL_ACTIONS = ("mark_ready", "start_inspection", "submit_for_review", "return_for_correction", "close")


def _int(value: str | None) -> int:
    return int(value) if value and value.isdigit() and len(value) < 12 else 0


def _writes_for(user: Any, department_id: int) -> bool:
    return department_id in department_ids(user, roles=selectors.WRITERS)


def _writable(user: Any) -> Any:
    departments = selectors.writable_departments(user=user)
    if not departments.exists():
        raise Http404
    return departments


def _reader(user: Any) -> None:
    if not (department_ids(user) or sees_all_departments(user)):
        raise Http404


# --- Items ----------------------------------------------------------------------------------
@require_safe
def item_list(request: HttpRequest) -> HttpResponse:
    _reader(request.user)
    groups = [
        {
            "department": d,
            "items": selectors.item_list_for_user(user=request.user, department=d),
            "publication": selectors.item_publications(department=d).first(),
            "can_write": _writes_for(request.user, d.pk),
        }
        for d in selectors.readable_departments(user=request.user).order_by("code")
    ]
    return render(request, "inspections/item_list.html", {"groups": groups, "can_create": any(g["can_write"] for g in groups)})


@require_safe
def item_detail(request: HttpRequest, pk: int) -> HttpResponse:
    item = access_item(user=request.user, pk=pk)
    return render(request, "inspections/item_detail.html", {
        "item": item, "fields": item.required_fields.all(), "children": item.children.order_by("code"),
        "can_write": _writes_for(request.user, item.department_id),
    })


def item_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    item = access_item(user=request.user, pk=pk, write=True) if pk else None
    departments = _writable(request.user)
    form = ItemForm(request.POST or None, departments=departments, item=item)
    if request.method == "POST" and form.is_valid():
        department = item.department if item else form.cleaned_data["department"]
        try:
            saved = services.item_save(department=department, user=request.user, item=item, **form.item_fields())
        except TaskError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("已保存事项 %(code)s（版本 %(v)s）。") % {"code": saved.code, "v": saved.version})
            return redirect("inspections:items")
    return render(request, "inspections/item_form.html", {"form": form, "item": item})


@require_POST
def item_publish(request: HttpRequest, department_pk: int) -> HttpResponse:
    department = selectors.writable_departments(user=request.user).filter(pk=department_pk).first()
    if department is None:
        raise Http404
    try:
        record = services.item_list_publish(department=department, user=request.user)
    except TaskError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("已发布%(dept)s抽查事项清单第 %(v)s 版。") % {"dept": department.name, "v": record.version})
    return redirect("inspections:items")


# --- Plans ----------------------------------------------------------------------------------
@require_safe
def plan_list(request: HttpRequest) -> HttpResponse:
    if not has_role(request.user, Role.SUPERIOR):
        _reader(request.user)
    year = _int(request.GET.get("year")) or None
    return render(request, "inspections/plan_list.html", {
        "plans": selectors.plan_list_for_user(user=request.user, year=year),
        "can_create": selectors.writable_departments(user=request.user).exists(), "year": year,
    })


def plan_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    plan = access_plan(user=request.user, pk=pk, write=True) if pk else None
    form = PlanForm(request.POST or None, departments=_writable(request.user), plan=plan)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            plan = services.plan_save(
                department=plan.department if plan else d["department"], user=request.user,
                year=plan.year if plan else d["year"], title=d["title"], note=d["note"], plan=plan,
            )
        except TaskError as exc:
            form.add_error(None, str(exc))
        else:
            return redirect("inspections:plan", pk=plan.pk)
    return render(request, "inspections/plan_form.html", {"form": form, "plan": plan})


@require_safe
def plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    plan = access_plan(user=request.user, pk=pk)
    can_write = _writes_for(request.user, plan.department_id)
    draft = plan.status == AnnualPlan.Status.DRAFT
    return render(request, "inspections/plan_detail.html", {
        "plan": plan, "batches": selectors.plan_batches(plan=plan), "can_write": can_write,
        "warnings": services.plan_ratio_warnings(plan=plan),
        "file_form": PlanFileForm(authorities=selectors.filing_authorities(department=plan.department))
        if can_write and draft else None,
    })


def batch_edit(request: HttpRequest, plan_pk: int | None = None, pk: int | None = None) -> HttpResponse:
    batch = PlanBatch.objects.filter(pk=pk).first() if pk else None
    if pk and batch is None:
        raise Http404
    plan = access_plan(user=request.user, pk=batch.plan_id if batch else plan_pk or 0, write=True)
    if plan.status != AnnualPlan.Status.DRAFT:
        messages.error(request, _("计划已备案，不能再修改批次。"))
        return redirect("inspections:plan", pk=plan.pk)
    form = BatchForm(request.POST or None, plan=plan, batch=batch, participants=selectors.regulators(),
                     items=selectors.active_items(department_ids=[plan.department_id]).order_by("code"))
    if request.method == "POST" and form.is_valid():
        try:
            services.plan_batch_save(plan=plan, batch=batch, **form.batch_fields())
        except TaskError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("批次已保存。"))
            return redirect("inspections:plan", pk=plan.pk)
    return render(request, "inspections/batch_form.html", {"form": form, "plan": plan, "batch": batch})


@require_POST
def plan_file(request: HttpRequest, pk: int) -> HttpResponse:
    plan = access_plan(user=request.user, pk=pk, write=True)
    form = PlanFileForm(request.POST, authorities=selectors.filing_authorities(department=plan.department))
    try:
        services.plan_file(plan=plan, user=request.user, filed_with=form.cleaned_data["filed_with"] if form.is_valid() else None)
    except TaskError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("计划已报送备案。"))
    return redirect("inspections:plan", pk=plan.pk)


@require_POST
def plan_publish(request: HttpRequest, pk: int) -> HttpResponse:
    plan = access_plan(user=request.user, pk=pk, write=True)
    try:
        services.plan_publish(plan=plan, user=request.user)
    except TaskError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("计划已向社会公示。"))
    return redirect("inspections:plan", pk=plan.pk)


# --- Campaigns ------------------------------------------------------------------------------
@require_safe
def campaign_list(request: HttpRequest) -> HttpResponse:
    _reader(request.user)
    return render(request, "inspections/campaign_list.html", {
        "campaigns": selectors.campaign_list_for_user(user=request.user),
        "can_create": selectors.writable_departments(user=request.user).exists(),
    })


def campaign_create(request: HttpRequest) -> HttpResponse:
    form = CampaignForm(request.POST or None, leads=_writable(request.user), departments=selectors.regulators())
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        campaign = services.campaign_save(lead=d["lead"], user=request.user, name=d["name"], year=d["year"],
                                          departments=d["departments"], description=d["description"])
        messages.success(request, _("专项整治已创建，参与部门已收到通知。"))
        return redirect("inspections:campaign", pk=campaign.pk)
    return render(request, "inspections/campaign_form.html", {"form": form})


@require_safe
def campaign_detail(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = access_campaign(user=request.user, pk=pk)
    return render(request, "inspections/campaign_detail.html", {
        "campaign": campaign, "departments": campaign.departments.order_by("code"),
        "tasks": selectors.campaign_tasks(campaign=campaign, user=request.user),
        "can_launch": _writes_for(request.user, campaign.lead_id),
    })


# --- Tasks ----------------------------------------------------------------------------------
@require_safe
def task_list(request: HttpRequest) -> HttpResponse:
    _reader(request.user)
    form = TaskStatusFilter(request.GET)
    status = form.cleaned_data.get("status", "") if form.is_valid() else ""
    before = _int(request.GET.get("before")) or None
    tasks, next_before = selectors.task_page(user=request.user, status=status, before=before, size=selectors.PAGE_SIZE)
    return render(request, "inspections/task_list.html", {
        "form": form, "tasks": tasks, "next_before": next_before, "status": status,
        "invitations": selectors.invitations_for_user(user=request.user),
        "can_create": selectors.writable_departments(user=request.user).exists(),
    })


def _task_form(request: HttpRequest, departments: Any) -> TaskForm:
    user = request.user
    batch = selectors.batches_for_tasks(user=user).filter(pk=_int(request.GET.get("batch"))).first()
    campaign = selectors.campaigns_for_tasks(user=user).filter(pk=_int(request.GET.get("campaign"))).first()
    return TaskForm(
        request.POST or None, initial=task_initial(batch=batch, campaign=campaign), user=user, departments=departments,
        items=selectors.active_items(department_ids=list(departments.values_list("pk", flat=True))).order_by("department__code", "code"),
        participants=selectors.regulators().exclude(pk__in=departments), batches=selectors.batches_for_tasks(user=user),
        campaigns=selectors.campaigns_for_tasks(user=user), superiors=selectors.superior_authorities(),
    )


def task_create(request: HttpRequest) -> HttpResponse:
    form = _task_form(request, _writable(request.user))
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        fields = form.task_fields()
        try:
            services.task_fields_check(fields, department=d["department"])
            task = services.task_create(user=request.user, department=d["department"], items=d["items"],
                                        participants=d["participants"], **fields)
        except TaskError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("任务 %(code)s 已保存为草稿，核对后发布。") % {"code": task.code})
            return redirect("inspections:task", pk=task.pk)
    return render(request, "inspections/task_form.html", {"form": form})


def task_import(request: HttpRequest) -> HttpResponse:
    form = SuperiorImportForm(request.POST or None, request.FILES or None, departments=_writable(request.user))
    created: list[Task] = []
    skipped: list[str] = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            created, skipped = services.task_import_superior(
                department=form.cleaned_data["department"], user=request.user,
                data=upload.read(services.MAX_IMPORT_BYTES + 1), filename=upload.name or "",
            )
        except TaskError as exc:
            form.add_error("file", str(exc))
    return render(request, "inspections/task_import.html", {
        "form": form, "created": created, "skipped": skipped, "done": bool(created or skipped),
    })


def _steps(task: Task) -> list[dict[str, Any]]:
    path = [str(s) for s in selectors.TASK_PATH]
    here = path.index(task.status) if task.status in path else -1
    return [
        {"label": s.label, "state": "done" if i < here else "current" if i == here else "todo"}
        for i, s in enumerate(selectors.TASK_PATH)
    ]


@require_safe
def task_detail(request: HttpRequest, pk: int) -> HttpResponse:
    task = access_task(user=request.user, pk=pk)
    can_write = _writes_for(request.user, task.department_id)
    part = selectors.my_invitation(user=request.user, task=task)
    actions = [(a, statemachine.TRANSITIONS[a][2]) for a in statemachine.actions_from(task.status) if a in MANUAL_ACTIONS]
    return render(request, "inspections/task_detail.html", {
        "task": task, "steps": _steps(task), "can_write": can_write, "part": part,
        "participants": selectors.task_participants(task=task), "task_items": selectors.task_items(task=task),
        "transitions": selectors.task_transitions(task=task), "actions": actions if can_write else [],
        "filters": selectors.filter_summary(task.filters),
        "can_publish": can_write and task.status == TaskStatus.DRAFT,
    })


@require_POST
def task_publish(request: HttpRequest, pk: int) -> HttpResponse:
    task = access_task(user=request.user, pk=pk, write=True)
    try:
        services.task_publish(task=task, user=request.user)
    except TaskError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("任务已发布，认领邀请已发送给参与部门。"))
    return redirect("inspections:task", pk=task.pk)


@require_POST
def task_action(request: HttpRequest, pk: int) -> HttpResponse:
    task = access_task(user=request.user, pk=pk, write=True)
    form = TransitionForm(request.POST)
    if not form.is_valid() or form.cleaned_data["action"] not in MANUAL_ACTIONS:
        raise Http404
    try:
        services.task_transition(task=task, action=form.cleaned_data["action"], user=request.user,
                                 reason=form.cleaned_data["reason"])
    except TaskError as exc:
        messages.error(request, str(exc))
    return redirect("inspections:task", pk=task.pk)


def task_claim(request: HttpRequest, pk: int) -> HttpResponse:
    part = access_participation(user=request.user, task_pk=pk, write=True)
    items = selectors.claimable_items(part=part)
    form = ClaimForm(request.POST or None, items=items)
    if request.method == "POST" and form.is_valid():
        chosen = list(form.cleaned_data["items"])
        try:
            services.task_check_caps(part.task, extra_items=chosen)
            services.task_claim(part=part, user=request.user, items=chosen,
                                inspectors_per_entity=form.cleaned_data["inspectors_per_entity"])
        except TaskError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("已认领：%(title)s。") % {"title": part.task.title})
            return redirect("inspections:task", pk=pk)
    open_ = part.status == ParticipantStatus.INVITED and part.task.status == TaskStatus.PUBLISHED
    return render(request, "inspections/task_claim.html", {"part": part, "task": part.task, "form": form, "open": open_})


def task_decline(request: HttpRequest, pk: int) -> HttpResponse:
    part = access_participation(user=request.user, task_pk=pk, write=True)
    form = DeclineForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.task_decline(part=part, user=request.user, reason=form.cleaned_data["reason"])
        except TaskError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("已拒绝认领，发起部门已收到理由。"))
            return redirect("inspections:task", pk=pk)
    return render(request, "inspections/task_decline.html", {"part": part, "task": part.task, "form": form})

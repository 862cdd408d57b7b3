"""Staff pages of the inspector directory. Who may see and do what: ``inspectors.permissions``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from inspectors import permissions, selectors, services
from inspectors.forms import ConflictForm, DecisionForm, InspectorFilterForm, InspectorForm, LeaveForm
from inspectors.models import ConflictDeclaration


def _int(value: str | None) -> int:
    return int(value) if value and value.isdigit() and len(value) < 12 else 0


@dataclass(frozen=True)
class ConflictRow:
    conflict: ConflictDeclaration
    entity_name: str
    can_decide: bool


def _conflict_rows(user: Any, conflicts: list[ConflictDeclaration]) -> list[ConflictRow]:
    names = selectors.entity_names_for(conflicts)
    pending = ConflictDeclaration.Status.PENDING
    return [
        ConflictRow(c, names.get(c.entity_id, ""), c.status == pending and permissions.can_decide_conflict(user, c.inspector))
        for c in conflicts
    ]


@require_safe
def inspector_list(request: HttpRequest) -> HttpResponse:
    if not permissions.can_read_inspector_directory(request.user):
        raise Http404
    user = request.user
    form = InspectorFilterForm(
        request.GET,
        departments=selectors.departments_for_user(user=user),
        sections=selectors.sections_for_user(user=user),
        fields=selectors.field_list(),
    )
    after, before = _int(request.GET.get("after")), _int(request.GET.get("before"))
    size = selectors.PAGE_SIZE
    rows = selectors.inspector_page(
        user=user, filters=form.filters(), today=timezone.localdate(), after=after, before=before, size=size + 1
    )
    more = len(rows) > size
    rows = rows[1:] if before and more else rows[:size]
    return render(request, "inspectors/list.html", {
        "form": form,
        "inspectors": rows,
        "next_after": rows[-1].pk if rows and (more or before) else None,
        "prev_before": rows[0].pk if rows and (after or (before and more)) else None,
    })


@require_safe
def inspector_detail(request: HttpRequest, pk: int) -> HttpResponse:
    inspector = permissions.access_inspector(user=request.user, pk=pk)
    user = request.user
    conflicts = list(selectors.inspector_conflicts(inspector=inspector))
    can_write = permissions.is_dept_admin(user, inspector.department_id)
    can_declare = permissions.can_declare_conflict(user, inspector)
    return render(request, "inspectors/detail.html", {
        "inspector": inspector,
        "personal": permissions.personal_data(user=user, inspector=inspector),
        "fields": selectors.inspector_fields(inspector=inspector),
        "leaves": selectors.inspector_leaves(inspector=inspector),
        "conflict_rows": _conflict_rows(user, conflicts),
        "can_write": can_write,
        "can_declare": can_declare,
        "leave_form": LeaveForm() if can_write else None,
        "conflict_form": ConflictForm() if can_declare else None,
        "today": timezone.localdate(),
    })


def inspector_edit(request: HttpRequest, pk: int) -> HttpResponse:
    inspector = permissions.access_inspector(user=request.user, pk=pk, write=True)
    sections = inspector.department.sections.all()
    initial = {
        "section": inspector.section, "fields_": list(inspector.fields.all()), "is_expert": "1" if inspector.is_expert else "0",
        "expert_field": inspector.expert_field, "home_area": inspector.home_area,
        "cert_valid_until": inspector.cert_valid_until, "is_active": "1" if inspector.is_active else "0",
    }
    form = InspectorForm(request.POST or None, initial=initial, sections=sections)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data["fields"] = list(data.pop("fields_"))
        try:
            services.inspector_update(inspector=inspector, **data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("已保存。"))
            return redirect("inspectors:detail", pk=inspector.pk)
    return render(request, "inspectors/form.html", {"form": form, "inspector": inspector})


@require_POST
def leave_add(request: HttpRequest, pk: int) -> HttpResponse:
    inspector = permissions.access_inspector(user=request.user, pk=pk, write=True)
    form = LeaveForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(_("请填写有效的开始和结束日期。"))
        services.leave_add(inspector=inspector, **form.cleaned_data)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("已登记请假期间。"))
    return redirect("inspectors:detail", pk=inspector.pk)


@require_POST
def leave_remove(request: HttpRequest, pk: int) -> HttpResponse:
    leave = permissions.access_leave(user=request.user, pk=pk, write=True)
    services.leave_remove(leave=leave)
    messages.success(request, _("已删除请假期间。"))
    return redirect("inspectors:detail", pk=leave.inspector_id)


def conflict_declare(request: HttpRequest, pk: int) -> HttpResponse:
    inspector = permissions.access_inspector(user=request.user, pk=pk)
    if not permissions.can_declare_conflict(request.user, inspector):
        raise Http404
    form = ConflictForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.conflict_declare(inspector=inspector, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("已提交回避申报，等待科所长审批。"))
            return redirect("inspectors:detail", pk=inspector.pk)
    return render(request, "inspectors/conflict_form.html", {"form": form, "inspector": inspector})


@require_safe
def conflict_list(request: HttpRequest) -> HttpResponse:
    if not permissions.can_read_inspector_directory(request.user):
        raise Http404
    status = request.GET.get("status", ConflictDeclaration.Status.PENDING)
    status = status if status in ConflictDeclaration.Status.values else ""
    size = selectors.PAGE_SIZE
    rows = selectors.conflict_page(user=request.user, status=status, after=_int(request.GET.get("after")), size=size + 1)
    more, rows = len(rows) > size, rows[:size]
    return render(request, "inspectors/conflicts.html", {
        "conflict_rows": _conflict_rows(request.user, rows),
        "status": status,
        "statuses": ConflictDeclaration.Status.choices,
        "next_after": rows[-1].pk if more else None,
    })


@require_POST
def conflict_decide(request: HttpRequest, pk: int) -> HttpResponse:
    conflict = permissions.access_conflict(user=request.user, pk=pk, write=True)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        return HttpResponseBadRequest(_("请选择批准或不予批准。"))
    approve = form.cleaned_data["decision"] == "approve"
    try:
        services.conflict_decide(conflict=conflict, approve=approve, by=request.user, now=timezone.now())
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("已批准回避申报。") if approve else _("已不予批准回避申报。"))
    target = request.POST.get("next", "")
    if target == "list":
        return redirect("inspectors:conflicts")
    return redirect("inspectors:detail", pk=conflict.inspector_id)

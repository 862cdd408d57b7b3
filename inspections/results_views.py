"""Staff pages of results: the inspector's worklist and entry on a phone, the section chief's
review queue, files behind the access check, follow-ups, consequences, the history of other
inspections and the national-system export.

Who may see and do what: ``inspections.results_access`` (404 for missing and not-yours alike).
Every change goes through a service: ``inspections.results_flow``, ``inspections.results``,
``inspections.uploads``.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db.models import Q, QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from agencies.decorators import role_required
from agencies.models import DEPARTMENT_ROLES, OVERSIGHT_ROLES, Department, Role
from agencies.selectors import department_ids, sees_all_departments
from inspections import results_export, uploads
from inspections.models import CaseItem, FollowUp, InspectionItem, InspectionRecord, Result, Task, TaskItem
from inspections.results import ResultError, follow_up_add, follow_up_close, publication_deadline
from inspections.results_access import (
    STAFF_ROLES,
    access_attachment,
    access_case,
    access_entry,
    access_follow_up,
    access_result,
    case_writer_departments,
    entry_slots,
    may_add_follow_up,
    may_enter,
    may_review,
    readable_result_departments,
    team_of,
)
from inspections.results_flow import (
    case_decide,
    case_open,
    entry_save,
    entry_submit,
    history_record,
    no_report_sweep,
    review_approve,
    review_return,
    revocation_sweep,
    task_progress,
)
from inspections.results_forms import (
    CaseForm,
    CloseForm,
    DecideForm,
    FollowUpForm,
    HistoryForm,
    ResultForm,
    ReviewForm,
    SweepForm,
    result_initial,
)

LIST_LIMIT = 200


def _deadlines(tasks: set[Task]) -> dict[int, Any]:
    return {t.pk: publication_deadline(t) for t in tasks}


def _staff_departments(request: HttpRequest) -> QuerySet[Department]:
    wanted = readable_result_departments(request.user)
    qs = Department.objects.filter(is_active=True).order_by("code")
    return qs if wanted is None else qs.filter(pk__in=wanted)


# --- Entry -------------------------------------------------------------------------------------
@require_GET
@role_required(*DEPARTMENT_ROLES)
def worklist(request: HttpRequest) -> HttpResponse:
    slots = list(entry_slots(user=request.user)[:LIST_LIMIT])
    mine = Result.objects.filter(entered_by_id=request.user.pk).values_list("visit_id", "task_id", "status")
    states: dict[tuple[int, int], list[str]] = {}
    for visit_id, task_id, status in mine:
        states.setdefault((visit_id, task_id), []).append(status)
    returned = Result.objects.filter(entered_by_id=request.user.pk, status=Result.Status.RETURNED).select_related("item", "entity")
    deadlines = _deadlines({s.task for s in slots})
    rows = [{"slot": s, "statuses": states.get((s.visit_id, s.task_id), []), "deadline": deadlines[s.task_id]} for s in slots]
    return render(request, "inspections/results/worklist.html", {
        "rows": rows, "returned": returned,
        "is_chief": bool(department_ids(request.user, roles={Role.SECTION_CHIEF})),
    })


@require_GET
def visit_entry(request: HttpRequest, visit_pk: int, task_pk: int) -> HttpResponse:
    slot, inspector = access_entry(user=request.user, visit_pk=visit_pk, task_pk=task_pk)
    items = TaskItem.objects.filter(task=slot.task, department_id=inspector.department_id).select_related("item").order_by("item__code")
    results = {r.item_id: r for r in Result.objects.filter(visit=slot.visit, task=slot.task, department_id=inspector.department_id)}
    rows = [{"item": ti.item, "result": results.get(ti.item_id)} for ti in items]
    return render(request, "inspections/results/visit.html", {
        "slot": slot, "rows": rows, "deadline": publication_deadline(slot.task), "entity": slot.visit.entity, "team": team_of(slot),
    })


def _autosave(request: HttpRequest) -> bool:
    return request.headers.get("X-Autosave") == "1"


@require_http_methods(["GET", "POST"])
def item_entry(request: HttpRequest, visit_pk: int, task_pk: int, item_pk: int) -> HttpResponse:
    slot, inspector = access_entry(user=request.user, visit_pk=visit_pk, task_pk=task_pk)
    item = TaskItem.objects.filter(task=slot.task, department_id=inspector.department_id, item_id=item_pk).select_related("item").first()
    if item is None:
        raise Http404
    result = Result.objects.filter(visit=slot.visit, task=slot.task, department_id=inspector.department_id, item=item.item).first()
    form = ResultForm(request.POST or None, request.FILES or None, initial=result_initial(result) if result else None)
    if request.method == "POST" and form.is_valid():
        try:
            result = _save_entry(request, form, slot, inspector, item.item)
        except ResultError as exc:
            if _autosave(request):
                return JsonResponse({"ok": False, "error": str(exc)}, status=400)
            form.add_error(None, str(exc))
        else:
            return _after_save(request, result, slot)
    elif request.method == "POST" and _autosave(request):
        return JsonResponse({"ok": False, "error": " ".join(str(e) for errs in form.errors.values() for e in errs)}, status=400)
    return render(request, "inspections/results/entry.html", {
        "slot": slot, "item": item.item, "form": form, "result": result, "entity": slot.visit.entity,
        "locked": result is not None and result.status in (Result.Status.SUBMITTED, Result.Status.APPROVED),
        "max_mb": uploads.max_bytes() // 1048576,
    })


def _save_entry(request: HttpRequest, form: ResultForm, slot: Any, inspector: Any, item: InspectionItem) -> Result:
    token = form.cleaned_data.get("client_token") or ""
    existing = Result.objects.filter(visit=slot.visit, task=slot.task, department_id=inspector.department_id, item=item).first()
    if existing is not None and existing.status == Result.Status.SUBMITTED and token and token == existing.client_token:
        return existing  # the same submission, sent again after a dropped connection
    result = entry_save(slot=slot, inspector=inspector, item=item, user=request.user, data=form.service_data(), client_token=token)
    failed = []
    for upload in request.FILES.getlist("photos"):
        try:
            uploads.attachment_add(result=result, user=request.user, upload=upload)
        except ResultError as exc:
            failed.append(str(exc))
    if failed:
        raise ResultError(_("检查结果已保存为草稿，但有文件未能上传：") + " ".join(failed))
    if request.POST.get("action") == "submit":
        entry_submit(result=result, user=request.user, client_token=token)
    return result


def _after_save(request: HttpRequest, result: Result, slot: Any) -> HttpResponse:
    if _autosave(request):
        return JsonResponse({"ok": True, "result": result.pk, "version": result.version,
                             "saved_at": timezone.localtime().strftime("%H:%M:%S")})
    if result.status == Result.Status.SUBMITTED:
        messages.success(request, _("已提交审核。"))
        return redirect("results:visit", visit_pk=slot.visit_id, task_pk=slot.task_id)
    messages.success(request, _("草稿已保存。"))
    return redirect(request.path)


# --- Results, review and files -------------------------------------------------------------------
@require_GET
def result_detail(request: HttpRequest, pk: int) -> HttpResponse:
    result = access_result(user=request.user, pk=pk)
    return render(request, "inspections/results/detail.html", {
        "result": result, "reviews": result.reviews.select_related("actor"),
        "attachments": result.attachments.all(), "follow_ups": result.follow_ups.select_related("referred_to"),
        "review_form": ReviewForm() if may_review(request.user, result) and result.status == Result.Status.SUBMITTED else None,
        "follow_up_form": FollowUpForm() if may_add_follow_up(request.user, result) and result.status == Result.Status.APPROVED else None,
        "may_edit": may_enter(request.user, result) and result.status in (Result.Status.DRAFT, Result.Status.RETURNED),
        "deadline": publication_deadline(result.task),
    })


@require_POST
def result_review(request: HttpRequest, pk: int) -> HttpResponse:
    result = access_result(user=request.user, pk=pk, review=True)
    form = ReviewForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请选择审核结论。"))
        return redirect("results:detail", pk=pk)
    try:
        if form.cleaned_data["decision"] == "approve":
            review_approve(result=result, user=request.user, opinion=form.cleaned_data["opinion"])
            messages.success(request, _("已审核通过，结果将在后台公示。"))
        else:
            review_return(result=result, user=request.user, opinion=form.cleaned_data["opinion"])
            messages.success(request, _("已退回修改。"))
    except ResultError as exc:
        messages.error(request, str(exc))
        return redirect("results:detail", pk=pk)
    return redirect("results:review")


@require_GET
def attachment_download(request: HttpRequest, pk: int) -> FileResponse:
    attachment = access_attachment(user=request.user, pk=pk)
    inline = attachment.content_type in uploads.IMAGE_TYPES or attachment.content_type == "application/pdf"
    response = FileResponse(uploads.attachment_open(attachment), content_type=attachment.content_type,
                            as_attachment=not inline, filename=attachment.original_name)
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'; img-src 'self'; style-src 'unsafe-inline'"
    return response


@require_GET
def review_queue(request: HttpRequest) -> HttpResponse:
    departments = readable_result_departments(request.user)
    if departments == set():
        raise Http404
    qs = Result.objects.filter(status=Result.Status.SUBMITTED).select_related("task", "item", "entity", "department", "entered_by")
    if departments is not None:
        qs = qs.filter(department_id__in=departments)
    pending = list(qs.order_by("task__window_end", "task_id", "entity_id")[:LIST_LIMIT])
    deadlines = _deadlines({r.task for r in pending})
    for r in pending:
        r.deadline = deadlines[r.task_id]  # type: ignore[attr-defined]
    chief_of = department_ids(request.user, roles={Role.SECTION_CHIEF})
    return render(request, "inspections/results/review_queue.html", {"pending": pending, "chief_of": chief_of})


@require_GET
def task_results(request: HttpRequest, pk: int) -> HttpResponse:
    from inspections.permissions import access_task

    task = access_task(user=request.user, pk=pk)
    departments = readable_result_departments(request.user)
    qs = Result.objects.filter(task=task).select_related("item", "entity", "department").order_by("entity_id", "item__code")
    if departments is not None:
        qs = qs.filter(department_id__in=departments)
    return render(request, "inspections/results/task_results.html", {
        "task": task, "results": qs[:LIST_LIMIT], "progress": task_progress(task), "deadline": publication_deadline(task),
    })


# --- Follow-ups ----------------------------------------------------------------------------------
@require_POST
def follow_up_create(request: HttpRequest, pk: int) -> HttpResponse:
    result = access_result(user=request.user, pk=pk)
    if not may_add_follow_up(request.user, result):
        raise Http404
    form = FollowUpForm(request.POST)
    if form.is_valid():
        try:
            follow_up_add(result=result, user=request.user, measure=form.cleaned_data["measure"],
                          note=form.cleaned_data["note"], referred_to=form.cleaned_data["referred_to"])
            messages.success(request, _("后续处置已登记。"))
        except ResultError as exc:
            messages.error(request, str(exc))
    return redirect("results:detail", pk=pk)


@require_GET
@role_required(*DEPARTMENT_ROLES, *OVERSIGHT_ROLES)
def follow_up_list(request: HttpRequest) -> HttpResponse:
    mine = readable_result_departments(request.user)
    qs = FollowUp.objects.select_related("result", "result__entity", "result__department", "referred_to")
    if mine is not None:
        qs = qs.filter(Q(result__department_id__in=mine) | Q(referred_to_id__in=mine))
    show = request.GET.get("show", "open")
    if show != "all":
        qs = qs.filter(closed_on__isnull=True)
    return render(request, "inspections/results/follow_ups.html", {
        "follow_ups": qs.order_by("closed_on", "created_at")[:LIST_LIMIT], "show": show, "mine": mine or set(),
    })


@require_http_methods(["GET", "POST"])
def follow_up_detail(request: HttpRequest, pk: int) -> HttpResponse:
    follow_up = access_follow_up(user=request.user, pk=pk, write=request.method == "POST")
    form = CloseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            follow_up_close(follow_up=follow_up, user=request.user, note=form.cleaned_data["note"], on=form.cleaned_data["closed_on"])
            messages.success(request, _("已完结。"))
            return redirect("results:follow_up", pk=pk)
        except ResultError as exc:
            form.add_error(None, str(exc))
    writable = {follow_up.result.department_id, follow_up.referred_to_id} & case_writer_departments(request.user)
    return render(request, "inspections/results/follow_up.html", {"follow_up": follow_up, "form": form if writable else None})


# --- Consequences --------------------------------------------------------------------------------
@require_GET
def case_list(request: HttpRequest) -> HttpResponse:
    mine = readable_result_departments(request.user)
    if mine == set():
        raise Http404
    kind, writable = request.GET.get("kind", ""), case_writer_departments(request.user)
    qs = CaseItem.objects.select_related("entity", "department")
    if mine is not None:
        qs = qs.filter(department_id__in=mine)
    if kind in CaseItem.Kind.values:
        qs = qs.filter(kind=kind)
    return render(request, "inspections/results/cases.html", {
        "cases": qs.order_by("status", "due")[:LIST_LIMIT], "kind": kind, "kinds": CaseItem.Kind.choices,
        "today": timezone.localdate(), "may_create": bool(writable),
        "sweep_form": SweepForm(departments=Department.objects.filter(pk__in=writable).order_by("code")) if writable else None,
    })


@require_http_methods(["GET", "POST"])
def case_create(request: HttpRequest) -> HttpResponse:
    departments = Department.objects.filter(pk__in=case_writer_departments(request.user)).order_by("code")
    if not departments.exists():
        raise Http404
    form = CaseForm(request.POST or None, departments=departments)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            case = case_open(kind=d["kind"], entity_id=d["entity"], department=d["department"], reason=d["reason"], clock_start=d["clock_start"])
            messages.success(request, _("已加入办理清单。"))
            return redirect("results:case", pk=case.pk)
        except ResultError as exc:
            form.add_error(None, str(exc))
    return render(request, "inspections/results/case_form.html", {"form": form})


@require_http_methods(["GET", "POST"])
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    case = access_case(user=request.user, pk=pk, write=request.method == "POST")
    form = DecideForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            case_decide(case=case, user=request.user, decision=form.cleaned_data["decision"], on=form.cleaned_data["decided_on"])
            messages.success(request, _("决定已记录。"))
            return redirect("results:case", pk=pk)
        except ResultError as exc:
            form.add_error(None, str(exc))
    writable = case.department_id in case_writer_departments(request.user) and case.status == CaseItem.Status.OPEN
    return render(request, "inspections/results/case.html", {"case": case, "form": form if writable else None, "today": timezone.localdate()})


@require_POST
def case_sweep(request: HttpRequest) -> HttpResponse:
    departments = Department.objects.filter(pk__in=case_writer_departments(request.user)).order_by("code")
    if not departments.exists():
        raise Http404
    form = SweepForm(request.POST, departments=departments)
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
        return redirect("results:cases")
    d, today = form.cleaned_data, timezone.localdate()
    try:
        if d["kind"] == "no_report":
            n = no_report_sweep(department=d["department"], report_year=d["report_year"] or today.year - 1, today=today)
        else:
            n = revocation_sweep(department=d["department"], today=today)
        messages.success(request, _("筛查完成，新增 %(n)s 条待办。") % {"n": n})
    except ResultError as exc:
        messages.error(request, str(exc))
    return redirect(f"{reverse('results:cases')}?kind={d['kind']}")


# --- Other inspections and the export ------------------------------------------------------------
@require_http_methods(["GET", "POST"])
def history(request: HttpRequest) -> HttpResponse:
    mine = readable_result_departments(request.user)
    if mine == set():
        raise Http404
    writable = Department.objects.filter(pk__in=case_writer_departments(request.user)).order_by("code")
    form = HistoryForm(request.POST or None, departments=writable) if writable.exists() else None
    if request.method == "POST":
        if form is None:
            raise Http404
        if form.is_valid():
            d = form.cleaned_data
            try:
                history_record(department=d["department"], entity_id=d["entity"], kind=d["kind"], inspected_on=d["inspected_on"],
                               user=request.user, item=d["item"], inspectors=list(d["inspectors"]))
                messages.success(request, _("检查记录已登记。"))
                return redirect("results:history")
            except ResultError as exc:
                form.add_error(None, str(exc))
    qs = InspectionRecord.objects.select_related("department", "item", "entity").order_by("-inspected_on", "-id")
    if mine is not None:
        qs = qs.filter(department_id__in=mine)
    return render(request, "inspections/results/history.html", {"records": qs[:LIST_LIMIT], "form": form})


@require_GET
def export(request: HttpRequest) -> HttpResponse:
    mine = readable_result_departments(request.user)
    if mine == set():
        raise Http404
    codes = None if sees_all_departments(request.user) else list(Department.objects.filter(pk__in=department_ids(request.user, roles=STAFF_ROLES)).values_list("code", flat=True))
    year = request.GET.get("year", "")
    records = results_export.published_results(department_codes=codes, year=int(year) if year.isdigit() and len(year) == 4 else None)
    if request.GET.get("format") == "csv":
        return HttpResponse(results_export.export_csv(records), content_type="text/csv; charset=utf-8",
                            headers={"Content-Disposition": 'attachment; filename="national-results.csv"'})
    return HttpResponse(results_export.export_xlsx(records),
                        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                        headers={"Content-Disposition": 'attachment; filename="national-results.xlsx"'})

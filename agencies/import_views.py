"""Import pages: recent jobs, upload, preview with progress, the error report, the templates.

The flow itself lives in ``core.imports``; these pages parse, check access, call it and render.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST, require_safe

from agencies.decorators import role_required
from agencies.import_access import (
    IMPORT_ROLES,
    access_import_job,
    can_act_on_import_job,
    import_departments,
    import_job_list_for_user,
)
from agencies.models import DEPARTMENT_ROLES, OVERSIGHT_ROLES, Department
from core.imports import (
    RUNNING,
    ImportAdapter,
    ImportRefused,
    import_job_cancel,
    import_job_confirm,
    import_job_create,
    import_kind,
    import_kinds,
    import_progress,
    import_template_xlsx,
)
from core.models import ImportJob

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class ImportUploadForm(forms.Form):
    department = forms.ModelChoiceField(label=gettext_lazy("导入到部门"), queryset=Department.objects.none(),
                                        empty_label=None)
    file = forms.FileField(label=gettext_lazy("文件"),
                           help_text=gettext_lazy("xlsx 或 CSV（UTF-8 或 GBK 编码），不超过 200 MB。"),
                           widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}))
    mode = forms.ChoiceField(label=gettext_lazy("导入方式"), choices=ImportJob.Mode.choices,
                             initial=ImportJob.Mode.ALL_OR_NOTHING, widget=forms.RadioSelect)

    def __init__(self, *args: Any, departments: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["department"]
        field.queryset = departments  # type: ignore[attr-defined]
        if len(departments) == 1:  # one department: nothing to choose
            field.initial, field.widget, field.disabled = departments[0].pk, forms.HiddenInput(), True


def _adapter(kind: str) -> ImportAdapter:
    try:
        return import_kind(kind)
    except KeyError:
        raise Http404 from None


@role_required(*DEPARTMENT_ROLES, *OVERSIGHT_ROLES)
@require_safe
def home(request: HttpRequest) -> HttpResponse:
    may_start = import_departments(request.user).exists()
    return render(request, "core/imports/home.html", {
        "jobs": import_job_list_for_user(user=request.user)[:20],
        "kinds": import_kinds() if may_start else {},
    })


@role_required(*IMPORT_ROLES)
def new(request: HttpRequest, kind: str) -> HttpResponse:
    adapter = _adapter(kind)
    departments = import_departments(request.user)
    form = ImportUploadForm(request.POST or None, request.FILES or None, departments=departments)
    if request.method == "POST" and form.is_valid():
        try:
            job = import_job_create(kind=kind, department=form.cleaned_data["department"], user=request.user,
                                    upload=form.cleaned_data["file"], mode=form.cleaned_data["mode"])
        except ImportRefused as exc:
            form.add_error("file", str(exc))
        else:
            return redirect("imports:job", pk=job.pk)
    return render(request, "core/imports/new.html", {"form": form, "kind": kind, "adapter": adapter})


@require_safe
def job_detail(request: HttpRequest, pk: int) -> HttpResponse:
    job = access_import_job(user=request.user, pk=pk)
    return render(request, "core/imports/detail.html", {
        "job": job,
        "adapter": _adapter(job.kind),
        "can_act": can_act_on_import_job(request.user, job),
        "progress": import_progress(job=job),
        "running": job.status in RUNNING,
    })


@require_POST
def job_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    job = access_import_job(user=request.user, pk=pk, write=True)
    try:
        import_job_confirm(job=job, user=request.user)
    except ImportRefused as exc:
        messages.error(request, str(exc))
    return redirect("imports:job", pk=job.pk)


@require_POST
def job_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    job = access_import_job(user=request.user, pk=pk, write=True)
    try:
        import_job_cancel(job=job, user=request.user)
    except ImportRefused as exc:
        messages.error(request, str(exc))
    else:
        messages.info(request, _("已取消，未写入任何数据。"))
    return redirect("imports:job", pk=job.pk)


@require_safe
def job_progress(request: HttpRequest, pk: int) -> JsonResponse:
    job = access_import_job(user=request.user, pk=pk)
    return JsonResponse(import_progress(job=job))


@require_safe
def job_errors(request: HttpRequest, pk: int) -> FileResponse:
    job = access_import_job(user=request.user, pk=pk)
    if not job.error_report or not job.error_report.storage.exists(job.error_report.name):
        raise Http404
    return FileResponse(job.error_report.open("rb"), as_attachment=True, filename=f"导入错误报告-{job.pk}.csv",
                        content_type="text/csv; charset=utf-8")


@role_required(*IMPORT_ROLES)
@require_safe
def template(request: HttpRequest, kind: str) -> HttpResponse:
    adapter = _adapter(kind)
    response = HttpResponse(import_template_xlsx(kind=kind), content_type=XLSX)
    filename = _("%(label)s导入模板") % {"label": adapter.label}
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=f"{filename}.xlsx") or ""
    return response

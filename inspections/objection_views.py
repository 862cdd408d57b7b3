"""Staff pages for objections (异议): the department's list, one objection, the decision.

Who may see and do what: ``inspections.objections.access_objection`` (404 for missing and
not-yours alike). The decision goes through ``inspections.objections.objection_decide``.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST, require_safe

from agencies.selectors import department_ids, sees_all_departments
from core.models import PublicationRecord
from inspections import objections as service
from inspections.models import Objection, ResultCategory


class DecisionForm(forms.Form):
    outcome = forms.ChoiceField(
        label=gettext_lazy("处理结论"), widget=forms.RadioSelect,
        choices=[("accept", gettext_lazy("异议成立，更正公示结果")), ("reject", gettext_lazy("异议不成立，维持原结果"))],
    )
    categories = forms.MultipleChoiceField(
        label=gettext_lazy("更正后的检查结果（异议成立时填写）"), required=False, widget=forms.CheckboxSelectMultiple,
        choices=ResultCategory.choices,
    )
    decision = forms.CharField(label=gettext_lazy("处理意见（将随公示结果一并公开）"), widget=forms.Textarea(attrs={"rows": 4}), max_length=2000)


@require_safe
def objection_list(request: HttpRequest) -> HttpResponse:
    if not (department_ids(request.user) or sees_all_departments(request.user)):
        raise Http404
    status = request.GET.get("status", "")
    status = status if status in Objection.Status.values else ""
    rows = service.objections_for_user(user=request.user, status=status)[:200]
    return render(request, "inspections/objections/list.html",
                  {"rows": rows, "status": status, "statuses": Objection.Status.choices})


@require_safe
def objection_detail(request: HttpRequest, pk: int) -> HttpResponse:
    objection = service.access_objection(user=request.user, pk=pk)
    may_decide = objection.department_id in department_ids(request.user, roles=service.DECIDERS)
    versions = PublicationRecord.objects.filter(public_id=objection.public_id).order_by("version")
    return render(request, "inspections/objections/detail.html", {
        "objection": objection, "versions": versions, "form": DecisionForm(),
        "may_decide": may_decide and objection.status == Objection.Status.RECEIVED,
    })


@require_POST
def objection_decide(request: HttpRequest, pk: int) -> HttpResponse:
    objection = service.access_objection(user=request.user, pk=pk, write=True)
    form = DecisionForm(request.POST)
    if form.is_valid():
        try:
            service.objection_decide(
                objection=objection, user=request.user, accept=form.cleaned_data["outcome"] == "accept",
                decision=form.cleaned_data["decision"], categories=form.cleaned_data["categories"],
            )
        except service.ObjectionRefused as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("已处理异议 %(ref)s，公示记录已更新。") % {"ref": objection.reference})
            return redirect("objections:detail", pk=objection.pk)
    versions = PublicationRecord.objects.filter(public_id=objection.public_id).order_by("version")
    return render(request, "inspections/objections/detail.html",
                  {"objection": objection, "versions": versions, "form": form, "may_decide": True}, status=400)


@require_safe
def objection_attachment(request: HttpRequest, pk: int) -> FileResponse:
    objection = service.access_objection(user=request.user, pk=pk)
    if not objection.attachment:
        raise Http404
    return FileResponse(objection.attachment.open("rb"), as_attachment=True,
                        filename=f"{objection.reference}.{objection.attachment.name.rsplit('.', 1)[-1]}",
                        content_type=objection.attachment_type or "application/octet-stream")

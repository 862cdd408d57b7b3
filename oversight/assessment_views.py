"""Assessment pages: KPIs and ranking per period, reports as Excel and PDF, and the weights.

Read: the office, discipline and the assessor. Write (weights): the office only.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from agencies.decorators import role_required
from agencies.models import Role
from oversight.assessment import PERIODS, Period, compute_assessment, current_weights
from oversight.assessment_reports import assessment_xlsx
from oversight.letter_forms import PeriodForm, WeightsForm
from oversight.letter_permissions import is_office, reads_assessment
from oversight.letter_services import OversightError, scheme_save
from oversight.models import AssessmentScheme
from oversight.pdf import assessment_pdf

READERS = (Role.OFFICE, Role.DISCIPLINE, Role.ASSESSOR)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _period(request: HttpRequest) -> Period:
    today = timezone.localdate()
    form = PeriodForm(request.GET or {"year": today.year, "period": "h1" if today.month <= 6 else "year"})
    if not form.is_valid():
        raise Http404
    return Period(form.cleaned_data["year"], form.cleaned_data["period"])


def _compute(period: Period) -> Any:
    return compute_assessment(start=period.start, end=period.end)


@role_required(*READERS)
@require_safe
def assessment(request: HttpRequest) -> HttpResponse:
    period = _period(request)
    result = _compute(period)
    return render(request, "oversight/assessment/index.html", {
        "period": period, "result": result, "periods": PERIODS.items(), "may_edit": is_office(request.user),
        "years": range(timezone.localdate().year, timezone.localdate().year - 5, -1),
        "scheme": AssessmentScheme.objects.filter(is_current=True).first(),
    })


@role_required(*READERS)
@require_safe
def assessment_report(request: HttpRequest, fmt: str) -> HttpResponse:
    period = _period(request)
    title = _("%(label)s 双随机、一公开监管工作考核报告") % {"label": period.label}
    if fmt == "xlsx":
        response = HttpResponse(assessment_xlsx(_compute(period), title=title), content_type=XLSX)
    elif fmt == "pdf":
        response = HttpResponse(assessment_pdf(_compute(period), title=title), content_type="application/pdf")
    else:
        raise Http404
    response["Content-Disposition"] = f'attachment; filename="assessment-{period.year}-{period.kind}.{fmt}"'
    return response


@role_required(*READERS)
def assessment_weights(request: HttpRequest) -> HttpResponse:
    """Everyone who reads the assessment sees the weights; only the office changes them."""
    if request.method == "POST" and not is_office(request.user):
        raise Http404
    current = AssessmentScheme.objects.filter(is_current=True).first()
    initial = {"name": current.name if current else _("考核方案"), **{f"w_{k}": w for k, w in current_weights().items()}}
    form = WeightsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            scheme_save(user=request.user, name=form.cleaned_data["name"], note=form.cleaned_data["note"], weights=form.weights())
        except OversightError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("权重已保存；此前的方案留档备查。"))
            return redirect("oversight:assessment_weights")
    history = AssessmentScheme.objects.select_related("updated_by").order_by("-updated_at")[:20]
    return render(request, "oversight/assessment/weights.html", {
        "form": form, "may_edit": is_office(request.user), "history": history, "reads": reads_assessment(request.user),
    })

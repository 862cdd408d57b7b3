from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from agencies import selectors, services
from agencies.decorators import role_required
from agencies.forms import SectionForm
from agencies.models import DEPARTMENT_ROLES, Department, Role
from agencies.navigation import landing_url
from agencies.permissions import access_department, access_section, can_write_department
from core.models import OutboxItem
from core.outbox import outbox_enqueue
from core.selectors import audit_entries, feed_for_user


@role_required(*DEPARTMENT_ROLES)
@require_safe
def workspace(request: HttpRequest) -> HttpResponse:
    memberships = [m for m in selectors.memberships_of(request.user) if m.role in DEPARTMENT_ROLES]
    departments = {m.department_id: m.department for m in memberships}
    return render(
        request,
        "agencies/workspace.html",
        {
            "memberships": memberships,
            "departments": list(departments.values()),
            "feed": feed_for_user(user=request.user)[:8],
        },
    )


@require_safe
def department_detail(request: HttpRequest, pk: int) -> HttpResponse:
    department = access_department(user=request.user, pk=pk)
    return render(
        request,
        "agencies/department_detail.html",
        {
            "department": department,
            "sections": selectors.section_list(department=department),
            "people": selectors.people_of_department(department=department),
            "can_write": can_write_department(request.user, department.pk),
        },
    )


def section_edit(request: HttpRequest, pk: int | None = None, department_pk: int | None = None) -> HttpResponse:
    section = access_section(user=request.user, pk=pk, write=True) if pk else None
    department: Department = section.department if section else access_department(
        user=request.user, pk=department_pk or 0, write=True
    )
    initial = {"code": section.code, "name": section.name, "kind": section.kind, "area": section.area} if section else {}
    form = SectionForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.section_save(department=department, section=section, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error("code", exc)
        else:
            messages.success(request, _("已保存。"))
            return redirect("agencies:department", pk=department.pk)
    return render(request, "agencies/section_form.html", {"form": form, "department": department, "section": section})


@role_required(Role.OFFICE)
@require_safe
def office(request: HttpRequest) -> HttpResponse:
    """The office's landing page: every department's live progress is the oversight dashboard."""
    return redirect("oversight:dashboard")


@role_required(Role.ASSESSOR)
@require_safe
def assessment(request: HttpRequest) -> HttpResponse:
    """The assessor's landing page: the KPIs and reports live in the oversight app."""
    return redirect("oversight:assessment")


@role_required(Role.SUPERIOR)
@require_safe
def superior(request: HttpRequest) -> HttpResponse:
    return render(request, "agencies/superior.html")


@role_required(Role.DISCIPLINE, Role.OFFICE)
@require_safe
def discipline(request: HttpRequest) -> HttpResponse:
    """Oversight reads the audit trail and can have the whole chain checked in the background."""
    before = request.GET.get("before")
    entries = audit_entries()
    if before and before.isdigit():
        entries = entries.filter(seq__lt=int(before))
    page = list(entries[:50])
    checks = OutboxItem.objects.filter(handler="core.verify_audit").order_by("-id")[:5]
    return render(
        request,
        "agencies/discipline.html",
        {"entries": page, "next_before": page[-1].seq if len(page) == 50 else None, "checks": checks},
    )


@role_required(Role.DISCIPLINE, Role.OFFICE)
def audit_verify(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return redirect("agencies:discipline")
    outbox_enqueue(handler="core.verify_audit", payload={}, user=request.user)
    messages.info(request, _("已提交审计链核验，结果稍后显示在下方。"))
    return redirect("agencies:discipline")


@login_not_required
@require_safe
def home(request: HttpRequest) -> HttpResponse:
    return redirect(landing_url(request.user))

"""The office's on-site guidance and training sessions for departments, with attendance.

Who may see and do what: ``oversight.guidance_permissions``. Every change: ``oversight.guidance_services``.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from agencies.decorators import role_required
from agencies.models import DEPARTMENT_ROLES, Role
from agencies.selectors import department_ids
from oversight import guidance_services as services
from oversight.guidance_forms import GuidanceForm
from oversight.guidance_permissions import (
    access_guidance,
    guidance_readable_by,
    may_write_guidance,
    reads_all_guidance,
)
from oversight.letter_services import OversightError


@require_safe
def guidance_list(request: HttpRequest) -> HttpResponse:
    if not (reads_all_guidance(request.user) or department_ids(request.user, roles=DEPARTMENT_ROLES)):
        raise Http404
    sessions = guidance_readable_by(request.user).prefetch_related("departments").order_by("-held_on", "-id")
    return render(request, "oversight/guidance/list.html", {
        "sessions": sessions[:200], "may_create": may_write_guidance(request.user),
    })


@role_required(Role.OFFICE)
def guidance_create(request: HttpRequest) -> HttpResponse:
    form = GuidanceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            session = services.guidance_create(user=request.user, **form.cleaned_data)
        except OversightError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("指导培训已登记并通知参加部门。"))
            return redirect("oversight:guidance_session", pk=session.pk)
    return render(request, "oversight/guidance/form.html", {"form": form})


@require_safe
def guidance_detail(request: HttpRequest, pk: int) -> HttpResponse:
    session = access_guidance(user=request.user, pk=pk)
    attended = {a.user_id: a for a in session.attendances.select_related("user", "department")}
    may_write = may_write_guidance(request.user)
    people = services.guidance_people(session=session) if may_write else []
    return render(request, "oversight/guidance/detail.html", {
        "session": session, "departments": session.departments.order_by("code"),
        "attendances": list(attended.values()), "attended_ids": set(attended), "people": people, "may_write": may_write,
    })


@require_POST
def guidance_attendance(request: HttpRequest, pk: int) -> HttpResponse:
    session = access_guidance(user=request.user, pk=pk, write=True)
    try:
        ids = [int(v) for v in request.POST.getlist("attendees")]
        count = services.guidance_attendance_set(session=session, user=request.user, attendee_ids=ids)
    except (ValueError, OversightError) as exc:
        messages.error(request, str(exc) if isinstance(exc, OversightError) else _("出勤记录无效。"))
    else:
        messages.success(request, _("出勤已记录：%(count)s人。") % {"count": count})
    return redirect("oversight:guidance_session", pk=pk)

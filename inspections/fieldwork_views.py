"""Pages from the draw to the door: visits and their teams, the combined sheet, the notice (staff
side and the entity's token page), trainings for drawn entities and follow-up visits.

Doors: ``inspections.fieldwork_permissions``. Writes: ``inspections.fieldwork_services`` and
``inspections.notices``. Refusals come back as messages on the page they were asked from.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from agencies.decorators import role_required
from agencies.models import DEPARTMENT_ROLES, OVERSIGHT_ROLES, Department
from agencies.selectors import department_ids, sees_all_departments
from inspections import fieldwork_services as svc
from inspections import notices
from inspections.fieldwork_forms import (
    AgreedDateForm,
    AvoidanceForm,
    ChiefForm,
    ConfirmForm,
    DeliveryForm,
    FeedbackForm,
    InviteForm,
    MemberForm,
    ProposeForm,
    TrainingForm,
)
from inspections.fieldwork_permissions import (
    WRITER_ROLES,
    access_feedback_task,
    access_team_member,
    access_training,
    access_visit,
    chief_departments,
    may_organise,
    may_staff_team,
    visit_department_ids,
)
from inspections.models import EntityFeedback, InspectionItem, Notice, TrainingSession, Visit
from inspections.permissions import access_task
from inspections.selectors import task_list_for_user

PAGE = 200


def _posted(request: HttpRequest) -> Any:
    return request.POST if request.method == "POST" else None


def _refused(request: HttpRequest, action: Callable[[], Any], done: str) -> bool:
    try:
        action()
    except svc.FieldworkRefused as exc:
        messages.error(request, str(exc))
        return False
    messages.success(request, done)
    return True


def _form_errors(request: HttpRequest, form: Any) -> None:
    for errors in form.errors.values():
        messages.error(request, " ".join(errors))


# --- Visits and teams ----------------------------------------------------------------------------
@require_safe
def task_visits(request: HttpRequest, task_id: int) -> HttpResponse:
    task = access_task(user=request.user, pk=task_id)
    after = request.GET.get("after", "")
    rows = list(svc.visits_of_task(task=task).filter(entity_id__gt=after).select_related("entity")[: PAGE + 1])
    return render(request, "inspections/fieldwork/task_visits.html", {
        "task": task, "visits": rows[:PAGE], "next": rows[PAGE - 1].entity_id if len(rows) > PAGE else "",
    })


def _notice_or_none(visit: Visit) -> Notice | None:
    return Notice.objects.filter(visit=visit).select_related("issued_by").first()


@require_safe
def visit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    visit = access_visit(user=request.user, pk=pk)
    departments = Department.objects.filter(pk__in=visit_department_ids(visit)).order_by("code")
    items = InspectionItem.objects.filter(pk__in=svc.visit_items(visit=visit).values("item_id"))
    notice = _notice_or_none(visit)
    status = notices.notice_status(notice) if notice else None
    proposed = dict(zip(("first", "second", "third"), notice.proposed_dates, strict=False)) if notice else {}
    entity_wish = status["proposal"].date if status and status["proposal"] else None
    return render(request, "inspections/fieldwork/visit.html", {
        "visit": visit, "tasks": svc.visit_tasks(visit=visit), "items": notices.notice_items(visit=visit),
        "team": svc.team_of(visit=visit), "check": svc.team_check(visit=visit), "notice": notice,
        "status": status,
        "organiser": may_organise(request.user, visit), "staffer": may_staff_team(request.user, visit),
        "chief_of": chief_departments(request.user, visit),
        "member_form": MemberForm(departments=departments, items=items), "chief_form": ChiefForm(),
        "propose_form": ProposeForm(initial=proposed), "delivery_form": DeliveryForm(),
        "date_form": AgreedDateForm(initial={"day": entity_wish, "note": _("同意主体建议的日期") if entity_wish else ""}),
    })


@require_POST
def team_build(request: HttpRequest, pk: int) -> HttpResponse:
    visit = access_visit(user=request.user, pk=pk, write=True)
    _refused(request, lambda: svc.team_build(visit=visit, user=request.user), _("已按人员匹配结果组建检查组。"))
    return redirect("fieldwork:visit", visit.pk)


@require_POST
def member_add(request: HttpRequest, pk: int) -> HttpResponse:
    visit = access_visit(user=request.user, pk=pk, team=True)
    departments = Department.objects.filter(pk__in=visit_department_ids(visit))
    items = InspectionItem.objects.filter(pk__in=svc.visit_items(visit=visit).values("item_id"))
    form = MemberForm(request.POST, departments=departments, items=items)
    if form.is_valid():
        _refused(request, lambda: svc.team_member_add(visit=visit, user=request.user, **form.cleaned_data), _("已添加。"))
    else:
        _form_errors(request, form)
    return redirect("fieldwork:visit", visit.pk)


@require_POST
def chief_join(request: HttpRequest, pk: int) -> HttpResponse:
    visit = access_visit(user=request.user, pk=pk)
    mine = chief_departments(request.user, visit)
    form = ChiefForm(request.POST)
    if not mine:
        raise Http404
    if form.is_valid():
        _refused(request, lambda: svc.team_chief_join(visit=visit, user=request.user, department=mine[0], mode=form.cleaned_data["mode"]),
                 _("已登记科所长参与本检查组。"))
    return redirect("fieldwork:visit", visit.pk)


@require_POST
def member_leader(request: HttpRequest, pk: int) -> HttpResponse:
    member = access_team_member(user=request.user, pk=pk, write=True)
    _refused(request, lambda: svc.team_set_leader(member=member, user=request.user), _("已设为组长。"))
    return redirect("fieldwork:visit", member.visit_id)


@require_POST
def member_remove(request: HttpRequest, pk: int) -> HttpResponse:
    member = access_team_member(user=request.user, pk=pk, team=True)
    _refused(request, lambda: svc.team_member_remove(member=member, user=request.user), _("已移出检查组。"))
    return redirect("fieldwork:visit", member.visit_id)


@require_safe
def visit_sheet(request: HttpRequest, pk: int) -> HttpResponse:
    """联合总表: one sheet for the leader, every department's items and people at this door."""
    visit = access_visit(user=request.user, pk=pk)
    return render(request, "inspections/fieldwork/sheet.html", {
        "visit": visit, "tasks": svc.visit_tasks(visit=visit), "items": notices.notice_items(visit=visit),
        "team": svc.team_of(visit=visit), "check": svc.team_check(visit=visit), "notice": _notice_or_none(visit),
        "printed_at": timezone.localtime(),
    })


# --- Notices, staff side -------------------------------------------------------------------------
@require_POST
def notice_issue(request: HttpRequest, pk: int) -> HttpResponse:
    visit = access_visit(user=request.user, pk=pk, write=True)
    form = ProposeForm(request.POST)
    if form.is_valid():
        _refused(request, lambda: notices.notice_issue(visit=visit, user=request.user, proposed=form.dates()), _("检查通知书已生成。"))
    else:
        _form_errors(request, form)
    return redirect("fieldwork:visit", visit.pk)


def _staff_notice(request: HttpRequest, pk: int, write: bool = False) -> Notice:
    visit = access_visit(user=request.user, pk=pk, write=write)
    notice = _notice_or_none(visit)
    if notice is None:
        raise Http404
    return notice


@require_POST
def notice_delivery(request: HttpRequest, pk: int) -> HttpResponse:
    notice = _staff_notice(request, pk, write=True)
    form = DeliveryForm(request.POST)
    if form.is_valid():
        _refused(request, lambda: notices.notice_record_delivery(notice=notice, user=request.user, **form.cleaned_data), _("已登记送达。"))
    return redirect("fieldwork:visit", pk)


@require_POST
def notice_dates(request: HttpRequest, pk: int) -> HttpResponse:
    notice = _staff_notice(request, pk, write=True)
    form = ProposeForm(request.POST)
    if form.is_valid():
        _refused(request, lambda: notices.notice_repropose(notice=notice, user=request.user, proposed=form.dates()), _("已修改拟检查日期。"))
    else:
        _form_errors(request, form)
    return redirect("fieldwork:visit", pk)


@require_POST
def notice_date(request: HttpRequest, pk: int) -> HttpResponse:
    notice = _staff_notice(request, pk, write=True)
    form = AgreedDateForm(request.POST)
    if form.is_valid():
        _refused(request, lambda: notices.notice_record_date(notice=notice, user=request.user, **form.cleaned_data), _("已登记约定检查日期。"))
    else:
        _form_errors(request, form)
    return redirect("fieldwork:visit", pk)


@require_safe
def notice_view(request: HttpRequest, pk: int) -> HttpResponse:
    notice = _staff_notice(request, pk)
    content = notices.notice_content(notice=notice)
    return render(request, "inspections/fieldwork/notice.html", {
        "notice": notice, "c": content, "qr": notices.qr_data_uri(content.url), "staff": True,
        "visit": notice.visit, "texts": (notices.AVOIDANCE_TEXT, notices.REFUSAL_TEXT),
    })


def _pdf(content: notices.NoticeContent) -> HttpResponse:
    response = HttpResponse(notices.notice_pdf(content), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="notice-{content.uscc}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


@require_safe
def notice_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    return _pdf(notices.notice_content(notice=_staff_notice(request, pk)))


# --- The entity's token page (no account) ---------------------------------------------------------
def _client(request: HttpRequest) -> str:
    """As the public site counts clients: only our own proxies' X-Forwarded-For hops are trusted."""
    proxies = int(getattr(settings, "TRUSTED_PROXY_COUNT", 0) or 0)
    hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if h.strip()]
    return hops[-min(proxies, len(hops))] if proxies and hops else str(request.META.get("REMOTE_ADDR", ""))


def _public_notice(request: HttpRequest, token: str) -> Notice:
    if not notices.public_allowance(_client(request)):
        raise _TooMany
    notice = notices.notice_by_token(token)
    if notice is None:
        raise Http404
    return notice


class _TooMany(Exception):
    pass


def _limited(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    def wrapped(request: HttpRequest, token: str) -> HttpResponse:
        try:
            return view(request, token)
        except _TooMany:
            response = render(request, "inspections/fieldwork/too_many.html", status=429)
            response["Retry-After"] = "3600"
            return response

    wrapped.__name__ = view.__name__
    return wrapped


@login_not_required
@never_cache
@_limited
def public_notice(request: HttpRequest, token: str) -> HttpResponse:
    notice = _public_notice(request, token)
    form = ConfirmForm(_posted(request), proposed=notice.proposed_dates)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            notices.notice_confirm(notice=notice, signer=data["signer"], day=form.chosen(), other_day=data["other_day"], note=data["note"])
        except svc.FieldworkRefused as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("已收到您的确认，谢谢。"))
            return HttpResponseRedirect(reverse("fieldwork:public_notice", args=[notice.token]) + "#answer")
    if request.method == "GET":
        notices.notice_opened(notice=notice)
    notice.refresh_from_db()
    content = notices.notice_content(notice=notice)
    return render(request, "inspections/fieldwork/public_notice.html", {
        "notice": notice, "c": content, "qr": notices.qr_data_uri(content.url), "form": form,
        "avoidance_form": AvoidanceForm(), "trainings": notices.trainings_for(notice=notice),
        "results": notices.published_results_for(notice=notice),
        "proposal": notices.notice_status(notice)["proposal"], "texts": (notices.AVOIDANCE_TEXT, notices.REFUSAL_TEXT),
    })


@login_not_required
@require_POST
@_limited
def public_avoidance(request: HttpRequest, token: str) -> HttpResponse:
    notice = _public_notice(request, token)
    form = AvoidanceForm(request.POST)
    if form.is_valid():
        _refused(request, lambda: notices.notice_request_avoidance(notice=notice, text=form.cleaned_data["text"]),
                 _("回避申请已提交，检查部门将依法处理。"))
    else:
        _form_errors(request, form)
    return redirect("fieldwork:public_notice", notice.token)


@login_not_required
@_limited
@require_safe
def public_notice_pdf(request: HttpRequest, token: str) -> HttpResponse:
    return _pdf(notices.notice_content(notice=_public_notice(request, token)))


# --- Trainings -----------------------------------------------------------------------------------
def _my_tasks(request: HttpRequest) -> Any:
    return task_list_for_user(user=request.user).exclude(status__in=["draft", "published", "claimed", "ready"])


@role_required(*DEPARTMENT_ROLES, *OVERSIGHT_ROLES)
def training_list(request: HttpRequest) -> HttpResponse:
    mine = department_ids(request.user, roles=WRITER_ROLES)
    form = TrainingForm(_posted(request), tasks=_my_tasks(request))
    if request.method == "POST":
        department = Department.objects.filter(pk__in=mine).order_by("code").first()
        if department is None:
            raise Http404
        if form.is_valid():
            try:
                session = svc.training_save(department=department, user=request.user, data=form.cleaned_data)
            except svc.FieldworkRefused as exc:
                form.add_error(None, str(exc))
            else:
                return redirect("fieldwork:training", session.pk)
    scope = None if sees_all_departments(request.user) else department_ids(request.user)
    sessions = TrainingSession.objects.select_related("department", "task").order_by("-held_on")
    if scope is not None:
        sessions = sessions.filter(department_id__in=scope)
    return render(request, "inspections/fieldwork/trainings.html", {
        "sessions": sessions[:PAGE], "years": svc.training_years(department_ids=scope), "form": form if mine else None,
    })


def training_detail(request: HttpRequest, pk: int) -> HttpResponse:
    session = access_training(user=request.user, pk=pk, write=request.method == "POST")
    if request.method == "POST":
        attended = {int(v) for v in request.POST.getlist("attended") if v.isdigit()}
        n = svc.training_record_attendance(session=session, user=request.user, attended=attended)
        messages.success(request, _("已记录出席：%(n)s 户。") % {"n": n})
        return redirect("fieldwork:training", session.pk)
    rows = session.attendance.select_related("entity").order_by("entity_id")
    may_write = session.department_id in department_ids(request.user, roles=WRITER_ROLES)
    return render(request, "inspections/fieldwork/training.html", {
        "session": session, "rows": rows, "may_write": may_write,
        "invite_form": InviteForm(tasks=_my_tasks(request), initial={"task": session.task_id}) if may_write else None,
    })


@require_POST
def training_invite(request: HttpRequest, pk: int) -> HttpResponse:
    session = access_training(user=request.user, pk=pk, write=True)
    form = InviteForm(request.POST, tasks=_my_tasks(request))
    if form.is_valid():
        task = form.cleaned_data["task"]
        try:
            n = svc.training_invite(session=session, user=request.user, task=task)
        except svc.FieldworkRefused as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("已邀请 %(n)s 户新的检查对象。") % {"n": n})
    return redirect("fieldwork:training", session.pk)


# --- Follow-up visits ----------------------------------------------------------------------------
def task_feedback(request: HttpRequest, task_id: int) -> HttpResponse:
    task, mine = access_feedback_task(user=request.user, pk=task_id, write=request.method == "POST")
    visits = Visit.objects.filter(visit_tasks__task=task).select_related("entity").order_by("entity_id")
    entities = [(v.entity_id, f"{v.entity.name}（{v.entity_id}）") for v in visits[:2000]]
    form = FeedbackForm(_posted(request), entities=entities, departments=mine)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            svc.feedback_record(task=task, entity_id=data["entity"], department=data["department"], user=request.user,
                                visited_on=data["visited_on"], satisfaction=data["satisfaction"], opinion=data["opinion"])
        except svc.FieldworkRefused as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("已记录回访。"))
            return redirect("fieldwork:task_feedback", task.pk)
    rows = EntityFeedback.objects.filter(task=task).select_related("entity", "department", "recorded_by").order_by("-visited_on", "-pk")
    return render(request, "inspections/fieldwork/task_feedback.html", {"task": task, "rows": rows, "form": form if mine else None})


@require_safe
@role_required(*DEPARTMENT_ROLES, *OVERSIGHT_ROLES)
def feedback_summary(request: HttpRequest) -> HttpResponse:
    try:
        year = int(request.GET.get("year") or timezone.localdate().year)
    except ValueError:
        raise Http404 from None
    scope = None if sees_all_departments(request.user) else department_ids(request.user)
    return render(request, "inspections/fieldwork/feedback_summary.html", {
        "year": year, "lines": svc.feedback_summary(year=year, department_ids=scope),
        "years": range(timezone.localdate().year, timezone.localdate().year - 5, -1),
    })


"""Reminder letters, meeting issues and the discipline body's view of changes to draws.

Who may see and do what: ``oversight.letter_permissions``. Every change: ``oversight.letter_services``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from agencies.decorators import role_required
from agencies.models import DEPARTMENT_ROLES, Department, Role
from agencies.selectors import department_ids, has_role
from oversight import letter_selectors as selectors
from oversight import letter_services as services
from oversight.letter_forms import (
    AnswerForm,
    CommentForm,
    IssueForm,
    LetterForm,
    ProposalForm,
    letter_initial,
)
from oversight.letter_permissions import (
    ANSWERING_ROLES,
    access_issue,
    access_letter,
    access_letter_item,
    access_letter_reply,
    is_office,
    issuers_for,
    may_issue_letters,
    reads_all_letters,
)
from oversight.models import IssueStatus, LetterStatus
from oversight.pdf import letter_pdf


def _int(value: str | None) -> int:
    return int(value) if value and value.isdigit() and len(value) < 12 else 0


def _letter_reader(user: Any) -> None:
    if not (reads_all_letters(user) or department_ids(user, roles=ANSWERING_ROLES)):
        raise Http404


# --- Letters ------------------------------------------------------------------------------------
@require_safe
def letter_list(request: HttpRequest) -> HttpResponse:
    _letter_reader(request.user)
    status = request.GET.get("status", "")
    letters = selectors.letter_list_for_user(user=request.user, status=status, department=_int(request.GET.get("department")))
    year = timezone.localdate().year
    summary = selectors.letters_summary(period_start=dt.date(year, 1, 1), period_end=dt.date(year, 12, 31)) if reads_all_letters(request.user) else []
    return render(request, "oversight/letters/list.html", {
        "letters_summary": summary, "summary_year": year,
        "letters": letters[:200], "status": status, "statuses": LetterStatus.choices,
        "may_issue": may_issue_letters(request.user),
        "attention": selectors.departments_needing_letters() if may_issue_letters(request.user) else [],
    })


def letter_create(request: HttpRequest) -> HttpResponse:
    return _letter_form(request, None)


def letter_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _letter_form(request, pk)


def _letter_form(request: HttpRequest, pk: int | None) -> HttpResponse:
    if not may_issue_letters(request.user):
        raise Http404
    letter = access_letter(user=request.user, pk=pk, write=True) if pk else None
    issuers = issuers_for(request.user)
    if letter is not None:
        initial = letter_initial(
            items=[(i.text, i.working_days) for i in letter.items.order_by("seq")],
            issuer=letter.issuer_id, department=letter.department_id, title=letter.title, body=letter.body,
        )
        basis = None
    else:
        department = Department.objects.filter(pk=_int(request.GET.get("department")), kind=Department.Kind.REGULATOR).first()
        prefill = selectors.letter_prefill(department=department) if department else {"items": [], "basis": []}
        basis = prefill.pop("basis")
        initial = letter_initial(**prefill, issuer=issuers.first())
    form = LetterForm(request.POST or None, initial=initial, issuers=issuers)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            letter = services.letter_draft_save(
                user=request.user, letter=letter, issuer=data["issuer"], department=data["department"],
                title=data["title"], body=data["body"], items=data["items"], basis=basis,
            )
        except services.OversightError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("草稿已保存，核对后签发。"))
            return redirect("oversight:letter", pk=letter.pk)
    return render(request, "oversight/letters/form.html", {"form": form, "letter": letter})


@require_safe
def letter_detail(request: HttpRequest, pk: int) -> HttpResponse:
    letter = access_letter(user=request.user, pk=pk)
    today = timezone.localdate()
    writes = reads_all_letters(request.user) and _writes(request.user, letter)
    answers = letter.department_id in department_ids(request.user, roles=ANSWERING_ROLES) and letter.status != LetterStatus.DRAFT
    return render(request, "oversight/letters/detail.html", {
        "letter": letter, "items": selectors.letter_items(letter=letter), "events": letter.events.select_related("actor"),
        "may_write": writes, "may_answer": answers and letter.status in services.OPEN, "today": today,
        "answer_form": AnswerForm(),
    })


def _writes(user: Any, letter: Any) -> bool:
    try:
        access_letter(user=user, pk=letter.pk, write=True)
    except Http404:
        return False
    return True


@require_POST
def letter_send(request: HttpRequest, pk: int) -> HttpResponse:
    letter = access_letter(user=request.user, pk=pk, write=True)
    try:
        services.letter_send(letter=letter, user=request.user)
    except services.OversightError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("提醒函已签发，并已通知收函部门的联络员。"))
    return redirect("oversight:letter", pk=pk)


@require_POST
def letter_acknowledge(request: HttpRequest, pk: int) -> HttpResponse:
    letter = access_letter_reply(user=request.user, pk=pk)
    try:
        services.letter_acknowledge(letter=letter, user=request.user)
    except services.OversightError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("已签收。"))
    return redirect("oversight:letter", pk=pk)


@require_POST
def letter_answer(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    letter = access_letter_reply(user=request.user, pk=pk)
    item = access_letter_item(user=request.user, letter=letter, pk=item_pk)
    form = AnswerForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请填写答复内容。"))
        return redirect("oversight:letter", pk=pk)
    try:
        services.letter_answer(item=item, user=request.user, answer=form.cleaned_data["answer"])
    except services.OversightError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("第 %(n)s 项已答复。") % {"n": item.seq})
    return redirect("oversight:letter", pk=pk)


@require_safe
def letter_download(request: HttpRequest, pk: int) -> HttpResponse:
    letter = access_letter(user=request.user, pk=pk)
    response = HttpResponse(letter_pdf(letter), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="letter-{letter.pk}.pdf"'
    return response


# --- Meeting issues -----------------------------------------------------------------------------
def _issue_reader(user: Any) -> None:
    if not (reads_all_letters(user) or department_ids(user, roles=DEPARTMENT_ROLES)):
        raise Http404


@require_safe
def issue_list(request: HttpRequest) -> HttpResponse:
    _issue_reader(request.user)
    status = request.GET.get("status", "")
    issues = selectors.issue_list_for_user(user=request.user, status=status)
    return render(request, "oversight/letters/issue_list.html", {
        "issues": issues[:200], "status": status, "statuses": IssueStatus.choices, "may_create": is_office(request.user),
    })


@role_required(Role.OFFICE)
def issue_create(request: HttpRequest) -> HttpResponse:
    form = IssueForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            issue = services.issue_create(user=request.user, **{**form.cleaned_data, "assignees": list(form.cleaned_data["assignees"])})
        except services.OversightError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("问题已登记并通知承办部门。"))
            return redirect("oversight:issue", pk=issue.pk)
    return render(request, "oversight/letters/issue_form.html", {"form": form})


@require_safe
def issue_detail(request: HttpRequest, pk: int) -> HttpResponse:
    issue = access_issue(user=request.user, pk=pk)
    may_comment = is_office(request.user) or bool(
        set(issue.assignees.values_list("pk", flat=True)) & department_ids(request.user, roles=DEPARTMENT_ROLES)
    )
    return render(request, "oversight/letters/issue_detail.html", {
        "issue": issue, "comments": issue.comments.select_related("author", "department"),
        "may_write": is_office(request.user), "may_comment": may_comment and issue.status != IssueStatus.CLOSED,
        "comment_form": CommentForm(), "proposal_form": ProposalForm(),
    })


@require_POST
def issue_comment(request: HttpRequest, pk: int) -> HttpResponse:
    issue = access_issue(user=request.user, pk=pk, comment=True)
    form = CommentForm(request.POST)
    if form.is_valid():
        mine = department_ids(request.user, roles=DEPARTMENT_ROLES) & set(issue.assignees.values_list("pk", flat=True))
        department = Department.objects.filter(pk__in=mine or department_ids(request.user, roles={Role.OFFICE})).first()
        try:
            services.issue_comment(issue=issue, user=request.user, body=form.cleaned_data["body"], department=department)
        except services.OversightError as exc:
            messages.error(request, str(exc))
    else:
        messages.error(request, _("请填写意见。"))
    return redirect("oversight:issue", pk=pk)


@require_POST
def issue_resolve(request: HttpRequest, pk: int) -> HttpResponse:
    issue = access_issue(user=request.user, pk=pk, write=True)
    form = ProposalForm(request.POST)
    try:
        if not form.is_valid():
            raise services.OversightError(_("请填写解决问题的建议。"))
        services.issue_resolve(issue=issue, user=request.user, proposal=form.cleaned_data["proposal"])
    except services.OversightError as exc:
        messages.error(request, str(exc))
    return redirect("oversight:issue", pk=pk)


@require_POST
def issue_close(request: HttpRequest, pk: int) -> HttpResponse:
    issue = access_issue(user=request.user, pk=pk, write=True)
    try:
        services.issue_close(issue=issue, user=request.user)
    except services.OversightError as exc:
        messages.error(request, str(exc))
    return redirect("oversight:issue", pk=pk)


# --- Discipline: every change to a draw, with its reason ----------------------------------------
@role_required(Role.DISCIPLINE, Role.OFFICE)
@require_safe
def discipline_changes(request: HttpRequest) -> HttpResponse:
    return render(request, "oversight/letters/discipline_changes.html", {
        **selectors.draw_changes(), "is_discipline": has_role(request.user, Role.DISCIPLINE),
    })

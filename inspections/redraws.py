"""Redraw requests: an operator asks with a reason, a section chief or the office decides.

Approval runs ``draw_redraw`` in the same transaction, with the requester as operator and the
decider as approver: a refused redraw (stale sources, a task that moved on) leaves the request
pending. The decision is a conditional UPDATE on the status, so two chiefs deciding at once
cannot both win.
"""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from agencies.models import Role
from agencies.selectors import department_ids, has_role, office_users, users_with_roles
from core.audit import audit_record, snapshot
from core.services import feed_post
from inspections.drawing import DrawRefused, draw_redraw, may_approve_redraw
from inspections.models import Draw, RedrawRequest


def _refuse_if_not_redrawable(draw: Draw) -> None:
    if draw.trial:
        raise DrawRefused(_("试抽不能申请重新抽取。"))
    if Draw.objects.filter(supersedes=draw).exists():
        raise DrawRefused(_("该抽取已被取代，不能再申请重新抽取。"))


@transaction.atomic
def redraw_request_create(*, draw: Draw, user: Any, reason: str) -> RedrawRequest:
    draw = Draw.objects.select_for_update().select_related("task", "task__department").get(pk=draw.pk)
    _refuse_if_not_redrawable(draw)
    if not reason.strip():
        raise DrawRefused(_("申请重新抽取须说明理由。"))
    if RedrawRequest.objects.filter(draw=draw, status=RedrawRequest.Status.PENDING).exists():
        raise DrawRefused(_("该抽取已有待批准的重新抽取申请。"))
    try:
        with transaction.atomic():
            request = RedrawRequest.objects.create(draw=draw, reason=reason.strip(), requested_by=user)
    except IntegrityError as exc:  # a concurrent request won the one-pending constraint
        raise DrawRefused(_("该抽取已有待批准的重新抽取申请。")) from exc
    task = draw.task
    deciders = list(users_with_roles(department=task.department, roles={Role.SECTION_CHIEF})) + list(office_users())
    feed_post(
        recipients=[u for u in deciders if u != user],
        title=_("重新抽取申请待批准：%(title)s") % {"title": task.title},
        body=_("%(code)s 第 %(n)s 次抽取。理由：%(reason)s") % {"code": task.code, "n": draw.iteration, "reason": request.reason},
        url=reverse("draws:redraw_request", args=[request.pk]),
        kind="redraw_request",
        department=task.department,
    )
    return request


@transaction.atomic
def redraw_request_decide(
    *, request: RedrawRequest, user: Any, approve: bool, note: str = "",
    sources: list[dict[str, Any]] | None = None, server_entropy: bool = False,
) -> RedrawRequest:
    """Approve (and announce the redraw with fresh sources) or reject with a note."""
    request = RedrawRequest.objects.select_related("draw", "draw__task").get(pk=request.pk)
    if request.status != RedrawRequest.Status.PENDING:
        raise DrawRefused(_("该申请已经处理。"))
    if user == request.requested_by or not may_approve_redraw(user, request.draw.task):
        raise DrawRefused(_("重新抽取须经本部门科所长或联席办批准，且批准人不能是申请人本人。"))
    if not approve and not note.strip():
        raise DrawRefused(_("不予批准时请写明理由。"))
    status = RedrawRequest.Status.APPROVED if approve else RedrawRequest.Status.REJECTED
    updated = RedrawRequest.objects.filter(pk=request.pk, status=RedrawRequest.Status.PENDING).update(
        status=status, decided_by=user, decided_at=timezone.now(), decision_note=note.strip()
    )
    if updated != 1:
        raise DrawRefused(_("该申请已经处理。"))
    if approve:
        new_draw = draw_redraw(draw=request.draw, user=request.requested_by, approver=user, reason=request.reason,
                               sources=sources, server_entropy=server_entropy)
        RedrawRequest.objects.filter(pk=request.pk).update(new_draw=new_draw)
    request.refresh_from_db()
    # The UPDATEs fire no signal: chain the decided state once (the UPDATE stays the race guard).
    audit_record(action="update", object_type=request._meta.label_lower, object_id=str(request.pk),
                 changes=snapshot(request))
    feed_post(
        recipients=[request.requested_by],
        title=(_("重新抽取申请已批准：%(code)s") if approve else _("重新抽取申请未获批准：%(code)s")) % {"code": request.draw.task.code},
        body=request.decision_note,
        url=reverse("draws:task", args=[request.draw.task_id]),
        kind="redraw_request",
        department=request.draw.task.department,
    )
    return request


def redraw_requests_for_decider(*, user: Any) -> QuerySet[RedrawRequest]:
    """Pending requests this person may decide: their department's as section chief; all for the office."""
    qs = RedrawRequest.objects.filter(status=RedrawRequest.Status.PENDING).select_related(
        "draw", "draw__task", "draw__task__department", "requested_by"
    )
    if has_role(user, Role.OFFICE):
        return qs
    return qs.filter(draw__task__department_id__in=department_ids(user, roles={Role.SECTION_CHIEF}))

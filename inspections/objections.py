"""异议: objections to published results, and the department's decision on them.

- ``objection_submit`` (called by the public site): the entity proves who it is with the code of
  its inspection notice (检查通知书验证码); the notice's visit must be of the same entity and
  include the task of the result. Attempts are limited per client address and per code (cache
  counters per day), so the form can be neither flooded nor used to guess codes.
- ``objection_decide`` (department staff): accept or reject, with reasons. Either way a new
  version of the result's publication record carries the 异议处理 note; an accepted objection
  also corrects the published result. Nothing is edited in place.

The public site never reads the ``Objection`` table: it sees the decision through the record.
"""

from __future__ import annotations

import copy
import hashlib
import secrets
import uuid
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.files import File
from django.db import transaction
from django.http import Http404
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from agencies.models import Department, Role
from agencies.selectors import department_ids, sees_all_departments, users_with_roles
from core.audit import audit_record
from core.models import PublicationRecord
from core.services import feed_post, publication_write
from inspections.models import Notice, Objection, ResultCategory, VisitTask
from inspections.notices import normalize_token

MAX_TEXT = 2000
MAX_CONTACT = 100
MAX_ATTACHMENT_BYTES = 5 * 1024 * 1024
# Judged by the bytes, never by the file name or the browser's claim.
ATTACHMENT_TYPES = (
    (b"%PDF-", "application/pdf", "pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
    (b"\xff\xd8\xff", "image/jpeg", "jpg"),
)
DECIDERS: set[str] = {Role.STAFF, Role.DEPT_ADMIN, Role.SECTION_CHIEF}
NOTE_KEY = "异议处理"


class ObjectionRefused(Exception):
    """The objection or decision is refused; the message is for the person who asked."""


def _daily_limit() -> int:
    return int(getattr(settings, "OBJECTION_DAILY_LIMIT", 5))


def _spend(kind: str, value: str) -> None:
    """Count one attempt against ``value`` today; refuse beyond the daily limit."""
    digest = hashlib.sha256(value.encode()).hexdigest()[:32]
    key = f"objection:{kind}:{digest}:{timezone.localdate().isoformat()}"
    cache.add(key, 0, timeout=86400)
    try:
        count = cache.incr(key)
    except ValueError:  # evicted between add and incr
        cache.set(key, 1, timeout=86400)
        count = 1
    if count > _daily_limit():
        raise ObjectionRefused(_("今天的提交次数已达上限，请明天再试，或与检查部门联系。"))


def sniff_attachment(head: bytes) -> tuple[str, str]:
    for magic, content_type, extension in ATTACHMENT_TYPES:
        if head.startswith(magic):
            return content_type, extension
    raise ObjectionRefused(_("附件只能是 PDF、PNG 或 JPEG 文件。"))


def _current_result(public_id: str) -> PublicationRecord | None:
    record = PublicationRecord.objects.filter(public_id=public_id).order_by("-version").first()
    if record is None or record.withdrawn or record.kind != PublicationRecord.Kind.RESULT:
        return None
    return record


def _notice_matches(notice: Notice | None, record: PublicationRecord) -> bool:
    if notice is None:
        return False
    if notice.visit.entity_id != (record.filter_keys or {}).get("uscc"):
        return False
    task_code = (record.payload or {}).get("抽查任务编号", "")
    return VisitTask.objects.filter(visit=notice.visit, task__code=task_code).exists()


def _clean_text(contact: str, text: str) -> tuple[str, str]:
    contact, text = (contact or "").strip(), (text or "").strip()
    if not contact or len(contact) > MAX_CONTACT:
        raise ObjectionRefused(_("请填写联系人及联系方式（100 字以内）。"))
    if not text or len(text) > MAX_TEXT:
        raise ObjectionRefused(_("请写明异议内容（2000 字以内）。"))
    return contact, text


@transaction.atomic
def objection_submit(
    *, public_id: str, token: str, contact: str, text: str, client_ip: str, attachment: Any = None
) -> Objection:
    """Record an objection to a published result and tell the department."""
    token = normalize_token(token)  # typed from the paper notice: case, spaces and hyphens do not matter
    # Every attempt counts, before anything is looked up: codes cannot be guessed by volume.
    _spend("ip", client_ip or "unknown")
    if token:
        _spend("token", token)
    record = _current_result(public_id)
    if record is None:
        raise ObjectionRefused(_("该检查结果不存在或已撤回。"))
    notice = Notice.objects.select_related("visit").filter(token=token).first() if token else None
    if not _notice_matches(notice, record):
        raise ObjectionRefused(_("通知书验证码与该检查结果不符。请核对检查通知书上的验证码。"))
    assert notice is not None
    contact, text = _clean_text(contact, text)
    department = Department.objects.filter(code=record.department_code).first()
    if department is None:
        raise ObjectionRefused(_("找不到该结果的公示部门，请与检查部门联系。"))
    objection = Objection(
        reference=f"YY{timezone.localdate():%Y%m%d}-{secrets.token_hex(4).upper()}", public_id=public_id,
        record_version=record.version, department=department, entity_uscc=notice.visit.entity_id, notice=notice,
        contact=contact, text=text,
    )
    if attachment is not None:
        _attach(objection, attachment)
    objection.save()
    audit_record(action="objection_receive", object_type="inspections.objection", object_id=str(objection.pk),
                 changes={"reference": objection.reference, "public_id": public_id, "version": record.version,
                          "attachment_sha256": objection.attachment_sha256})
    feed_post(
        recipients=users_with_roles(department=department, roles=DECIDERS), kind="objection", department=department,
        title=_("异议：%(name)s 对抽查结果提出异议") % {"name": record.payload.get("主体名称", objection.entity_uscc)},
        body=_("受理编号 %(ref)s；任务 %(task)s；检查事项 %(item)s。") % {
            "ref": objection.reference, "task": record.payload.get("抽查任务编号", ""), "item": record.payload.get("检查事项", "")},
        url=reverse("objections:detail", args=[objection.pk]),
    )
    return objection


def _attach(objection: Objection, upload: Any) -> None:
    size = int(getattr(upload, "size", 0) or 0)
    if size <= 0 or size > MAX_ATTACHMENT_BYTES:
        raise ObjectionRefused(_("附件不能为空，且不能超过 5 MB。"))
    upload.seek(0)
    content_type, extension = sniff_attachment(upload.read(16))
    upload.seek(0)
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    objection.attachment.save(f"{uuid.uuid4().hex}.{extension}", File(upload), save=False)
    objection.attachment_name = str(getattr(upload, "name", ""))[-255:]
    objection.attachment_type, objection.attachment_size, objection.attachment_sha256 = content_type, size, digest.hexdigest()


# --- Decisions ------------------------------------------------------------------------------------
def result_wording(categories: list[str]) -> list[str]:
    """The exact published wording (DOMAIN.md), in Chinese whatever the decider's language."""
    with translation.override("zh-hans"):
        return [str(ResultCategory(c).label) for c in categories]


def _clean_categories(categories: list[str]) -> list[str]:
    chosen = [c for c in dict.fromkeys(categories) if c in ResultCategory.values]
    if not chosen:
        raise ObjectionRefused(_("异议成立时，请选择更正后的检查结果。"))
    if ResultCategory.NO_PROBLEM in chosen and len(chosen) > 1:
        raise ObjectionRefused(_("“未发现问题”不能与其他结果同时选择。"))
    return chosen


@transaction.atomic
def objection_decide(*, objection: Objection, user: Any, accept: bool, decision: str, categories: list[str] | None = None) -> Objection:
    decision = (decision or "").strip()
    if not decision:
        raise ObjectionRefused(_("请写明处理意见。"))
    chosen = _clean_categories(list(categories or [])) if accept else []
    status = Objection.Status.ACCEPTED if accept else Objection.Status.REJECTED
    now = timezone.now()
    # Conditional UPDATE: two people deciding at once produce one decision.
    if not Objection.objects.filter(pk=objection.pk, status=Objection.Status.RECEIVED).update(
        status=status, decision=decision, corrected_results=chosen, decided_by=user, decided_at=now
    ):
        raise ObjectionRefused(_("该异议已经处理。"))
    objection.refresh_from_db()
    record = _current_result(objection.public_id)
    if record is not None:
        objection.correction_version = _publish_decision(objection, record, chosen).version
        objection.save(update_fields=["correction_version"])
    audit_record(action="objection_decide", object_type="inspections.objection", object_id=str(objection.pk),
                 changes={"status": status, "public_id": objection.public_id, "version": objection.correction_version},
                 actor=user)
    return objection


def _publish_decision(objection: Objection, record: PublicationRecord, categories: list[str]) -> PublicationRecord:
    payload = copy.deepcopy(record.payload)
    keys = copy.deepcopy(record.filter_keys or {})
    category = record.category
    with translation.override("zh-hans"):
        outcome = str(objection.get_status_display())
    if categories:
        payload["检查结果"] = result_wording(categories)
        keys["categories"], category = categories, categories[0]
    note = {"受理编号": objection.reference, "结论": outcome, "说明": objection.decision,
            "处理日期": timezone.localdate().isoformat(), "针对版本": objection.record_version}
    payload[NOTE_KEY] = [*payload.get(NOTE_KEY, []), note]
    return publication_write(
        kind=record.kind, public_id=record.public_id, payload=payload, department_code=record.department_code,
        year=record.year, street=record.street, category=category, filter_keys=keys,
    )


# --- Access ---------------------------------------------------------------------------------------
def access_objection(*, user: Any, pk: int, write: bool = False) -> Objection:
    """One door: the department's deciders write; its people and oversight read; others 404."""
    objection = Objection.objects.select_related("department", "decided_by").filter(pk=pk).first()
    if objection is None or not getattr(user, "is_authenticated", False):
        raise Http404
    if write:
        if objection.department_id not in department_ids(user, roles=DECIDERS):
            raise Http404
    elif objection.department_id not in department_ids(user) and not sees_all_departments(user):
        raise Http404
    return objection


def objections_for_user(*, user: Any, status: str = "") -> Any:
    qs = Objection.objects.select_related("department")
    if not sees_all_departments(user):
        qs = qs.filter(department_id__in=department_ids(user))
    return qs.filter(status=status) if status else qs

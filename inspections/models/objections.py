"""异议: an entity objects to a published result, authenticated by the code of its inspection notice.

The objection, the contact and the attachment are staff-side only. What the public sees is the
decision, written (by ``inspections.objections``) as a new version of the result's publication
record: corrected when the objection is accepted, with the 异议处理 note in either case.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Objection(models.Model):
    class Status(models.TextChoices):
        RECEIVED = "received", _("已受理，待处理")
        ACCEPTED = "accepted", _("异议成立，已更正")
        REJECTED = "rejected", _("异议不成立")

    reference = models.CharField(_("受理编号"), max_length=24, unique=True)
    public_id = models.CharField(_("公开编号"), max_length=120, db_index=True)
    record_version = models.PositiveIntegerField(_("异议针对的版本"))
    department = models.ForeignKey("agencies.Department", verbose_name=_("处理部门"), on_delete=models.PROTECT, related_name="+")
    entity_uscc = models.CharField(_("统一社会信用代码"), max_length=18)
    notice = models.ForeignKey("inspections.Notice", verbose_name=_("检查通知书"), on_delete=models.PROTECT, related_name="objections")
    contact = models.CharField(_("联系人及联系方式"), max_length=100)
    text = models.TextField(_("异议内容"))
    attachment = models.FileField(_("附件"), upload_to="objections/%Y/%m/", blank=True)
    attachment_name = models.CharField(_("附件原文件名"), max_length=255, blank=True)
    attachment_type = models.CharField(_("附件类型"), max_length=100, blank=True)
    attachment_size = models.PositiveIntegerField(_("附件大小"), default=0)
    attachment_sha256 = models.CharField(_("附件 SHA-256"), max_length=64, blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.RECEIVED)
    decision = models.TextField(_("处理意见"), blank=True)
    corrected_results = models.JSONField(_("更正后的检查结果"), default=list, blank=True)
    correction_version = models.PositiveIntegerField(_("公示更正版本"), null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("处理人"), null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(_("处理时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("提出时间"), auto_now_add=True)

    # Audited explicitly by inspections.objections (receipt and decision), without the
    # entity's contact, text or file: the generic row snapshot cannot record a file field.
    AUDIT_ROWS = False

    class Meta:
        verbose_name = _("异议")
        verbose_name_plural = _("异议")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["department", "status"], name="objection_department_status")]
        constraints = [
            models.CheckConstraint(condition=models.Q(status__in=["received", "accepted", "rejected"]), name="objection_status_valid"),
            models.CheckConstraint(
                condition=models.Q(status="received") | (~models.Q(decision="") & models.Q(decided_at__isnull=False)),
                name="objection_decision_recorded",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.public_id}"

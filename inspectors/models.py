"""The inspector directory (执法检查人员名录库): people, qualifications, leave and conflicts.

Personal ID numbers and phones are staff-only and shown masked; they never reach the public
site. Item requirements (in ``inspections``) name the qualification fields defined here.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Field(models.Model):
    """专业领域: the code table of qualification fields (食品, 特种设备, 消防, 卫生, ...)."""

    code = models.SlugField(_("代码"), max_length=30, primary_key=True)
    name = models.CharField(_("名称"), max_length=50, unique=True)

    class Meta:
        verbose_name = _("专业领域")
        verbose_name_plural = _("专业领域")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Inspector(models.Model):
    class CertType(models.TextChoices):
        ADMIN_ENFORCEMENT = "admin", _("行政执法证")
        SUPERVISION = "supervision", _("执法监督证")
        OTHER = "other", _("其他")

    department = models.ForeignKey(
        "agencies.Department", verbose_name=_("部门"), on_delete=models.PROTECT, related_name="inspectors"
    )
    section = models.ForeignKey(
        "agencies.Section", verbose_name=_("科室/所"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="inspectors",
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("登录账号"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="inspector",
    )
    name = models.CharField(_("姓名"), max_length=50)
    cert_no = models.CharField(_("执法证号"), max_length=40, unique=True)
    cert_type = models.CharField(_("证件类型"), max_length=12, choices=CertType.choices, default=CertType.ADMIN_ENFORCEMENT)
    cert_valid_until = models.DateField(_("证件有效期至"), null=True, blank=True)
    id_number = models.CharField(_("身份证号"), max_length=18, blank=True)
    phone = models.CharField(_("手机号"), max_length=20, blank=True)
    fields = models.ManyToManyField(Field, verbose_name=_("专业领域"), blank=True, related_name="inspectors")
    is_expert = models.BooleanField(_("专家"), default=False)
    expert_field = models.ForeignKey(
        Field, verbose_name=_("专家领域"), null=True, blank=True, on_delete=models.PROTECT, related_name="experts"
    )
    home_area = models.CharField(_("责任区（街道/乡镇代码）"), max_length=12, blank=True)
    is_active = models.BooleanField(_("在岗"), default=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    # ID numbers and phones are recorded in the audit trail by digest only.
    AUDIT_MASKED = frozenset({"id_number", "phone"})

    class Meta:
        verbose_name = _("执法检查人员")
        verbose_name_plural = _("执法检查人员")
        ordering = ["department__code", "cert_no"]
        indexes = [models.Index(fields=["department", "is_active"], name="inspector_department_active")]

    def __str__(self) -> str:
        return f"{self.name}（{self.cert_no}）"


class Leave(models.Model):
    inspector = models.ForeignKey(Inspector, verbose_name=_("执法人员"), on_delete=models.CASCADE, related_name="leaves")
    start = models.DateField(_("开始日期"))
    end = models.DateField(_("结束日期"))
    reason = models.CharField(_("事由"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("请假/不可用期间")
        verbose_name_plural = _("请假/不可用期间")
        ordering = ["-start"]
        constraints = [models.CheckConstraint(condition=models.Q(end__gte=models.F("start")), name="leave_end_after_start")]

    def __str__(self) -> str:
        return f"{self.inspector} {self.start}–{self.end}"


class ConflictDeclaration(models.Model):
    """回避: a declared conflict of interest between an inspector and an entity."""

    class Ground(models.TextChoices):
        PARTY_OR_RELATIVE = "relative", _("本人是当事人或当事人的近亲属")
        INTEREST = "interest", _("本人或其近亲属与该主体有利害关系")
        OTHER = "other", _("与该主体有其他关系，可能影响公正执法")

    class Status(models.TextChoices):
        PENDING = "pending", _("待审批")
        APPROVED = "approved", _("已批准")
        REJECTED = "rejected", _("不予批准")

    inspector = models.ForeignKey(
        Inspector, verbose_name=_("执法人员"), on_delete=models.CASCADE, related_name="conflicts"
    )
    entity = models.ForeignKey(
        "entities.Entity", verbose_name=_("市场主体"), on_delete=models.CASCADE, db_constraint=False,
        related_name="+",
    )
    ground = models.CharField(_("回避事由"), max_length=10, choices=Ground.choices)
    note = models.TextField(_("说明"), blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.PENDING)
    declared_at = models.DateTimeField(_("申报时间"), auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("审批人"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("回避申报")
        verbose_name_plural = _("回避申报")
        ordering = ["-declared_at"]
        constraints = [
            models.UniqueConstraint(fields=["inspector", "entity"], name="conflict_unique_pair"),
            models.CheckConstraint(
                condition=models.Q(status__in=["pending", "approved", "rejected"]), name="conflict_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.inspector} ↔ {self.entity_id}"

    @property
    def blocks_matching(self) -> bool:
        """Pending declarations count: only a rejected one lets the pair be matched."""
        return self.status != self.Status.REJECTED

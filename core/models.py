"""Cross-cutting records: the audit chain, the outbox, the calendar, publications, the feed."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AppendOnlyError(Exception):
    """Raised when code tries to change or delete an append-only row."""


class AppendOnlyModel(models.Model):
    """Rows are written once. The app offers no way to edit or delete them."""

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError(f"{type(self).__name__} rows are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise AppendOnlyError(f"{type(self).__name__} rows are append-only")


# --- Audit ----------------------------------------------------------------------------------
class AuditEntry(AppendOnlyModel):
    """One link of the hash chain: who changed what, when; or one batch of a bulk operation."""

    seq = models.PositiveBigIntegerField(_("序号"), unique=True)
    at = models.DateTimeField(_("时间"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("操作人"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    actor_label = models.CharField(_("操作人名称"), max_length=150, blank=True)
    action = models.CharField(_("动作"), max_length=64)
    object_type = models.CharField(_("对象类型"), max_length=100, blank=True)
    object_id = models.CharField(_("对象编号"), max_length=64, blank=True)
    changes = models.JSONField(_("内容"), default=dict, blank=True)
    count = models.PositiveIntegerField(_("条数"), default=1)
    digest = models.CharField(_("批次摘要"), max_length=64, blank=True)
    prev_hash = models.CharField(_("前一条哈希"), max_length=64)
    hash = models.CharField(_("哈希"), max_length=64, unique=True)

    class Meta:
        verbose_name = _("审计记录")
        verbose_name_plural = _("审计记录")
        ordering = ["-seq"]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.object_type}:{self.object_id}"


class AuditHead(models.Model):
    """A single row locked while appending, so concurrent writers form one chain."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    seq = models.PositiveBigIntegerField(default=0)
    hash = models.CharField(max_length=64, default="0" * 64)

    class Meta:
        verbose_name = _("审计链头")
        verbose_name_plural = _("审计链头")

    def __str__(self) -> str:
        return f"#{self.seq} {self.hash}"


# --- Outbox ---------------------------------------------------------------------------------
class OutboxItem(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("待执行")
        DONE = "done", _("已完成")
        FAILED = "failed", _("失败")

    handler = models.CharField(_("处理程序"), max_length=100)
    payload = models.JSONField(_("参数"), default=dict)
    dedupe_key = models.CharField(_("去重键"), max_length=200, null=True, blank=True, unique=True)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("发起人"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    queued_at = models.DateTimeField(_("入队时间"), null=True, blank=True)
    done_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    attempts = models.PositiveIntegerField(_("尝试次数"), default=0)
    last_error = models.TextField(_("最近错误"), blank=True)
    result = models.JSONField(_("结果"), default=dict, blank=True)

    class Meta:
        verbose_name = _("后台任务")
        verbose_name_plural = _("后台任务")
        ordering = ["-id"]
        indexes = [models.Index(fields=["status", "queued_at"])]
        constraints = [
            models.CheckConstraint(condition=models.Q(status__in=["pending", "done", "failed"]), name="outbox_status_valid")
        ]

    def __str__(self) -> str:
        return f"{self.handler}#{self.pk} ({self.status})"


# --- Working-day calendar -------------------------------------------------------------------
class CalendarYear(models.Model):
    """A year whose official holiday schedule is known (entered or seeded)."""

    year = models.PositiveSmallIntegerField(_("年份"), unique=True)
    source = models.CharField(_("来源"), max_length=200, blank=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("已公布节假日安排的年份")
        verbose_name_plural = _("已公布节假日安排的年份")
        ordering = ["-year"]

    def __str__(self) -> str:
        return str(self.year)


class CalendarDay(models.Model):
    class Kind(models.TextChoices):
        HOLIDAY = "holiday", _("法定节假日（休息）")
        WORKDAY = "workday", _("调休上班日")

    date = models.DateField(_("日期"), unique=True)
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices)
    name = models.CharField(_("名称"), max_length=50, blank=True)

    class Meta:
        verbose_name = _("节假日与调休日")
        verbose_name_plural = _("节假日与调休日")
        ordering = ["date"]
        constraints = [
            models.CheckConstraint(condition=models.Q(kind__in=["holiday", "workday"]), name="calendarday_kind_valid")
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.get_kind_display()}"


# --- Publication records --------------------------------------------------------------------
class PublicationRecord(AppendOnlyModel):
    """Everything that goes public. The public site reads this table and nothing else."""

    class Kind(models.TextChoices):
        ITEM_LIST = "item_list", _("抽查事项清单")
        PLAN = "plan", _("年度抽查计划")
        TASK = "task", _("抽查任务公告")
        DRAW = "draw", _("抽取公告")
        RESULT = "result", _("抽查结果")
        AUDIT_HEAD = "audit_head", _("审计链头公告")

    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices)
    public_id = models.CharField(_("公开编号"), max_length=120)
    version = models.PositiveIntegerField(_("版本"), default=1)
    payload = models.JSONField(_("公开内容"))
    department_code = models.CharField(_("部门代码"), max_length=32, blank=True, db_index=True)
    year = models.PositiveSmallIntegerField(_("年度"), null=True, blank=True)
    street = models.CharField(_("街道/乡镇"), max_length=12, blank=True)
    category = models.CharField(_("结果类别"), max_length=64, blank=True)
    filter_keys = models.JSONField(_("筛选键"), default=dict, blank=True)
    supersedes = models.OneToOneField(
        "self", verbose_name=_("取代"), null=True, blank=True, on_delete=models.PROTECT, related_name="superseded_by"
    )
    withdrawn = models.BooleanField(_("撤回记录"), default=False)
    published_at = models.DateTimeField(_("发布时间"))

    class Meta:
        verbose_name = _("公开记录")
        verbose_name_plural = _("公开记录")
        ordering = ["-published_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["public_id", "version"], name="publication_public_id_version_unique"),
            models.CheckConstraint(
                condition=models.Q(kind__in=["item_list", "plan", "task", "draw", "result", "audit_head"]),
                name="publication_kind_valid",
            ),
        ]
        indexes = [models.Index(fields=["kind", "year", "department_code"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.public_id} v{self.version}"


# --- Work channel ---------------------------------------------------------------------------
class FeedItem(models.Model):
    """One message in a person's work channel (工作群), kept on record."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("接收人"), on_delete=models.CASCADE, related_name="feed_items"
    )
    department = models.ForeignKey(
        "agencies.Department", verbose_name=_("来源部门"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    kind = models.CharField(_("类别"), max_length=40, default="notice")
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    url = models.CharField(_("链接"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("工作通知")
        verbose_name_plural = _("工作通知")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["recipient", "read_at"])]

    def __str__(self) -> str:
        return self.title


# --- Imports --------------------------------------------------------------------------------
class ImportJob(models.Model):
    """One file a clerk uploaded: previewed (dry run), then imported as background work."""

    class Mode(models.TextChoices):
        ALL_OR_NOTHING = "all", _("全部正确才导入（默认）")
        GOOD_ROWS = "good", _("导入正确的行，报告错误的行")

    class Status(models.TextChoices):
        UPLOADED = "uploaded", _("已上传")
        PREVIEWING = "previewing", _("正在校验")
        PREVIEWED = "previewed", _("已校验，待确认")
        IMPORTING = "importing", _("正在导入")
        DONE = "done", _("已完成")
        REJECTED = "rejected", _("有错误，未导入")
        FAILED = "failed", _("失败，未写入")
        CANCELLED = "cancelled", _("已取消，未写入")

    kind = models.CharField(_("导入类型"), max_length=40)
    department = models.ForeignKey(
        "agencies.Department", verbose_name=_("部门"), on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("导入人"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("上传时间"), auto_now_add=True)
    file = models.FileField(_("文件"), upload_to="imports/%Y/%m/")
    original_name = models.CharField(_("原文件名"), max_length=255)
    mode = models.CharField(_("导入方式"), max_length=5, choices=Mode.choices, default=Mode.ALL_OR_NOTHING)
    options = models.JSONField(_("选项"), default=dict, blank=True)
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.UPLOADED)
    rows_total = models.PositiveIntegerField(_("总行数"), default=0)
    rows_done = models.PositiveIntegerField(_("已处理行数"), default=0)
    counts = models.JSONField(_("统计"), default=dict, blank=True)
    errors = models.JSONField(_("错误（前若干条）"), default=list, blank=True)
    error_count = models.PositiveIntegerField(_("错误行数"), default=0)
    error_report = models.FileField(_("错误报告"), upload_to="imports/errors/%Y/%m/", blank=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("导入批次")
        verbose_name_plural = _("导入批次")
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(
                    status__in=["uploaded", "previewing", "previewed", "importing", "done", "rejected", "failed", "cancelled"]
                ),
                name="importjob_status_valid",
            ),
            models.CheckConstraint(condition=models.Q(mode__in=["all", "good"]), name="importjob_mode_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk} {self.original_name}"


class PublicationAttachment(AppendOnlyModel):
    """A file that goes public with a record (e.g. a draw's public evidence bundle)."""

    record = models.ForeignKey(PublicationRecord, verbose_name=_("公开记录"), on_delete=models.PROTECT, related_name="attachments")
    name = models.CharField(_("文件名"), max_length=200)
    content_type = models.CharField(_("类型"), max_length=100)
    compressed = models.BinaryField(_("内容（zlib 压缩）"))
    size = models.PositiveBigIntegerField(_("原始大小"))
    sha256_hex = models.CharField(_("SHA-256"), max_length=64)

    class Meta:
        verbose_name = _("公开附件")
        verbose_name_plural = _("公开附件")
        constraints = [models.UniqueConstraint(fields=["record", "name"], name="publication_attachment_unique")]

    def __str__(self) -> str:
        return self.name

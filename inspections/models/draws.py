"""Draws that anyone can check (DRAW.md): commitments, announcements, randomness, frames,
selections and evidence; the visits that join tasks at one door; the inspection history.

Nothing here is edited after the fact: a redraw or a substitution is a new row that names the
one it replaces, with a reason and an approver, and both stay visible.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class TaskCommitment(models.Model):
    """One commitment chain per task: H^n(secret), published before any randomness exists."""

    task = models.OneToOneField("inspections.Task", verbose_name=_("任务"), on_delete=models.CASCADE, related_name="commitment")
    chain_length = models.PositiveIntegerField(_("链长 n"))
    commitment_hex = models.CharField(_("承诺值 H^n(secret)"), max_length=64)
    # Revealed one iteration at a time, as the one-time code of each draw; never shown whole.
    secret_hex = models.CharField(_("秘密值"), max_length=64)
    AUDIT_MASKED = frozenset({"secret_hex"})  # the trail keeps a digest; the secret never leaves this row
    next_iteration = models.PositiveIntegerField(_("下一次迭代"), default=1)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("任务承诺链")
        verbose_name_plural = _("任务承诺链")
        constraints = [models.CheckConstraint(condition=models.Q(chain_length__gte=32), name="commitment_chain_min_32")]

    def __str__(self) -> str:
        return f"{self.task_id}: {self.commitment_hex[:12]}…"


class Draw(models.Model):
    class Kind(models.TextChoices):
        ENTITIES = "entities", _("抽取检查对象")
        INSPECTORS = "inspectors", _("匹配执法人员")

    class Status(models.TextChoices):
        ANNOUNCED = "announced", _("已公告，待随机数")
        RANDOMNESS = "randomness", _("随机数已录入，正在抽取")
        DONE = "done", _("已完成")
        FAILED = "failed", _("失败（未写入结果）")

    task = models.ForeignKey("inspections.Task", verbose_name=_("任务"), on_delete=models.PROTECT, related_name="draws")
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices)
    iteration = models.PositiveIntegerField(_("迭代序号"))
    trial = models.BooleanField(_("试抽（不作为正式结果）"), default=False)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.ANNOUNCED)
    algorithm = models.CharField(_("算法"), max_length=40)
    supersedes = models.OneToOneField(
        "self", verbose_name=_("取代的抽取"), null=True, blank=True, on_delete=models.PROTECT, related_name="superseded_by"
    )
    reason = models.TextField(_("重新抽取理由"), blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("批准人"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("操作人"), on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    # The announcement, recorded before any randomness exists.
    announced_at = models.DateTimeField(_("公告时间"))
    announcement = models.JSONField(_("公告内容"))
    frame_hash_hex = models.CharField(_("名录哈希"), max_length=64)
    frame_size = models.PositiveIntegerField(_("名录规模"))
    sources = models.JSONField(_("随机数来源"))
    # The randomness, stored before the selection runs; a retry reuses it.
    randomness = models.JSONField(_("随机数"), null=True, blank=True)
    ikm_utf8 = models.TextField(_("随机数编码"), blank=True)
    randomness_at = models.DateTimeField(_("随机数录入时间"), null=True, blank=True)
    randomness_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("随机数录入人"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    # Server entropy is committed by its hash in the announcement and revealed with the rest.
    server_entropy_hex = models.CharField(_("服务器熵（待揭示）"), max_length=64, blank=True)
    one_time_code_hex = models.CharField(_("一次性码"), max_length=64, blank=True)
    done_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    selected_count = models.PositiveIntegerField(_("抽中数"), default=0)
    last_error = models.TextField(_("错误"), blank=True)

    class Meta:
        verbose_name = _("抽取")
        verbose_name_plural = _("抽取")
        ordering = ["task", "iteration"]
        constraints = [
            models.UniqueConstraint(fields=["task", "iteration"], name="draw_iteration_unique_per_task"),
            models.CheckConstraint(condition=models.Q(kind__in=["entities", "inspectors"]), name="draw_kind_valid"),
            models.CheckConstraint(
                condition=models.Q(status__in=["announced", "randomness", "done", "failed"]), name="draw_status_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(supersedes__isnull=True) | ~models.Q(reason=""), name="redraw_needs_reason"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.task_id} #{self.iteration} {self.get_kind_display()}"


class DrawFrame(models.Model):
    """The frozen frame as one compressed blob: two million labels are one row, not two million."""

    draw = models.OneToOneField(Draw, verbose_name=_("抽取"), on_delete=models.CASCADE, related_name="frame")
    blob = models.BinaryField(_("名录（压缩）"))
    summary = models.JSONField(_("分层与排除统计"))

    class Meta:
        verbose_name = _("冻结的名录")
        verbose_name_plural = _("冻结的名录")

    def __str__(self) -> str:
        return f"frame of {self.draw_id}"


class DrawSelection(models.Model):
    # Indexes: (draw, entity) unique and (draw, rank) for the paged list; no index on the entity
    # alone (nothing looks selections up by entity only): a city draw writes 23,000 rows at once.
    # No database foreign key to the draw (``db_constraint=False``), as for the entity: each
    # costs a deferred check per row at commit. The rows are written once, by the draw that
    # holds its own row locked; draws are never deleted (read-only in the admin, no view
    # deletes one), and Django's on_delete still guards deletes made through it.
    draw = models.ForeignKey(
        Draw, verbose_name=_("抽取"), on_delete=models.CASCADE, related_name="selections", db_index=False,
        db_constraint=False,
    )
    entity = models.ForeignKey(
        "entities.Entity", verbose_name=_("市场主体"), on_delete=models.PROTECT, db_constraint=False, related_name="+",
        db_index=False,
    )
    stratum = models.CharField(_("层"), max_length=80)
    order_hex = models.CharField(_("序值"), max_length=64)
    rank = models.PositiveIntegerField(_("顺位"))

    class Meta:
        verbose_name = _("抽中对象")
        verbose_name_plural = _("抽中对象")
        ordering = ["draw", "rank"]
        constraints = [models.UniqueConstraint(fields=["draw", "entity"], name="draw_selection_unique")]
        indexes = [models.Index(fields=["draw", "rank"], name="draw_selection_rank")]

    def __str__(self) -> str:
        return f"{self.draw_id}: {self.entity_id}"


class DrawAssignment(models.Model):
    """An inspector matched to a drawn entity for one department (a slot of the team)."""

    # Indexes: (draw, entity, inspector) unique, which also serves draw and draw+entity lookups,
    # and the inspector's own; no single-column copies: a matching writes 40,000 rows at once.
    # No database foreign keys of its own: each is a deferred check per row at commit (for a
    # 40,000-row matching, about 0.3 s for the inspector's and the department's together). The
    # draw's roster (``DrawRoster``, written in the same transaction) holds the keys to every
    # inspector and department these rows name, one row per person: the database still refuses
    # to delete an inspector or a department a matching has assigned, even by raw SQL or in a
    # race with the matching, and checks it 2,400 times instead of 80,000.
    draw = models.ForeignKey(
        Draw, verbose_name=_("匹配"), on_delete=models.CASCADE, related_name="assignments", db_index=False,
        db_constraint=False,
    )
    entity = models.ForeignKey(
        "entities.Entity", verbose_name=_("市场主体"), on_delete=models.PROTECT, db_constraint=False, related_name="+",
        db_index=False,
    )
    department = models.ForeignKey(
        "agencies.Department", verbose_name=_("部门"), on_delete=models.PROTECT, related_name="+", db_index=False,
        db_constraint=False,
    )
    inspector = models.ForeignKey(
        "inspectors.Inspector", verbose_name=_("执法人员"), on_delete=models.PROTECT, related_name="assignments", db_index=False,
        db_constraint=False,
    )
    order_hex = models.CharField(_("序值"), max_length=64)
    is_leader = models.BooleanField(_("组长"), default=False)

    class Meta:
        verbose_name = _("人员匹配结果")
        verbose_name_plural = _("人员匹配结果")
        constraints = [models.UniqueConstraint(fields=["draw", "entity", "inspector"], name="assignment_one_slot_per_person")]
        indexes = [models.Index(fields=["inspector"], name="assignment_inspector")]

    def __str__(self) -> str:
        return f"{self.entity_id} ← {self.inspector_id}"


class DrawRoster(models.Model):
    """Each inspector a matching draw assigned, once per department, with how many entities: the
    database keys that keep those inspectors and departments while the draw's assignments name
    them (see ``DrawAssignment``)."""

    draw = models.ForeignKey(Draw, verbose_name=_("匹配"), on_delete=models.CASCADE, related_name="roster", db_index=False)
    department = models.ForeignKey("agencies.Department", verbose_name=_("部门"), on_delete=models.PROTECT, related_name="+")
    inspector = models.ForeignKey("inspectors.Inspector", verbose_name=_("执法人员"), on_delete=models.PROTECT, related_name="+")
    entities = models.PositiveIntegerField(_("分配主体数"))

    class Meta:
        verbose_name = _("匹配人员名册")
        verbose_name_plural = _("匹配人员名册")
        constraints = [
            models.UniqueConstraint(fields=["draw", "department", "inspector"], name="roster_one_row_per_person")
        ]

    def __str__(self) -> str:
        return f"{self.draw_id}: {self.inspector_id} × {self.entities}"


class Substitution(models.Model):
    """A recorded change to a matching after its freeze (e.g. a conflict declared late)."""

    assignment = models.ForeignKey(DrawAssignment, verbose_name=_("原匹配"), on_delete=models.PROTECT, related_name="substitutions")
    new_inspector = models.ForeignKey("inspectors.Inspector", verbose_name=_("替换为"), on_delete=models.PROTECT, related_name="+")
    reason = models.TextField(_("理由"))
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("批准人"), on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("人员替换")
        verbose_name_plural = _("人员替换")

    def __str__(self) -> str:
        return f"{self.assignment_id} → {self.new_inspector_id}"


class DrawEvidence(models.Model):
    """The ``draw-evidence/1`` bundle, written once when the draw completes (compressed JSON)."""

    draw = models.OneToOneField(Draw, verbose_name=_("抽取"), on_delete=models.CASCADE, related_name="evidence")
    bundle = models.BinaryField(_("证据包（压缩）"))
    public_bundle = models.BinaryField(_("公开证据包（压缩）"), null=True, blank=True)
    sha256_hex = models.CharField(_("证据包哈希"), max_length=64)

    class Meta:
        verbose_name = _("抽取证据包")
        verbose_name_plural = _("抽取证据包")

    def __str__(self) -> str:
        return f"evidence of {self.draw_id}"


class Visit(models.Model):
    """One door: a drawn entity is visited once for every task of the same window (进一次门、查多项事)."""

    entity = models.ForeignKey(  # looked up through visit_entity_window (entity first): no index of its own
        "entities.Entity", verbose_name=_("市场主体"), on_delete=models.PROTECT, db_constraint=False, related_name="+",
        db_index=False,
    )
    window_start = models.DateField(_("检查开始日期"))
    window_end = models.DateField(_("检查结束日期"))
    tasks: models.ManyToManyField[Any, VisitTask] = models.ManyToManyField("inspections.Task", verbose_name=_("合并的任务"), through="VisitTask", related_name="visits")
    planned_on = models.DateField(_("约定检查日期"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("入户检查")
        verbose_name_plural = _("入户检查")
        indexes = [models.Index(fields=["entity", "window_start"], name="visit_entity_window")]

    def __str__(self) -> str:
        return f"{self.entity_id} {self.window_start}–{self.window_end}"


class VisitTask(models.Model):
    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="visit_tasks")
    task = models.ForeignKey("inspections.Task", on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("入户检查所含任务")
        verbose_name_plural = _("入户检查所含任务")
        constraints = [models.UniqueConstraint(fields=["visit", "task"], name="visit_task_unique")]

    def __str__(self) -> str:
        return f"{self.visit_id} · {self.task_id}"


class InspectionRecord(models.Model):
    """History: who inspected which entity, for which item, when — random or not."""

    class Kind(models.TextChoices):
        RANDOM = "random", _("双随机抽查")
        DAILY = "daily", _("日常检查")
        COMPLAINT = "complaint", _("投诉举报")
        FULL_COVERAGE = "full", _("重点全覆盖")

    entity = models.ForeignKey(
        "entities.Entity", verbose_name=_("市场主体"), on_delete=models.PROTECT, db_constraint=False, related_name="+"
    )
    department = models.ForeignKey("agencies.Department", verbose_name=_("部门"), on_delete=models.PROTECT, related_name="+")
    item = models.ForeignKey("inspections.InspectionItem", verbose_name=_("抽查事项"), null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    task = models.ForeignKey("inspections.Task", verbose_name=_("任务"), null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    visit = models.ForeignKey(Visit, verbose_name=_("入户检查"), null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("检查类型"), max_length=10, choices=Kind.choices, default=Kind.RANDOM)
    inspected_on = models.DateField(_("检查日期"))
    inspectors = models.ManyToManyField("inspectors.Inspector", verbose_name=_("执法人员"), blank=True, related_name="+")

    class Meta:
        verbose_name = _("检查记录")
        verbose_name_plural = _("检查记录")
        ordering = ["-inspected_on"]
        indexes = [
            models.Index(fields=["item", "inspected_on", "entity"], name="history_item_date"),
            models.Index(fields=["department", "inspected_on", "entity"], name="history_department_date"),
            models.Index(fields=["entity", "inspected_on"], name="history_entity_date"),
        ]

    def __str__(self) -> str:
        return f"{self.entity_id} {self.inspected_on}"


class EntityList(models.Model):
    """Entities of a task that were NOT drawn here: a superior's list, or full coverage of a
    directory. Recorded with its source and never shown as a draw."""

    class Source(models.TextChoices):
        SUPERIOR = "superior", _("上级下发名单")
        FULL_COVERAGE = "full", _("名录库全覆盖")

    task = models.OneToOneField("inspections.Task", verbose_name=_("任务"), on_delete=models.PROTECT, related_name="entity_list")
    source = models.CharField(_("来源"), max_length=10, choices=Source.choices)
    note = models.CharField(_("来源说明"), max_length=300)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("登记人"), on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    count = models.PositiveIntegerField(_("户数"))
    entities: models.ManyToManyField[Any, EntityListItem] = models.ManyToManyField("entities.Entity", verbose_name=_("市场主体"), through="EntityListItem", related_name="+")

    class Meta:
        verbose_name = _("指定检查名单（非抽取）")
        verbose_name_plural = _("指定检查名单（非抽取）")

    def __str__(self) -> str:
        return f"{self.task_id} {self.get_source_display()} ({self.count})"


class EntityListItem(models.Model):
    entity_list = models.ForeignKey(EntityList, on_delete=models.CASCADE, related_name="items")
    entity = models.ForeignKey("entities.Entity", on_delete=models.PROTECT, db_constraint=False, related_name="+")

    class Meta:
        verbose_name = _("指定名单条目")
        verbose_name_plural = _("指定名单条目")
        constraints = [models.UniqueConstraint(fields=["entity_list", "entity"], name="entity_list_item_unique")]

    def __str__(self) -> str:
        return f"{self.entity_list_id} · {self.entity_id}"


class RedrawRequest(models.Model):
    """An operator asks for a redraw with a reason; a section chief or the office decides."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待批准")
        APPROVED = "approved", _("已批准")
        REJECTED = "rejected", _("不予批准")

    draw = models.ForeignKey(Draw, verbose_name=_("原抽取"), on_delete=models.PROTECT, related_name="redraw_requests")
    reason = models.TextField(_("理由"))
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("申请人"), on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(_("申请时间"), auto_now_add=True)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("批准人"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(_("决定时间"), null=True, blank=True)
    decision_note = models.CharField(_("决定说明"), max_length=300, blank=True)
    new_draw = models.OneToOneField(Draw, verbose_name=_("新抽取"), null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("重新抽取申请")
        verbose_name_plural = _("重新抽取申请")
        ordering = ["-requested_at"]
        constraints = [
            models.CheckConstraint(condition=models.Q(status__in=["pending", "approved", "rejected"]), name="redraw_request_status_valid"),
            models.UniqueConstraint(fields=["draw"], condition=models.Q(status="pending"), name="one_pending_redraw_request_per_draw"),
        ]

    def __str__(self) -> str:
        return f"{self.draw_id}: {self.get_status_display()}"
